using Xunit.Abstractions;
using Lunet.Tests.Support;

namespace Lunet.Tests.Callbacks;

/// <summary>
/// A million invocations and ten thousand callbacks made and freed: the process's resident
/// memory grows by less than 10 MB and the Lua heap comes back to its size after a full
/// collection. Alone, so other tests' memory does not show up in the figures.
/// </summary>
[Collection(AloneCollection.Name)]
public class CallbackSoakTests(ITestOutputHelper output)
{
    static long ResidentBytes() => ProcessMemory.ResidentKiB() is > 0 and var kib ? kib * 1024 : Environment.WorkingSet;

    [Fact]
    public void AMillionInvocationsAndTenThousandCallbacksLeaveNothingBehind()
    {
        using var rt = CallbackLib.NewRuntime();
        const string soak = """
            local loop = lib:wrap('i64', 'call_loop', 'pointer', 'i32')
            local keep = lib:wrap('i32', 'call_keep', 'pointer', 'i32')
            local cb = ffi.callback(function(x) return x % 7 end, 'i32', {'i32'})
            local s = 0
            for i = 1, 10 do s = s + loop(cb, 100000) end      -- 1,000,000 invocations
            cb:free()
            for i = 1, 10000 do                                 -- 10,000 callbacks made, called, freed
              local c = ffi.callback(function(x) return x + i end, 'i32', {'i32'})
              assert(keep(c, 1) == i + 1)
              c:free()
            end
            return s
            """;
        // One round first, so that the code pages, stubs and pools exist before the baseline.
        rt.DoString(CallbackLib.Open + soak);
        rt.DoString("collectgarbage() collectgarbage()");
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long heap0 = rt.MemoryInUse, rss0 = ResidentBytes();

        long sum = 0;
        for (int i = 0; i < 100000; i++) sum += i % 7;
        Assert.Equal(sum * 10, rt.DoString(CallbackLib.Open + soak)[0]);
        rt.DoString("collectgarbage() collectgarbage()");
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long heap1 = rt.MemoryInUse, rss1 = ResidentBytes();

        output.WriteLine($"resident {rss0 >> 10} -> {rss1 >> 10} KiB; Lua heap {heap0} -> {heap1} bytes; {Lunet.Ffi.Callbacks.CallbackCells.Count} slots in the pool");
        Assert.True(rss1 - rss0 < 10 << 20, $"resident memory grew by {(rss1 - rss0) >> 10} KiB");
        Assert.True(heap1 <= heap0 + 4096, $"Lua heap {heap0} -> {heap1} bytes");
    }
}
