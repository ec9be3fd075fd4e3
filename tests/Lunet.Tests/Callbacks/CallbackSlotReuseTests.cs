namespace Lunet.Tests.Callbacks;

/// <summary>
/// A freed callback's address never runs another function: its slot goes only to a callback of
/// the same shape, never while a Lua value holds its address, and the function an ffi call keeps
/// is matched by the callback, not by its slot (<see cref="Lunet.Ffi.Callbacks.CallbackCells"/>).
/// </summary>
public class CallbackSlotReuseTests
{
    const string Setup = """
        ffi.cdef[[
          typedef struct { int64_t a, b, c, d; } slot_s32;
          struct slot_ops { int64_t (*combine)(int64_t, int64_t); };
        ]]
        local buf = ffi.buffer(64)
        for i = 0, 63 do buf:write(i, 'u8', 0x5A) end
        local function untouched()
          for i = 0, 63 do if buf:read(i, 'u8') ~= 0x5A then return false end end
          return true
        end
        -- callbacks of another shape (a 32-byte struct result comes back through a hidden pointer, rdi), made
        -- and freed until one gets the slot at addr (the old pool handed the oldest freed slot to any shape)
        local function reuse(addr)
          for i = 1, 20000 do
            local s = ffi.callback(function() return { a = -1, b = -1, c = -1, d = -1 } end, 'slot_s32', { 'i64', 'i64' })
            if ffi.address(s) == addr then return s end
            s:free()
          end
        end
        """;

    [Fact]
    public void AFunctionPointerValueOfACollectedOwnerNeverReachesAnotherSignature()
    {
        var r = CallbackLib.Eval(Setup + "\n" + """
            local o = ffi.new('struct slot_ops')
            o.combine = function(a, b) return a * b end
            local f = o.combine
            assert(f(6, 7) == 42)
            local addr = string.unpack('<i8', ffi.string(o, 8))
            o = nil
            collectgarbage(); collectgarbage()     -- the owner goes: its callback is released
            local taken = reuse(addr)
            local ok, err = pcall(f, ffi.address(buf), 7)
            return tostring(ok) .. '|' .. tostring(untouched()) .. '|' .. tostring(taken) .. '|' .. tostring(err)
            """);
        Assert.StartsWith("false|true|nil|", (string)r!);
        Assert.Contains("it points to a freed callback", (string)r!);
    }

    [Fact]
    public void AnAddressKeptAsAnIntegerReachesOnlyItsOwnShape()
    {
        var r = CallbackLib.Eval(Setup + "\n" + """
            local a = ffi.callback(function(x, y) return x + y end, 'i64', { 'i64', 'i64' })
            local addr = ffi.address(a)          -- a plain number: nothing holds the slot
            a:free(); a = nil
            collectgarbage(); collectgarbage()
            local taken = reuse(addr)
            local ok, err = pcall(ffi.func(addr, 'i64', 'i64', 'i64'), ffi.address(buf), 7)
            return tostring(ok) .. '|' .. tostring(untouched()) .. '|' .. tostring(taken) .. '|' .. tostring(err)
            """);
        Assert.StartsWith("false|true|nil|", (string)r!);
        Assert.Contains("freed callback", (string)r!);
    }

    [Fact]
    public void ACallbackFreedInItsOwnInvocationRunsNoMoreAndItsSlotsNextOwnerRunsItsOwnFunction()
    {
        var r = CallbackLib.Eval("""
            local ranA, ranB, B = 0, 0, nil
            local a
            a = ffi.callback(function(x)
              ranA = ranA + 1
              if ranA == 1 then
                local aptr = a.ptr
                a:free(); a = nil
                collectgarbage(); collectgarbage()      -- the object goes: nothing holds the slot now
                for i = 1, 20000 do
                  local c = ffi.callback(function(v) ranB = ranB + 1; return 100 end, 'i32', { 'i32' })
                  if c.ptr == aptr then B = c break end
                  c:free()
                end
              end
              return 1
            end, 'i32', { 'i32' })
            local ok, n = pcall(lib.call, lib, 'call_times', 'i32', { 'pointer', 'i32', 'i32' }, a.ptr, 1, 3)
            return ranA .. '|' .. ranB .. '|' .. tostring(B ~= nil) .. '|' .. tostring(ok) .. '|' .. tostring(n)
            """);
        // the slot went to B (same shape, after the quarantine): C's next two calls run B, never A again
        Assert.Equal("1|2|true|true|3", r);
    }

    [Fact]
    public void AFreedCallbackWhoseObjectLivesKeepsItsSlot()
    {
        var r = CallbackLib.Eval("""
            local a = ffi.callback(function(x) return 1 end, 'i32', { 'i32' })
            local p = a.ptr
            a:free()
            for i = 1, 9000 do
              local c = ffi.callback(function(v) return 2 end, 'i32', { 'i32' })
              assert(c.ptr ~= p, 'the slot of a freed callback whose object lives was given away')
              c:free()
            end
            local ok, err = pcall(lib.call, lib, 'call_i32', 'i32', { 'pointer', 'i32' }, a, 1)
            local g = ffi.func(p, 'i32', 'i32')
            local ok2, err2 = pcall(g, 1)
            return tostring(ok) .. '|' .. tostring(err):match('freed callback was called') .. '|' .. tostring(ok2) .. '|' .. tostring(err2):match('points to a freed callback')
            """);
        Assert.Equal("false|freed callback was called|false|points to a freed callback", r);
    }
}
