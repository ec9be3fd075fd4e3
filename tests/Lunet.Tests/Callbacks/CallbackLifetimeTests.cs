using Lunet.Ffi.Callbacks;

namespace Lunet.Tests.Callbacks;

/// <summary>free(): the pointer stays safe to call, reports itself, never runs another callback; memory stays bounded.</summary>
public class CallbackLifetimeTests
{
    [Fact]
    public void AFreedCallbackReturnsZeroAndTheNextCallRaises()
    {
        Assert.Equal("0|true|3", CallbackLib.Eval("""
            local ran = 0
            local cb = ffi.callback(function(x) ran = ran + 1; return 1 end, 'i32', {'i32'})
            local p = cb.ptr
            cb:free()
            -- a new callback made now gets another slot: the old pointer never reaches it
            local other = ffi.callback(function(x) return 99 end, 'i32', {'i32'})
            local ok, err = pcall(lib.call, lib, 'call_i32', 'i32', {'pointer', 'i32'}, p, 1)
            assert(not ok and err:find('freed callback was called', 1, true), err)
            local n = lib:call('call_times', 'i32', {'pointer', 'i32', 'i32'}, other, 1, 3)
            return ran .. '|' .. tostring(p ~= other.ptr) .. '|' .. n
            """));
    }

    [Fact]
    public void ManyCreateAndFreeCyclesKeepThePoolBounded()
    {
        using var rt = CallbackLib.NewRuntime();
        int slots = CallbackCells.Count;
        rt.DoString(CallbackLib.Open + """
            for i = 1, 100000 do
              local cb = ffi.callback(function(x) return x + i end, 'i32', {'i32'})
              if i % 10000 == 0 then assert(lib:call('call_i32', 'i32', {'pointer', 'i32'}, cb, 1) == i + 1) end
              cb:free()
            end
            collectgarbage()
            """);
        // The quarantine of this shape, and the freed FfiCallback objects the collector has not reached yet
        // (each holds its slot until collected).
        Assert.InRange(CallbackCells.Count - slots, 0, CallbackCells.Quarantine + 16384);
        long before = rt.MemoryInUse;
        rt.DoString(CallbackLib.Open + "for i = 1, 20000 do ffi.callback(function() end, 'void', {}):free() end collectgarbage() collectgarbage()");
        Assert.InRange(rt.MemoryInUse, 0, before + 64 * 1024);
    }
}
