using Lunet.Ffi.Calls;
using Lunet.Tests.Support;

namespace Lunet.Tests.Callbacks;

/// <summary>
/// Structs and unions by value in callbacks, against tests/native/callback_structs.c: C calls the
/// callback with values it builds and C computes the checksum of those values (cs_expect_*), which the
/// callback computes over what it received; C takes a struct back and returns the checksum of what it
/// got, which the script computes over what it returned. The records are the C file's own typedefs.
/// </summary>
public class CallbackStructTests
{
    static string Library => NativeBuild.SharedLibrary("callback_structs.c", "-lpthread");

    static string Declarations => string.Join("\n",
        File.ReadLines(Path.Combine(NativeBuild.NativeDir, "callback_structs.c")).Where(l => l.StartsWith("typedef ", StringComparison.Ordinal)));

    static readonly string Prelude = """
        local ffi = require('ffi')
        ffi.cdef(DECLS)
        local lib = ffi.open(CSLIB)

        """ + "\n" + LuaChecksums.Functions;

    static LuaRuntime NewRuntime()
    {
        var rt = Lua.NewRuntime();
        rt.SetGlobal("CSLIB", Library);
        rt.SetGlobal("DECLS", Declarations);
        return rt;
    }

    static object? Eval(string code)
    {
        using var rt = NewRuntime();
        var r = rt.DoString(Prelude + code, "=test");
        return r.Length > 0 ? r[0] : null;
    }

    static string Error(string code)
    {
        using var rt = NewRuntime();
        return Lua.Error(rt, Prelude + code);
    }

    [Fact]
    public void StructArgumentsOfEveryShapeArriveAsInstancesWhenTheRegistersRunOut()
    {
        if (!NativeStubCompiler.IsSupported) return;
        Assert.Equal("ok", Eval("""
            local cb = ffi.callback(function(i, a, b, c, d, e, u, x, f, j, g, y, k)
              for n, v in ipairs({a, b, c, d, e, u, f, g, k}) do
                assert(tostring(v):match('^%w+ {'), 'argument ' .. n .. ' is no instance: ' .. tostring(v))
              end
              return fnv('i4 dd i4d fff i1i4i1 i8i8i8 d d dd i4 i1i4i1 f dd', i, a.x, a.y, b.i, b.d, c.a, c.b, c.c,
                d.a, d.i, d.b, e.a, e.b, e.c, u.d, x, f.x, f.y, j, g.a, g.i, g.b, y, k.x, k.y)
            end, 'u64', {'i32', 'DD', 'ID', 'F3', 'CIC', 'Big', 'UID', 'f64', 'DD', 'i32', 'CIC', 'f32', 'DD'})
            for s = 1, 5 do
              check('all ' .. s, lib:call('cs_give_all', 'u64', {'pointer', 'i32'}, cb, s), lib:call('cs_expect_all', 'u64', {'i32'}, s))
            end
            local one = ffi.callback(function(v) return fnv('dd', v.x, v.y) end, 'u64', {'DD'})
            check('dd', lib:call('cs_give_dd', 'u64', {'pointer', 'i32'}, one, 9), lib:call('cs_expect_dd', 'u64', {'i32'}, 9))
            local odd = ffi.callback(function(a, o, b)
              local values = {a}
              for i = 0, 24 do values[#values + 1] = o.c[i] end
              values[#values + 1] = b
              return fnv('i4' .. ('B'):rep(25) .. 'i4', table.unpack(values))
            end, 'u64', {'i32', 'Odd', 'i32'})
            check('odd', lib:call('cs_give_odd', 'u64', {'pointer', 'i32'}, odd, 3), lib:call('cs_expect_odd', 'u64', {'i32'}, 3))
            return 'ok'
            """));
    }

    [Fact]
    public void AStructArgumentIsACopyThatOutlivesTheCall()
    {
        if (!NativeStubCompiler.IsSupported) return;
        Assert.Equal("7.5|-5.25|DD", Eval("""
            local kept
            local cb = ffi.callback(function(v) kept = v; return 0 end, 'u64', {'DD'})
            lib:call('cs_give_dd', 'u64', {'pointer', 'i32'}, cb, 5)
            collectgarbage()
            return kept.x .. '|' .. kept.y .. '|' .. tostring(kept):match('^DD')
            """));
    }

