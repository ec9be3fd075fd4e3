using Lunet.Tests.Cli;
using Lunet.Tests.Support;

namespace Lunet.Tests.Ffi;

/// <summary>
/// C++ exceptions thrown through the ffi (tests/native/cxx_exceptions.cpp, built with c++) become
/// Lua errors at the ffi call they leave: "C++ exception: " and what() for a std::exception, the
/// thrown type's name otherwise. Each case runs the lunet command in a process of its own, since
/// without that the C++ runtime ends the process (std::terminate, exit 134). The scripts assert
/// what they see and print "done" last; the library reaches them as LUNET_CXXLIB.
/// </summary>
public class CxxExceptionTests
{
    public static string CxxLib => NativeBuild.SharedLibrary("cxx_exceptions.cpp");

    static bool Supported => Lunet.Ffi.Calls.NativeStubCompiler.IsSupported && OperatingSystem.IsLinux();

    const string Prelude = """
        local ffi = require('ffi')
        local lib = ffi.open(os.getenv('LUNET_CXXLIB'))
        local function fails(f, ...)
          local ok, e = pcall(f, ...)
          assert(not ok, 'no error')
          return e
        end
        local function expect(e, text)
          assert(type(e) == 'string' and e:find(text, 1, true), 'expected ' .. text .. ', got ' .. tostring(e))
        end

        """;

