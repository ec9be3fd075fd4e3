using Lunet.Ffi.Callbacks;
using Lunet.Tests.Support;

namespace Lunet.Tests.Callbacks;

/// <summary>
/// Lua → C → callback → C → callback ... past 200 levels (tests/native/callback_depth.c), on a
/// .NET thread of 1.5 MB, with the C stack each level takes measured by a C frame's address.
/// </summary>
public class CallbackNestingTests
{
    const int ThreadStack = 1536 * 1024;

    [Fact]
    public void NCcallsIsFoundInThisLiblua()
    {
        if (!Lunet.Ffi.Calls.NativeStubCompiler.IsSupported) return;
        Assert.True(CallbackNesting.Offset > 0, "the nCcalls offset was not found");
    }

    [Fact]
    public void CallbacksNestPast200LevelsOnASmallThreadAndFailCleanlyBeyond()
    {
        if (!Lunet.Ffi.Calls.NativeStubCompiler.IsSupported) return;
        object?[]? r = null;
        Exception? failure = null;
        var t = new Thread(() =>
        {
            try
            {
                using var rt = Lua.NewRuntime();
                rt.SetGlobal("DEPTHLIB", NativeBuild.SharedLibrary("callback_depth.c"));
                r = rt.DoString("""
                    local ffi = require('ffi')
                    local lib = ffi.open(DEPTHLIB)
                    local nest = lib:wrap('i32', 'depth_nest', 'pointer', 'i32')
                    local stack = lib:wrap('u64', 'depth_stack')
                    local low, high
                    local cb
                    cb = ffi.callback(function(d)
                      local s = stack()
                      low, high = math.min(low, s), math.max(high, s)
                      if d == 0 then return 0 end
                      return 1 + nest(cb, d - 1)
                    end, 'i32', {'i32'})
                    local deepest, message, perLevel = 0, 'no limit', 0
                    for d = 1, 400 do
                      low, high = math.maxinteger, 0
                      local ok, got = pcall(nest, cb, d)
                      if not ok then message = got; break end
                      assert(got == d)
                      deepest, perLevel = d, (high - low) // d
                    end
                    -- the runtime keeps working
                    assert(nest(ffi.callback(function(x) return x end, 'i32', {'i32'}), 42) == 42)
                    return deepest, message, perLevel
                    """, "=test");
            }
            catch (Exception e) { failure = e; }
        }, ThreadStack);
        t.Start();
        t.Join();
        Assert.Null(failure);
        long deepest = (long)r![0]!;
        Assert.InRange(deepest, 200, 199 + CallbackNesting.FreeLevels);
        Assert.Contains("callbacks nested too deep", (string)r[1]!);
        Assert.Contains("past the first 64", (string)r[1]!);
        // Each level's C stack (trampoline, lua_pcall, the Lua function, the call stub, the C function):
        // the deepest case must fit a third of the thread with room to spare.
        long perLevel = (long)r[2]!;
        Assert.InRange(perLevel, 1, 4096);
        Assert.True(perLevel * deepest < ThreadStack / 3, $"{perLevel} bytes a level, {deepest} levels");
    }

    [Fact]
    public void NestingInACoroutineCountsToo()
    {
        if (!Lunet.Ffi.Calls.NativeStubCompiler.IsSupported) return;
        using var rt = Lua.NewRuntime();
        rt.SetGlobal("DEPTHLIB", NativeBuild.SharedLibrary("callback_depth.c"));
        var r = rt.DoString("""
            local ffi = require('ffi')
            local lib = ffi.open(DEPTHLIB)
            local nest = lib:wrap('i32', 'depth_nest', 'pointer', 'i32')
            local cb
            cb = ffi.callback(function(d) if d == 0 then return 0 end; return 1 + nest(cb, d - 1) end, 'i32', {'i32'})
            return coroutine.wrap(function()
              local deepest = 0
              for d = 1, 400 do
                if not pcall(nest, cb, d) then break end
                deepest = d
              end
              -- still yieldable after all those levels came back
              coroutine.yield(deepest)
            end)()
            """, "=test");
        Assert.InRange((long)r[0]!, 200, 199 + CallbackNesting.FreeLevels);
    }
}