    [Fact]
    public void StructResultsOfEveryShapeComeBackFromTablesAndInstances()
    {
        if (!NativeStubCompiler.IsSupported) return;
        Assert.Equal("ok", Eval("""
            local function both(name, ty, make, fmt, fields)
              for _, as in ipairs({'table', 'instance', 'view'}) do
                local cb = ffi.callback(function(s)
                  local t = make(s)
                  if as == 'instance' then return ffi.new(ty, t) end
                  if as == 'view' then return ffi.new('struct { int pad; ' .. ty .. ' v; }', {v = t}).v end
                  return t
                end, ty, {'i32'})
                for s = 1, 3 do
                  local t = make(s)
                  local values = {}
                  for _, f in ipairs(fields) do values[#values + 1] = t[f] end
                  check(name .. ' ' .. as .. ' ' .. s, lib:call(name, 'u64', {'pointer', 'i32'}, cb, s), fnv(fmt, table.unpack(values)))
                end
                cb:free()
              end
            end
            both('cs_take_dd', 'DD', function(s) return {x = s * 0.5, y = -s} end, 'dd', {'x', 'y'})
            both('cs_take_id', 'ID', function(s) return {i = -s, d = s / 4} end, 'i4d', {'i', 'd'})
            both('cs_take_f3', 'F3', function(s) return {a = s, b = 0.5, c = -s} end, 'fff', {'a', 'b', 'c'})
            both('cs_take_cic', 'CIC', function(s) return {a = -s, i = 1 << 20, b = s} end, 'i1i4i1', {'a', 'i', 'b'})
            both('cs_take_uid', 'UID', function(s) return {d = s * 1.25} end, 'd', {'d'})
            -- through the hidden pointer: the integer arguments shift by one register, the last is on the stack
            local big = ffi.callback(function(a, b, c, d, e, f) return {a = a + b, b = c * d, c = e - (f << 33)} end,
              'Big', {'i32', 'i32', 'i32', 'i32', 'i32', 'i32'})
            check('big', lib:call('cs_take_big', 'u64', {'pointer', 'i32'}, big, 4), fnv('i8i8i8', 4 + 5, 6 * 7, 8 - (9 << 33)))
            -- 25 bytes: every byte written, none past the struct
            local odd = ffi.callback(function(s)
              local c = {}
              for i = 1, 25 do c[i] = (s * i) & 0xff end
              return {c = c}
            end, 'Odd', {'i32'})
            local want = {}
            for i = 1, 25 do want[i] = (3 * i) & 0xff end
            check('odd', lib:call('cs_take_odd', 'u64', {'pointer', 'i32'}, odd, 3), fnv(('B'):rep(25), table.unpack(want)))
            return 'ok'
            """));
    }

    [Fact]
    public void AStructGoesInAndComesOutOfTheSameCallback()
    {
        if (!NativeStubCompiler.IsSupported) return;
        Assert.Equal("10.0|-5.0", Eval("""
            local add = ffi.callback(function(a, b) return {x = a.x + b.x, y = a.y + b.y} end, 'DD', {'DD', 'DD'})
            local r = lib:call('cs_fold', 'DD', {'pointer', 'DD', 'i32'}, add, {x = 2.5, y = -1.25}, 4)
            return ('%.1f|%.1f'):format(r.x, r.y)
            """));
    }

    [Fact]
    public void ATemporaryCallbackOfACdefdFunctionTakesAndReturnsStructs()
    {
        if (!NativeStubCompiler.IsSupported) return;
        Assert.Equal("ok", Eval("""
            lib:cdef[[
              uint64_t cs_give_dd(uint64_t (*cb)(DD), int s);
              uint64_t cs_expect_dd(int s);
              uint64_t cs_take_big(Big (*cb)(int, int, int, int, int, int), int s);
              DD cs_fold(DD (*cb)(DD, DD), DD v, int n);
            ]]
            check('give', lib.cs_give_dd(function(v) return fnv('dd', v.x, v.y) end, 2), lib.cs_expect_dd(2))
            check('take', lib.cs_take_big(function(a, b, c, d, e, f) return {a = a, b = b + c + d + e, c = f} end, 1), fnv('i8i8i8', 1, 2 + 3 + 4 + 5, 6))
            check('fold', lib.cs_fold(function(a, b) return ffi.new('DD', {x = a.x + b.x, y = a.y - b.y}) end, {x = 1, y = 1}, 3).y, -3.0)
            return 'ok'
            """));
    }

