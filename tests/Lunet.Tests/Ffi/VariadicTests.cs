using Lunet.Tests.Support;

namespace Lunet.Tests.Ffi;

/// <summary>
/// Declared variadic functions: extra arguments take a C type from their Lua type, the native
/// stub sets AL, and what has no C type (or is a struct by value) is an error naming the
/// argument and the function. Checked against snprintf and against va_checksum in
/// errno_test.c, which reads its arguments with va_arg.
/// </summary>
public class VariadicTests
{
    static string TestLib => NativeBuild.SharedLibrary("errno_test.c");

    static object? Run(string code)
    {
        using var rt = Lua.NewRuntime();
        return rt.DoString($$"""
            local ffi = require('ffi')
            local t = ffi.open('{{TestLib}}')
            t:cdef('double va_checksum(const char *fmt, ...);')
            ffi.cdef('int snprintf(char *buf, size_t n, const char *fmt, ...);')
            local b = ffi.buffer(512)

            """ + code, "=test")[0];
    }

    [Fact]
    public void SnprintfTakesIntegersDoublesStringsAndBooleans()
    {
        Assert.Equal("42 hi 3.142 1099511627776 1 0", Run("""
            local n = ffi.C.snprintf(b, 512, "%d %s %.3f %lld %d %d", 42, "hi", 3.14159, 1 << 40, true, false)
            assert(n == #b:readString(0))
            return b:readString(0)
            """));
    }

    [Fact]
    public void ExtraArgumentsSpillToTheStack()
    {
        // 7 integers past the three fixed (more than the six integer registers) and 10 doubles (more than eight).
        Assert.Equal("1 2 3 4 5 6 7 | 1.5 2.5 3.5 4.5 5.5 6.5 7.5 8.5 9.5 10.5 | end", Run("""
            ffi.C.snprintf(b, 512, "%lld %lld %lld %lld %lld %lld %lld | %.1f %.1f %.1f %.1f %.1f %.1f %.1f %.1f %.1f %.1f | %s",
              1, 2, 3, 4, 5, 6, 7, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5, 10.5, "end")
            return b:readString(0)
            """));
    }

    [Fact]
    public void VaArgReadsWhatLuaPassed()
    {
        // The checksum C computes from va_arg against the same sum computed here.
        Assert.Equal("true", Run("""
            local fmt, args, expected = "", {}, 0
            local seed = 7
            for i = 1, 24 do
              seed = (seed * 1103515245 + 12345) % 2147483648
              local kind = ("idsbp"):sub(seed % 5 + 1, seed % 5 + 1)
              local v, w
              if kind == "i" then v = seed - 1000000000; w = v
              elseif kind == "d" then v = seed / 7; w = v
              elseif kind == "s" then v = ("x"):rep(seed % 9); w = #v
              elseif kind == "b" then v = seed % 2 == 0; w = v and 1 or 0
              else v = (seed % 2 == 0) and ffi.pointer(16) or b; w = 1 end
              fmt = fmt .. kind; args[i] = v; expected = expected + i * w
            end
            local got = t.va_checksum(fmt, table.unpack(args, 1, 24))
            return tostring(math.abs(got - expected) < 1e-6 * math.abs(expected))
            """));
        Assert.Equal(0.0, Run("return t.va_checksum('')"));
    }

    [Fact]
    public void ArgumentsWithoutACTypeAreErrorsNamingThem()
    {
        foreach (var (value, text) in new[] { ("{}", "got table"), ("print", "got function"), ("nil", "got nil"), ("coroutine.create(print)", "got thread") })
            Assert.Equal($"bad argument #4 to 'ffi.C.snprintf' (a variadic argument must be a number, string, boolean or pointer, {text})",
                Run($"local ok, e = pcall(ffi.C.snprintf, b, 512, '%p', {value}) assert(not ok) return e"));
        Assert.Equal("bad argument #2 to 'va_checksum' (struct VP cannot be passed as a variadic argument (pass a pointer to it))",
            Run("ffi.cdef('struct VP { int x; };') local ok, e = pcall(t.va_checksum, 'p', ffi.new('struct VP')) return e"));
        Assert.Equal("ffi.C.snprintf: expected at least 3 arguments, got 2", Run("local ok, e = pcall(ffi.C.snprintf, b, 512) return e"));
        // A fixed parameter is still checked as declared, and the runtime keeps working.
        Assert.Contains("bad argument #3", (string)Run("local ok, e = pcall(ffi.C.snprintf, b, 512, 42) return e")!);
        Assert.Equal("ok 7", Run("ffi.C.snprintf(b, 512, 'ok %d', 7) return b:readString(0)"));
    }

    // The kinds cache (Calls/VariadicCache.cs): a call whose kinds were seen runs from the native
    // entry; everything it does not take itself still goes through C#, with the same results and errors.

