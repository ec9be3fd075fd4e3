using Lunet.Interop;
using Lunet.Tests.Support;

namespace Lunet.Tests.Runtime;

/// <summary>
/// LuaRuntimeOptions.MemoryLimit: scripts that need more get Lua's catchable "not enough
/// memory", including when the limit is crossed while C# runs (C# allocations succeed,
/// the next one from Lua fails), and the runtime works afterwards. Every case runs with
/// both allocators: the native one (x86-64 System V) and the C# one used elsewhere.
/// </summary>
public class MemoryLimitTests
{
    public static TheoryData<string> Allocators() => new() { "default", "managed" };

    static LuaRuntime NewRuntime(string allocator, long? limit)
    {
        var rt = new LuaRuntime(new LuaRuntimeOptions { Ffi = FfiAccess.Full, MemoryLimit = limit },
            allocator == "managed" ? Allocator.Managed : Allocator.Default);
        rt.SetGlobal("TESTLIB", Lua.TestLib);
        return rt;
    }

    const long Limit = 4 << 20;

    [Theory]
    [MemberData(nameof(Allocators))]
    public void ALimitHitInLuaIsCaughtByPcall(string allocator)
    {
        using var rt = NewRuntime(allocator, Limit);
        var r = rt.DoString("""
            local t = {}
            local ok, err = pcall(function() for i = 1, 1e8 do t[i] = i end end)
            local ok2, err2 = pcall(string.rep, 'x', 10 * 1024 * 1024)
            t = nil
            collectgarbage()
            return ok, err, ok2, err2, #string.rep('y', 1000)
            """);
        Assert.Equal([false, "not enough memory", false, "not enough memory", 1000L], r);
        Assert.InRange(rt.MemoryInUse, 1, Limit);
        // Uncaught, it is the host's exception; the runtime goes on.
        var e = Assert.Throws<LuaScriptException>(() => rt.DoString("local t = {} for i = 1, 1e8 do t[i] = i end"));
        Assert.Equal("not enough memory", e.Message);
        rt.DoString("collectgarbage()");
        Assert.Equal(3L, rt.DoString("return 1 + 2")[0]);
    }

    [Theory]
    [MemberData(nameof(Allocators))]
    public void ALimitCrossedWhileCSharpRunsFailsTheNextLuaAllocation(string allocator)
    {
        using var rt = NewRuntime(allocator, Limit);
        // Fill memory to just under the limit, then make C# functions push strings and
        // error messages (allocations with C# on the stack) many times over.
        var r = rt.DoString("""
            local ffi = require('ffi')
            local buf = ffi.buffer(256)
            local pcall, rep = pcall, string.rep
            local keep, caught, pushed = {}, 0, 0
            for round = 1, 200 do
              pcall(function() for i = 1, 1e6 do keep[#keep + 1] = rep('k', 64) .. i end end)
              pcall(function()
                for i = 1, 50 do
                  if not pcall(ffi.sizeof, 'no_such_type') then caught = caught + 1 end
                  if pcall(ffi.string, buf, 200) then pushed = pushed + 1 end
                end
              end)
              if round % 20 == 0 then keep = {} collectgarbage() end
            end
            keep = nil
            collectgarbage()
            return caught > 0, pushed > 0
            """);
        Assert.Equal([true, true], r);
        Assert.InRange(rt.MemoryInUse, 1, Limit);
        Assert.Equal(3L, rt.DoString("return 1 + 2")[0]);
    }

    [Theory]
    [MemberData(nameof(Allocators))]
    public void LargeAllocationsCSharpMakesAreCheckedAgainstTheLimit(string allocator)
    {
        using var rt = NewRuntime(allocator, Limit);
        var r = rt.DoString("""
            local ffi = require('ffi')
            local small = ffi.buffer(16)
            return select(2, pcall(ffi.buffer, 8 * 1024 * 1024)), select(2, pcall(ffi.string, small.ptr, 8 * 1024 * 1024)),
                   ffi.buffer(1024).size
            """);
        Assert.Equal(["not enough memory", "not enough memory", 1024L], r);
    }

    [Theory]
    [MemberData(nameof(Allocators))]
    public void WithoutALimitTheCountFollowsWhatLuaHolds(string allocator)
    {
        using var rt = NewRuntime(allocator, null);
        rt.DoString("collectgarbage()"); // start-up garbage must not be collected while measuring
        long before = rt.MemoryInUse;
        rt.DoString("big = string.rep('z', 8 * 1024 * 1024)");
        Assert.InRange(rt.MemoryInUse - before, 8L << 20, 9L << 20);
        var lua = (double)rt.DoString("return collectgarbage('count') * 1024")[0]!;
        Assert.InRange(rt.MemoryInUse, (long)lua - 64, (long)lua + 64);
        rt.DoString("big = nil; collectgarbage()");
        Assert.InRange(rt.MemoryInUse, before / 2, before + (256 << 10));
    }

