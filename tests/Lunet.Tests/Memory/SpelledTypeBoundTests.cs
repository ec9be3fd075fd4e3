using Lunet.Ffi;
using Lunet.Ffi.Memory;
using Lunet.Ffi.Types;
using Lunet.Tests.Support;

namespace Lunet.Tests.Memory;

/// <summary>
/// Types spelled by scripts are bounded: 250,000 spellings of one struct are one type with one
/// native block (they were 250,000 blocks, 216 MB, and 28 MB more for ffi.sizeof alone), and a
/// script making distinct types without end stops at <see cref="FfiLimits.MaxInstanceTypes"/>.
/// </summary>
public class SpelledTypeBoundTests
{
    [Fact]
    public void SpellingsOfOneStructAreOneType()
    {
        using var rt = Lua.NewRuntime();
        const string Loop = """
            local ffi = require('ffi')
            local n, f = ...
            f = f == 'new' and ffi.new or ffi.sizeof
            for i = 1, n do f('struct { int a; double b; } /*' .. i .. '*/') end
            """;
        rt.DoString(Loop, "=warm", 2000L, "new");
        GC.Collect();
        long before = ProcessMemory.ResidentKiB();
        rt.DoString(Loop, "=new", 250_000L, "new");
        rt.DoString(Loop, "=sizeof", 100_000L, "sizeof");
        rt.DoString("collectgarbage()");
        GC.Collect();
        long grown = ProcessMemory.ResidentKiB() - before;
        var types = FfiContext.Of(rt.State).Types;
        Assert.Equal(1, types.SpelledRecordCount);
        Assert.True(types.CachedCount <= TypeRegistry.CacheLimit);
        Assert.True(InstanceTypes.Of(rt.State).ByType.Count <= 1, $"{InstanceTypes.Of(rt.State).ByType.Count} blocks");
        Assert.True(grown < 64 * 1024, $"RSS grew by {grown} KiB");
    }

    [Fact]
    public void DistinctTypesStopAtTheLimit()
    {
        using var rt = Lua.NewRuntime();
        var r = rt.DoString("""
            local ffi = require('ffi')
            for i = 1, 70000 do
              local ok, err = pcall(ffi.new, 'struct { char a[' .. i .. ']; }')
              if not ok then return i, err end
            end
            return 0
            """, "=test");
        Assert.Equal((long)FfiLimits.MaxInstanceTypes + 1, r[0]);
        Assert.Contains("the limit", (string)r[1]!);
        Assert.Equal(FfiLimits.MaxInstanceTypes, InstanceTypes.Of(rt.State).ByType.Count);
    }
}