    [Fact]
    public void AWrongStructResultNamesTheCallbackAndTheTypesAndCGetsAZeroedStruct()
    {
        if (!NativeStubCompiler.IsSupported) return;
        Assert.Equal("bad result from callback 'struct DD (i32)' (struct DD expected (an instance or a table of fields), got string); C got a zeroed struct DD", Eval("""
            local cb = ffi.callback(function(s) return 'seven' end, 'DD', {'i32'})
            local ok, err = pcall(lib.call, lib, 'cs_take_dd', 'u64', {'pointer', 'i32'}, cb, 1)
            assert(not ok)
            assert(cb.isValid)
            return err
            """));
        Assert.Contains("bad result from callback 'struct DD (i32)' (struct DD expected, got struct ID); C got a zeroed struct DD", Error("""
            lib:call('cs_take_dd', 'u64', {'pointer', 'i32'}, ffi.callback(function(s) return ffi.new('ID') end, 'DD', {'i32'}), 1)
            """));
        Assert.Contains("bad result from callback 'struct DD (i32)' (struct DD has no field 'z'); C got a zeroed struct DD", Error("""
            lib:call('cs_take_dd', 'u64', {'pointer', 'i32'}, ffi.callback(function(s) return {x = 1, z = 2} end, 'DD', {'i32'}), 1)
            """));
        Assert.Contains("(cannot set struct DD.y to \"no\" (a string): f64 expected, got string); C got a zeroed struct DD", Error("""
            lib:call('cs_take_dd', 'u64', {'pointer', 'i32'}, ffi.callback(function(s) return {x = 1, y = 'no'} end, 'DD', {'i32'}), 1)
            """));
        Assert.Contains("bad result from callback 'struct Big (i32, i32, i32, i32, i32, i32)' (struct Big expected (an instance or a table of fields), got nil); C got a zeroed struct Big", Error("""
            lib:call('cs_take_big', 'u64', {'pointer', 'i32'}, ffi.callback(function() end, 'Big', {'i32', 'i32', 'i32', 'i32', 'i32', 'i32'}), 1)
            """));
        // What C got (cs_last: the checksum cs_take_* computed before the error was raised): all zero,
        // though a bad field came after good ones and the hidden memory started as garbage.
        Assert.Equal("true|true|true|true|true", Eval("""
            local zeros = {}
            for i = 1, 25 do zeros[i] = 0 end
            local function zeroed(name, ty, args, value, want)
              local refused = ffi.callback(function() return value end, ty, args)
              local ok, err = pcall(lib.call, lib, name, 'u64', {'pointer', 'i32'}, refused, 1)
              assert(not ok, name .. ' accepted a bad result')
              return lib:call('cs_last', 'u64', {}) == want
            end
            local six = {'i32', 'i32', 'i32', 'i32', 'i32', 'i32'}
            return table.concat({
              tostring(zeroed('cs_take_dd', 'DD', {'i32'}, {x = 1, y = 'no'}, fnv('dd', 0, 0))),
              tostring(zeroed('cs_take_odd', 'Odd', {'i32'}, {c = {1, 2, 'x'}}, fnv(('B'):rep(25), table.unpack(zeros)))),
              tostring(zeroed('cs_take_big', 'Big', six, 5, fnv('i8i8i8', 0, 0, 0))),
              -- the second invocation runs no Lua (the first failed): zero all the same
              tostring(zeroed('cs_take_odd_twice', 'Odd', {'i32'}, 'x', fnv(('B'):rep(25), table.unpack(zeros)))),
              tostring(zeroed('cs_take_dd_twice', 'DD', {'i32'}, 'x', fnv('dd', 0, 0))),
            }, '|')
            """));
    }

    [Fact]
    public void AnErrorInsideAStructCallbackIsRaisedAtTheCallsReturnAndCGetsAZeroedStruct()
    {
        if (!NativeStubCompiler.IsSupported) return;
        var e = (string)Eval("""
            local runs = 0
            local cb = ffi.callback(function(v) runs = runs + 1; error('inside ' .. v.x) end, 'DD', {'DD', 'DD'})
            local ok, err = pcall(lib.call, lib, 'cs_fold', 'DD', {'pointer', 'DD', 'i32'}, cb, {x = 4, y = 0}, 3)
            assert(not ok and runs == 1, 'later invocations ran Lua')
            return err
            """)!;
        Assert.Matches(@"test:\d+: inside 0\.0", e);
        Assert.Contains("stack traceback:", e);
    }

    [Fact]
    public void AQueuedInvocationFromAnotherThreadGetsItsStructArgumentsCopied()
    {
        if (!NativeStubCompiler.IsSupported) return;
        Assert.Equal("0|7|10.5|-7.25|7|-21", Eval("""
            local seen = {}
            local cb = ffi.callback(function(s, v, b)
              seen = { s, v.x, v.y, b.a, b.b }
              return 99
            end, 'u64', {'i32', 'DD', 'Big'}, { threads = 'queue' })
            -- C got zero at once; the invocation ran on this thread when the call returned
            local got = lib:call('cs_give_from_thread', 'u64', {'pointer', 'i32'}, cb, 7)
            return got .. '|' .. table.concat(seen, '|')
            """));
    }
}