    [Fact]
    public void TheHostsOwnCallsAreNotLimited()
    {
        // The host's strings and the runtime's start-up go past a tiny limit (C# is on the stack);
        // the script's own allocations fail, catchably.
        using var rt = new LuaRuntime(new LuaRuntimeOptions { MemoryLimit = 1 });
        rt.SetGlobal("s", new string('h', 100_000));
        Assert.Equal("not enough memory", Assert.Throws<LuaScriptException>(() => rt.DoString("return s .. s")).Message);
        Assert.Equal(100_000, ((string)rt.GetGlobal("s")!).Length);
    }
}

/// <summary>
/// The allocator's rule, called directly (a failed allocation inside C# would not always
/// crash a test, so the rule itself is checked): past the limit a growing allocation fails
/// only while no C# frame is on the stack; shrinking and freeing never fail; the count follows.
/// And the count of C# frames is what the host API and C# functions called from Lua make it.
/// </summary>
public unsafe class AllocatorTests
{
    public static TheoryData<string> Allocators() => MemoryLimitTests.Allocators();

    [Theory]
    [MemberData(nameof(Allocators))]
    public void GrowingPastTheLimitFailsOnlyWithoutCSharpOnTheStack(string which)
    {
        var alloc = (delegate* unmanaged[Cdecl]<Allocator.Counters*, void*, nuint, nuint, void*>)
            (which == "managed" ? Allocator.Managed : Allocator.Default);
        var c = Allocator.NewCounters(1000);
        try
        {
            var a = alloc(c, null, 5 /* LUA_TTABLE: the kind, not a size */, 600);
            Assert.True(a != null);
            Assert.Equal(600, c->Used);
            Assert.True(alloc(c, null, 4, 500) == null);          // 1100 > 1000
            Assert.Equal(600, c->Used);
            var grown = alloc(c, a, 600, 1200);
            Assert.True(grown == null);                           // growing a block counts too
            c->ManagedDepth = 1;                                  // C# on the stack: succeeds past the limit
            var b = alloc(c, null, 4, 500);
            Assert.True(b != null);
            Assert.Equal(1100, c->Used);
            c->ManagedDepth = 0;
            Assert.True(alloc(c, null, 4, 1) == null);            // and the next one from Lua fails
            var shrunk = alloc(c, b, 500, 100);                   // shrinking never fails, even over the limit
            Assert.True(shrunk != null);
            Assert.Equal(700, c->Used);
            Assert.True(alloc(c, shrunk, 100, 0) == null);        // free
            Assert.True(alloc(c, a, 600, 0) == null);
            Assert.Equal(0, c->Used);
            Assert.True(alloc(c, null, 6, 0) == null);            // free(NULL)
            Assert.Equal(0, c->Used);
            Assert.True(alloc(c, null, 0, nuint.MaxValue - 10) == null); // wraps past the limit: refused, not allocated
        }
        finally { Allocator.FreeCounters(c); }
    }

    static long seenDepth = -1;

    static int RecordDepth(nint L)
    {
        seenDepth = Allocator.Of(L)->ManagedDepth;
        return 0;
    }

    [Fact]
    public void CSharpFramesAreCountedAndProtectedCallsResetTheCount()
    {
        using var rt = new LuaRuntime();
        var L = rt.State;
        LuaApi.rawgeti(L, LuaApi.LUA_REGISTRYINDEX, LuaApi.LUA_RIDX_GLOBALS);
        CFunction.Push(L, &RecordDepth);
        LuaOps.RawSetField(L, -2, "probe");
        LuaApi.settop(L, -2);
        Assert.Equal(0, Allocator.Of(L)->ManagedDepth);
        rt.DoString("probe()");
        Assert.Equal(1, seenDepth);                  // the host's frame is set aside for the Lua code; the probe's own counts
        rt.DoString("pcall(probe); coroutine.wrap(function() probe() end)()");
        Assert.Equal(1, seenDepth);
        rt.DoString("setmetatable(_G, { __index = function() probe() end })");
        rt.GetGlobal("missing");                     // a metamethod run by the host API
        Assert.Equal(1, seenDepth);
        Assert.Throws<LuaScriptException>(() => rt.DoString("error('x')"));
        Assert.Equal(0, Allocator.Of(L)->ManagedDepth);
    }
}
