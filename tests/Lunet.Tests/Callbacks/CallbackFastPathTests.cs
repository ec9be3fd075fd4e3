using Lunet.Ffi.Callbacks;

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
        Assert.True(LuaStackAccess.TopOffset > 0, "lua_State.top was not found");
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
}
