using Lunet.Ffi.Callbacks;
using Lunet.Tests.Support;

namespace Lunet.Tests.Callbacks;

/// <summary>
/// The trampolines' shortcuts on the Lua stack (<see cref="LuaStackAccess"/>): integer arguments
/// pushed and integer results read on the stack slots themselves, every other value through the
/// API as before, with the same results and the same errors.
/// </summary>
public class CallbackFastPathTests
{
    [Fact]
    public void TheTopPointerIsFoundInThisLiblua()
    {
        if (!Lunet.Ffi.Calls.NativeStubCompiler.IsSupported) return;
        Assert.True(Lunet.Interop.LuaStackLayout.TopOffset > 0, "lua_State.top was not found");
    }

    [Fact]
    public void IntegerResultsAndArgumentsKeepTheirMeaning()
    {
        Assert.Equal("44|-56|65535|-1|3|-9223372036854775808|7|100", CallbackLib.Eval("""
            local function id(t, v, r) return lib:call('call_' .. t, t, {'pointer', t}, ffi.callback(function(x) return r(x) end, t, {t}), v) end
            return table.concat({
              id('i8', 1, function() return 300 end),          -- wraps as a C cast does
              id('i8', -56, function(x) return x end),
              id('u16', 65535, function(x) return x end),
              id('i32', 1, function() return -1 end),
              id('i32', 1, function() return 3.0 end),          -- a float with an integer value: through the API
              id('i64', math.mininteger, function(x) return x end),
              id('u8', 7, function(x) return x end),
              lib:call('call_times', 'i32', {'pointer', 'i32', 'i32'}, ffi.callback(function(x) return x end, 'i32', {'i32'}), 1, 100),
            }, '|')
            """));
    }

    [Fact]
    public void NonIntegerResultsAreStillRefused()
    {
        Assert.Contains("(i32 expected, got string)", CallbackLib.Error("""
            lib:call('call_i32', 'i32', {'pointer', 'i32'}, ffi.callback(function(x) return '7' end, 'i32', {'i32'}), 1)
            """));
        Assert.Contains("number has no integer representation", CallbackLib.Error("""
            lib:call('call_i32', 'i32', {'pointer', 'i32'}, ffi.callback(function(x) return 2.5 end, 'i32', {'i32'}), 1)
            """));
        Assert.Contains("(i32 expected, got boolean)", CallbackLib.Error("""
            lib:call('call_i32', 'i32', {'pointer', 'i32'}, ffi.callback(function(x) return true end, 'i32', {'i32'}), 1)
            """));
    }

    /// <summary>
    /// The first callback an ffi call invokes keeps its handler and function on that call's stack;
    /// another callback in the same call, a nested call's callbacks and errors must all find their own.
    /// </summary>
    [Fact]
    public void CallbacksTakingTurnsAndNestingInOneCallEachRunTheirOwnFunction()
    {
        using var rt = Lua.NewRuntime();
        rt.SetGlobal("DEPTHLIB", NativeBuild.SharedLibrary("callback_depth.c"));
        var r = rt.DoString("""
            local ffi = require('ffi')
            local lib = ffi.open(DEPTHLIB)
            local two = lib:wrap('i32', 'depth_two', 'pointer', 'pointer', 'i32')
            local nest = lib:wrap('i32', 'depth_nest', 'pointer', 'i32')
            local a = ffi.callback(function(i) return i end, 'i32', {'i32'})
            local b = ffi.callback(function(i) return 1000 end, 'i32', {'i32'})
            local out = {}
            out[#out + 1] = two(a, b, 100)                 -- 4950 + 100000
            out[#out + 1] = two(b, a, 100)
            -- inside a, another call with its own two callbacks, then a and b again
            local inner = ffi.callback(function(i) return two(b, b, 2) + i end, 'i32', {'i32'})
            out[#out + 1] = two(inner, a, 3)               -- (4000 * 3 + 0 + 1 + 2) + (0 + 1 + 2)
            out[#out + 1] = nest(ffi.callback(function(d) return two(a, a, d) end, 'i32', {'i32'}), 10)
            -- the same callback at both levels: the outer call's kept function is still its own afterwards
            local s, inside
            s = ffi.callback(function(i)
              if i == 1 and not inside then inside = true; local v = two(s, b, 2) + nest(s, 7); inside = false; return v end
              return i
            end, 'i32', {'i32'})
            out[#out + 1] = two(s, a, 3)                  -- 0 + (0 + 1000 + 1 + 1000) + 7 + 1 + 2 + 2
            -- an error in the second callback: the call raises it, and the next calls are whole
            local bad = ffi.callback(function(i) if i == 5 then error('five') end return 1 end, 'i32', {'i32'})
            local ok, err = pcall(two, a, bad, 10)
            out[#out + 1] = tostring(ok) .. ':' .. tostring(err):match('five')
            out[#out + 1] = two(a, b, 100)
            -- a stack that stays where it was: many calls, each with callbacks taking turns
            for k = 1, 2000 do two(a, b, 3) end
            out[#out + 1] = two(bad, b, 3)
            return table.concat(out, '|')
            """, "=test");
        Assert.Equal("104950|104950|12006|90|2013|false:five|104950|3003", r[0]);
    }
}