    static CliResult Run(string body)
    {
        var dir = CliRunner.TempDir(("case.lua", Prelude + body + "\nprint('done')\n"));
        try
        {
            return CliRunner.Exec(CliRunner.DotnetHost, [CliRunner.CliDll, "case.lua"], workingDirectory: dir,
                env: new Dictionary<string, string> { ["LUNET_CXXLIB"] = CxxLib, ["LUNET_TESTLIB"] = Lua.TestLib });
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    static string RunOk(string body)
    {
        var r = Run(body);
        Assert.DoesNotContain("terminate called", r.Stderr);
        Assert.True(r.ExitCode == 0 && r.Stdout.TrimEnd().EndsWith("done", StringComparison.Ordinal), r.ToString());
        return r.Stdout;
    }

    [Fact]
    public void EveryWayInTurnsAThrowIntoALuaError()
    {
        if (!Supported) return;
        RunOk("""
            -- lib:wrap
            local wrapped = lib:wrap('i32', 'cxx_throw_runtime', 'i32')
            assert(wrapped(-3) == 3)
            local e = fails(wrapped, 1)
            assert(e == 'C++ exception: oh no', e)
            -- lib:call: the first call of a site (C# binds) and a cached one (machine code)
            for _ = 1, 3 do expect(fails(lib.call, lib, 'cxx_throw_runtime', 'i32', {'i32'}, 1), 'C++ exception: oh no') end
            assert(lib:call('cxx_throw_runtime', 'i32', {'i32'}, -4) == 4)
            -- lib:cdef
            lib:cdef[[
              int cxx_throw_int(int x);
              long long cxx_sum_or_throw(int n, ...);
              void *cxx_thrower_address(void);
            ]]
            expect(fails(lib.cxx_throw_int, 1), 'C++ exception: int')
            -- variadic
            assert(lib.cxx_sum_or_throw(2, 1, 5) == 6)
            expect(fails(lib.cxx_sum_or_throw, 2, 1, -5), 'C++ exception: negative sum -4')
            expect(fails(lib.cxx_sum_or_throw, 3, 1, -5, 0), 'C++ exception: negative sum -4')
            -- ffi.func
            local viaPointer = ffi.func(lib.cxx_thrower_address(), 'int (*)(int)')
            expect(fails(viaPointer, 1), 'C++ exception: oh no')
            assert(viaPointer(-2) == 2)
            -- ffi.C: the C++ runtime's own throw
            ffi.cdef[[ void _ZSt21__throw_runtime_errorPKc(const char *what); ]]
            expect(fails(ffi.C._ZSt21__throw_runtime_errorPKc, 'from the C++ runtime'), 'C++ exception: from the C++ runtime')
            -- and the runtime keeps working
            assert(wrapped(-7) == 7)
            assert(select('#', pcall(wrapped, 1)) == 2)
            """);
    }

    [Fact]
    public void TheMessageIsWhatOrTheThrownTypesName()
    {
        if (!Supported) return;
        RunOk("""
            local function message(name, ...)
              local types = {}
              for i = 1, select('#', ...) do types[i] = type((select(i, ...))) == 'string' and 'string' or 'i32' end
              return fails(lib:wrap('i32', name, table.unpack(types)), ...)
            end
            assert(message('cxx_throw_int', 1) == 'C++ exception: int')
            assert(message('cxx_throw_plain') == 'C++ exception: (anonymous namespace)::Plain')
            assert(message('cxx_throw_named') == 'C++ exception: lunet_test::Named')
            assert(message('cxx_throw_string_literal') == 'C++ exception: char const*')
            -- std::exception as a second base: what() of the adjusted object
            assert(message('cxx_throw_both') == 'C++ exception: second base')
            assert(message('cxx_throw_custom') == 'C++ exception: custom what')
            assert(message('cxx_throw_bad_alloc') == 'C++ exception: std::bad_alloc')
            -- rethrown from an exception_ptr (a dependent exception), and with throw; inside C++
            assert(message('cxx_rethrow_pointer') == 'C++ exception: from an exception_ptr')
            assert(message('cxx_rethrow_inside') == 'C++ exception: rethrown')
            -- what() as C gave it: any bytes, cut past 4096 of them
            assert(message('cxx_throw_message', 'caf\xc3\xa9 \xff\x01') == 'C++ exception: caf\xc3\xa9 \xff\x01')
            local long = message('cxx_throw_message', ('x'):rep(10000))
            assert(long == 'C++ exception: ' .. ('x'):rep(4096) .. '...', #long)
            assert(message('cxx_throw_message', '') == 'C++ exception: ')
            """);
    }

    [Fact]
    public void CxxCleanupsRunAndNothingIsLeftCaught()
    {
        if (!Supported) return;
        RunOk("""
            local destroyed = lib:wrap('i32', 'cxx_destroyed')
            local before = destroyed()
            expect(fails(lib:wrap('i32', 'cxx_throw_deep', 'i32'), 20), 'C++ exception: deep')
            assert(destroyed() - before == 21, 'destructors run: ' .. destroyed() - before)
            -- the C++ runtime holds nothing for this thread afterwards
            assert(lib:wrap('i32', 'cxx_uncaught')() == 0)
            assert(lib:wrap('i32', 'cxx_has_current')() == 0)
            assert(lib:wrap('i32', 'cxx_live')() == 0)
            -- an exception C++ catches itself never reaches the ffi
            assert(lib:wrap('i32', 'cxx_catch_inside', 'i32')(1) == 1)
            -- the stubs with struct results, a hidden result pointer and stack arguments
            ffi.cdef[[ struct Pair { long long a, b; }; struct Big { long long v[4]; }; ]]
            local pair = lib:wrap('struct Pair', 'cxx_pair_or_throw', 'i64', 'i64')
            local big = lib:wrap('struct Big', 'cxx_big_or_throw', 'i64')
            local many = lib:wrap('i64', 'cxx_many_or_throw', 'i64', 'i64', 'i64', 'i64', 'i64', 'i64', 'i64', 'i64', 'i64', 'i64')
            expect(fails(pair, -1, 2), 'C++ exception: pair')
            expect(fails(big, -1), 'C++ exception: big')
            expect(fails(many, 1, 2, 3, 4, 5, 6, 7, 8, 9, -100), 'C++ exception: many')
            assert(pair(3, 4).b == 4 and big(5).v[3] == 8 and many(1, 2, 3, 4, 5, 6, 7, 8, 9, 10) == 55)
            -- in a coroutine, and the error is an ordinary Lua error there
            local co = coroutine.wrap(function() local ok, e = pcall(pair, -1, 0); coroutine.yield(e); return pair(1, 1).a end)
            assert(co() == 'C++ exception: pair' and co() == 1)
            local ok, e = pcall(coroutine.wrap(function() return big(-1) end))
            expect(e, 'C++ exception: big')
            """);
    }

    [Fact]
    public void AThrowInsideACallbackIsCaughtAtTheInnermostCall()
    {
        if (!Supported) return;
        RunOk("""
            local apply = lib:wrap('i32', 'cxx_apply', 'pointer', 'i32')
            local thrower = lib:wrap('i32', 'cxx_throw_runtime', 'i32')
            local destroyed = lib:wrap('i32', 'cxx_destroyed')
            -- Lua -> C++ -> callback -> C++ that throws: the callback's own call raises, and pcall there catches it
            local cb = ffi.callback(function(x)
              local ok, e = pcall(thrower, x)
              assert(not ok and e == 'C++ exception: oh no', e)
              return 10 * x
            end, 'i32', {'i32'})
            local before = destroyed()
            assert(apply(cb, 3) == 31)
            -- the thrower's destructor ran, and the outer C++ frame returned normally (its own, once)
            assert(destroyed() - before == 2, destroyed() - before)
            -- uncaught in the callback: an error of the callback, raised when the outer call returns
            local cb2 = ffi.callback(function(x) return thrower(x) end, 'i32', {'i32'})
            expect(fails(apply, cb2, 3), 'C++ exception: oh no')
            assert(apply(cb2, -5) == 6)
            -- two levels of callbacks
            local cb3 = ffi.callback(function(x) return apply(cb2, x) end, 'i32', {'i32'})
            expect(fails(apply, cb3, 2), 'C++ exception: oh no')
            assert(apply(cb3, -2) == 4)
            -- a callback's error and then a throw in one call: the callback's error (it came first) is raised
            local applyThenThrow = lib:wrap('i32', 'cxx_apply_then_throw', 'pointer', 'i32')
            expect(fails(applyThenThrow, ffi.callback(function() error('callback first') end, 'i32', {'i32'}), 1), 'callback first')
            expect(fails(applyThenThrow, ffi.callback(function(x) return x end, 'i32', {'i32'}), 1), 'C++ exception: after the callback')
            assert(lib:wrap('i32', 'cxx_uncaught')() == 0 and lib:wrap('i32', 'cxx_has_current')() == 0)
            assert(lib:wrap('i32', 'cxx_live')() == 0)
            """);
    }

    [Fact]
    public void TwentyThousandThrowsNeitherLeakNorCrash()
    {
        if (!Supported) return;
        var output = RunOk("""
            local function rss()
              local f = io.open('/proc/self/status'); local s = f:read('a'); f:close()
              return tonumber(s:match('VmRSS:%s*(%d+)'))
            end
            local tracked = lib:wrap('i32', 'cxx_throw_tracked')
            for _ = 1, 2000 do pcall(tracked) end
            collectgarbage(); collectgarbage()
            local before = rss()
            for _ = 1, 20000 do
              local ok, e = pcall(tracked)
              assert(not ok and e == 'C++ exception: tracked')
            end
            collectgarbage(); collectgarbage()
            local grew = rss() - before
            -- every exception object was destroyed, and the C++ runtime holds none
            assert(lib:wrap('i32', 'cxx_live')() == 0, 'exception objects alive')
            assert(lib:wrap('i32', 'cxx_uncaught')() == 0 and lib:wrap('i32', 'cxx_has_current')() == 0)
            print('rss grew ' .. grew .. ' KiB')
            assert(grew < 8192, 'RSS grew by ' .. grew .. ' KiB')
            """);
        Assert.Contains("rss grew", output);
    }

    [Fact]
    public void TheUnwinderWalksThroughAStubsFrame()
    {
        if (!Supported) return;
        // backtrace() from C goes through the stub into liblua's frames only when the stub's frame is described.
        RunOk("""
            assert(lib:wrap('i32', 'cxx_frames_in', 'string')('liblua54') > 0, 'the unwinder stopped at the stub')
            ffi.cdef[[ int cxx_frames_in(const char *file); ]]
            assert(lib:call('cxx_frames_in', 'i32', {'string'}, 'liblua54') > 0)
            """);
    }
}
