using Lunet.Tests.Support;

namespace Lunet.Tests.Memory;

/// <summary>Counts and limits, not timings: Buffers are reclaimed, and read/write allocate nothing per call.</summary>
public class MemoryBehaviourTests
{
    static long Resident()
    {
        // /proc/self/statm: size resident shared ... in pages.
        if (File.Exists("/proc/self/statm"))
        {
            var fields = File.ReadAllText("/proc/self/statm").Split(' ');
            return long.Parse(fields[1]) * Environment.SystemPageSize;
        }
        using var p = System.Diagnostics.Process.GetCurrentProcess();
        return p.WorkingSet64;
    }

    [Fact]
    public void ManyBuffersKeptByNobodyDoNotGrowResidentMemory()
    {
        using var rt = Lua.NewRuntime();
        // Warm up: the state, the metatable, the allocator's arenas.
        rt.DoString("local ffi = require('ffi') for i = 1, 2000 do ffi.buffer(16384) end collectgarbage('collect')");
        long before = Resident();
        var r = rt.DoString("""
            local ffi = require('ffi')
            local last
            for i = 1, 100000 do
              local b = ffi.buffer(16 * 1024)
              b:write(16 * 1024 - 8, "i64", i) -- touch the last page too
              last = b:read(16 * 1024 - 8, "i64")
            end
            collectgarbage("collect")
            return last, collectgarbage("count")
            """);
        long grown = Resident() - before;
        Assert.Equal(100000L, r[0]);
        // 100,000 × 16 KB = 1.6 GB were allocated in all; what stays must be a small part of it.
        Assert.True(grown < 300L * 1024 * 1024, $"resident memory grew by {grown / (1024 * 1024)} MB");
        Assert.True((double)r[1]! < 16 * 1024, $"Lua heap is {r[1]} KB after a full collect");
    }

    [Fact]
    public void LargeBuffersAreUsableAndFreed()
    {
        // In this class so that it never runs alongside the resident-memory test.
        using var rt = Lua.NewRuntime();
        Assert.Equal(true, rt.DoString("""
            local ffi = require('ffi')
            local b = ffi.buffer(100 * 2^20)
            b:write(b.size - 8, 'i64', 7)
            local ok = b.size == 100 * 2^20 and b:read(b.size - 8, 'i64') == 7 and b:read(50 * 2^20, 'i64') == 0
            b = nil
            collectgarbage('collect')
            return ok and collectgarbage('count') < 16 * 1024
            """)[0]);
    }

    [Fact]
    public void ReadAndWriteOfNumbersDoNotAllocate()
    {
        var r = Lua.Eval("""
            local ffi = require('ffi')
            local b = ffi.buffer(64)
            local s = b:slice(8, 32)
            local function run(n)
              local sum = 0
              for i = 1, n do
                local off = i % 56
                b:write(off, "i32", i)
                sum = sum + b:read(off, "i32")
                b:write(off, "f64", 0.5)
                sum = sum + b:read(off, "f64")
                s:write(i % 24, "u64", -i)
                sum = sum + s:read(i % 24, "u64") + b.size
                b:write(0, "bool", true)
                if b:read(0, "bool") then sum = sum + 1 end
                b:write(8, "pointer", b.ptr)
                if b:read(8, "pointer") ~= b.ptr then error("pointer") end
              end
              return sum
            end
            run(1000) -- warm up: type-name cache, call infos
            collectgarbage("collect")
            collectgarbage("stop")
            local before = collectgarbage("count")
            run(100000) -- 1,000,000 read/write calls
            local after = collectgarbage("count")
            collectgarbage("restart")
            return after - before
            """);
        Assert.True((double)r! < 4, $"the Lua heap grew by {r} KB over 1,000,000 read/write calls");
    }

    [Fact]
    public void SurvivesGarbageCollectionUnderLoad()
    {
        Assert.Equal(true, Lua.Eval("""
            local ffi = require('ffi')
            local keep = {}
            for i = 1, 20000 do
              local b = ffi.buffer(i % 97)
              if b.size >= 4 then b:write(b.size - 4, "i32", i) end
              local s = b:slice(0, b.size // 2)
              if i % 10 == 0 then keep[#keep + 1] = s end
              if i % 1000 == 0 then collectgarbage("step", 100) end
            end
            collectgarbage("collect")
            for i, s in ipairs(keep) do
              if s.size ~= (i * 10 % 97) // 2 then return false end
              s:zero()
            end
            return true
            """));
    }
}