    [Fact]
    public void ACallOfKindsSeenBeforeAllocatesNothing()
    {
        Assert.Equal("true", Run("""
            local f = ffi.C.snprintf
            f(b, 512, '%lld %s %g', 1, 'x', 2.5)
            collectgarbage('collect')
            collectgarbage('stop')
            local before = collectgarbage('count')
            for i = 1, 20000 do f(b, 512, '%lld %s %g', i, 'x', 2.5) end
            local grown = (collectgarbage('count') - before) * 1024
            collectgarbage('restart')
            assert(b:readString(0) == '20000 x 2.5', b:readString(0))
            return tostring(grown < 4096)
            """));
    }

    [Fact]
    public void MoreKindsThanTheCacheHoldsStillCallRight()
    {
        // 20 kind tuples (the cache keeps 16), each called three times in turn, against the sum C computes.
        Assert.Equal("true", Run("""
            local values = { i = 7, d = 0.5, s = 'abc', b = true, p = b }
            local weight = { i = 7, d = 0.5, s = 3, b = 1, p = 1 }
            local shapes = { 'i', 'd', 's', 'b', 'p', 'ii', 'id', 'ds', 'sb', 'bp', 'pi', 'idsbp',
              'dd', 'ss', 'bb', 'pp', 'iii', 'ddd', 'pbsdi', '' }
            for round = 1, 3 do
              for _, fmt in ipairs(shapes) do
                local args, expected = {}, 0
                for k = 1, #fmt do
                  local c = fmt:sub(k, k)
                  args[k] = values[c]; expected = expected + k * weight[c]
                end
                local got = t.va_checksum(fmt, table.unpack(args, 1, #fmt))
                assert(got == expected, fmt .. ': ' .. got .. ' ~= ' .. expected)
              end
            end
            return 'true'
            """));
    }

    [Fact]
    public void AStructAfterAPointerOfTheSameShapeIsStillAnError()
    {
        // A Buffer makes the kinds (pointer) cached; a struct instance in the same place must not pass for one.
        Assert.Equal("1.0|bad argument #2 to 'va_checksum' (struct VS cannot be passed as a variadic argument (pass a pointer to it))|1.0|1.0", Run("""
            ffi.cdef('struct VS { int x; };')
            local s, arr = ffi.new('struct VS'), ffi.new('int[4]')
            local first = t.va_checksum('p', b)
            local ok, e = pcall(t.va_checksum, 'p', s)
            assert(not ok)
            local a1, a2 = t.va_checksum('p', arr), t.va_checksum('p', arr)
            -- And after an array instance (which the native entry passes as a pointer itself).
            local ok2, e2 = pcall(t.va_checksum, 'p', s)
            assert(not ok2 and e2 == e, e2)
            return ('%.1f|%s|%.1f|%.1f'):format(first, e, a1, a2)
            """));
    }

    [Fact]
    public void ErrorsAreTheSameOnceKindsAreCached()
    {
        Assert.Equal("bad argument #4 to 'ffi.C.snprintf' (a variadic argument must be a number, string, boolean or pointer, got nil)|" +
                     "ffi.C.snprintf: expected at least 3 arguments, got 2|bad argument #3|ok 5", Run("""
            local f = ffi.C.snprintf
            f(b, 512, '%d', 1)
            local _, e1 = pcall(f, b, 512, '%p', nil)
            local _, e2 = pcall(f, b, 512)
            local _, e3 = pcall(f, b, 512, 42)
            f(b, 512, 'ok %d', 5)
            return e1 .. '|' .. e2 .. '|' .. e3:match('bad argument #3') .. '|' .. b:readString(0)
            """));
    }

    [Fact]
    public void ACallAfterTheLibraryClosedIsAnError()
    {
        Assert.Equal("cannot call 'va_checksum': library", Run("""
            local f = t.va_checksum
            f('i', 1)
            t:close()
            local ok, e = pcall(f, 'i', 1)
            assert(not ok)
            return e:match("^cannot call 'va_checksum': library")
            """));
    }

    [Fact]
    public void ACallAfterItsUpvalueWasFinalizedByHandIsAnError()
    {
        Assert.Equal("this variadic function was collected", Run("""
            local f = t.va_checksum
            f('i', 1)
            local _, block = debug.getupvalue(f, 1)
            debug.getmetatable(block).__gc(block)
            debug.getmetatable(block).__gc(block)
            local ok, e = pcall(f, 'i', 1)
            assert(not ok)
            return e
            """));
    }

    [Fact]
    public void CachedKindsAreReadFromEachCoroutinesOwnStack()
    {
        // The entry reads the arguments' tags from the running thread's stack: a coroutine, deep in
        // calls, with the kinds cached by the main thread (and a float where an integer was cached).
        Assert.Equal("7 x 0.5|8 y 9|9.5 z 1", Run("""
            local f, out = ffi.C.snprintf, {}
            f(b, 512, '%lld %s %g', 1, 'a', 0.5)
            local function deep(n, ...) if n == 0 then f(b, 512, ...) return b:readString(0) end return deep(n - 1, ...) end
            local co = coroutine.wrap(function()
              out[1] = deep(100, '%lld %s %g', 7, 'x', 0.5)
              coroutine.yield()
              out[2] = deep(30, '%lld %s %lld', 8, 'y', 9)
              out[3] = deep(5, '%g %s %lld', 9.5, 'z', 1)
            end)
            co() co()
            return table.concat(out, '|')
            """));
    }
}
