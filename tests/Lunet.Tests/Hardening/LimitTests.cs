using Lunet.Ffi.Calls;
using Lunet.Tests.Support;

namespace Lunet.Tests.Hardening;

/// <summary>Hostile sizes are errors before any work depends on them; caches keyed by script strings stay bounded.</summary>
public class LimitTests
{
    const string Ffi = "local ffi = require('ffi')\n";

    static string Types(int n, string type = "i32") => $"local t = {{}} for i = 1, {n} do t[i] = '{type}' end\n";

    [Fact]
    public void TooManyParametersIsAnErrorNamingTheLimit()
    {
        using var rt = Lua.NewRuntime();
        Assert.Contains("wrap: too many parameters (300; the limit is 255)",
            Lua.Error(rt, Ffi + Types(300) + "ffi.C:wrap('int', 'abs', t)"));
        Assert.Contains("wrap: too many parameters (256; the limit is 255)",
            Lua.Error(rt, Ffi + Types(256) + "ffi.C:wrap('int', 'abs', table.unpack(t))"));
        Assert.Contains("call: too many parameters (65000; the limit is 255)",
            Lua.Error(rt, Ffi + Types(65000) + "ffi.C:call('abs', 'int', t, 1)"));
        Assert.Contains("wrap: too many parameters (1100000; the limit is 255)",
            Lua.Error(rt, Ffi + Types(1100000, "no such type") + "ffi.C:wrap('int', 'abs', t)"));
    }

    [Fact]
    public void TheLimitItselfWorksThroughEveryPath()
    {
        using var rt = Lua.NewRuntime();
        var r = rt.DoString(Ffi + Types(255) + """
            t[3], t[200] = 'double', 'f32'
            local args = {} for i = 1, 255 do args[i] = -i end
            return ffi.C:wrap('int', 'abs', t)(table.unpack(args)), ffi.C:call('abs', 'int', t, table.unpack(args))
            """, "=test");
        Assert.Equal([1L, 1L], r);
    }

    [Fact]
    public void TypeNamesAreBoundedAndParsedInLinearTime()
    {
        using var rt = Lua.NewRuntime();
        var sw = System.Diagnostics.Stopwatch.StartNew();
        Assert.Contains("bad argument #1 to 'sizeof' (type name is 60003 bytes long; the limit is 4096)",
            Lua.Error(rt, Ffi + "return ffi.sizeof('int' .. string.rep('*', 60000))"));
        Assert.Contains("more than 16 levels of pointer", Lua.Error(rt, Ffi + "return ffi.sizeof('int' .. string.rep('*', 17))"));
        Assert.Equal(8L, rt.DoString(Ffi + "return ffi.sizeof('int' .. string.rep('*', 16))", "=test")[0]);
        // The longest names allowed, many times over: quick, whatever their shape.
        rt.DoString(Ffi + """
            local spaced = 'int' .. string.rep(' ', 4000) .. '*'
            local qualified = 'int' .. string.rep(' const', 600) .. ' *'
            for i = 1, 300 do
              assert(ffi.sizeof(spaced .. string.rep(' ', i % 50)) == 8)
              assert(ffi.sizeof(qualified .. string.rep(' ', i % 50)) == 8)
            end
            """, "=test");
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), $"took {sw.Elapsed}");
        Assert.Contains("argument type #2 is 5000 bytes long; the limit is 4096",
            Lua.Error(rt, Ffi + "ffi.C:call('abs', 'int', {'int', string.rep(' ', 4997) .. 'int'}, 1)"));
    }

    [Fact]
    public void TheParsedTypeCacheIsBounded()
    {
        using var rt = Lua.NewRuntime();
        rt.DoString(Ffi + "for i = 1, 20000 do assert(ffi.sizeof('struct S' .. i .. '*') == 8) end", "=test");
        int cached = Lunet.Ffi.FfiContext.Of(rt.State).Types.CachedCount;
        Assert.InRange(cached, 1, Lunet.Ffi.Types.TypeRegistry.CacheLimit);
    }

    [Fact]
    public void DistinctSignaturesPastTheStubLimitStillWork()
    {
        // Enough distinct signatures to pass both stub limits; each still calls correctly.
        using var rt = Lua.NewRuntime();
        var r = rt.DoString(Ffi + """
            local kinds = {'i8', 'u8', 'i16', 'u16', 'i32', 'u32', 'i64', 'u64', 'f32', 'f64', 'bool', 'pointer'}
            local ok = 0
            for n = 1, 4500 do
              local t, args, v = {'i32'}, {-7}, n
              while v > 0 do
                t[#t + 1] = kinds[v % #kinds + 1]
                args[#args + 1] = t[#t] == 'bool' and true or t[#t] == 'pointer' and ffi.nullptr or 1
                v = v // #kinds
              end
              if ffi.C:wrap('int', 'abs', t)(table.unpack(args)) == 7 then ok = ok + 1 end
            end
            return ok
            """, "=test");
        Assert.Equal(4500L, r[0]);
        Assert.True(NativeStubCache.Count <= NativeStubCache.Limit);
        Assert.True(StubCache.Count <= StubCache.Limit);
    }

    [Fact]
    public void StringsTheFfiMakesAreBounded()
    {
        using var rt = Lua.NewRuntime();
        Assert.Contains("ffi.string: a length of 9223372036854775807 bytes is past the limit",
            Lua.Error(rt, Ffi + "return ffi.string(ffi.C:getSymbol('strlen'), math.maxinteger)"));
        Assert.Contains("past the limit", Lua.Error(rt, Ffi + "return ffi.string(ffi.buffer(16), (1 << 30) + 1)"));
    }
}
