using System.Globalization;

namespace Lunet.Tests.Callbacks;

/// <summary>ffi.callback: every scalar type each way, arguments in registers and on the stack, the object's members.</summary>
public class CallbackTests
{
    [Theory]
    [InlineData("i8", "-100", "2 * v + 1", 57L)]      // -199 wraps to 57 as a C cast does
    [InlineData("u8", "200", "v + 100", 44L)]          // wraps as a C cast does
    [InlineData("i16", "-30000", "v - 10000", 25536L)]
    [InlineData("u16", "65535", "v + 1", 0L)]
    [InlineData("i32", "2147483647", "v + 1", -2147483648L)]
    [InlineData("u32", "4294967295", "v", 4294967295L)]
    [InlineData("i64", "-9007199254740993", "v * 2", -18014398509481986L)]
    [InlineData("u64", "-1", "v", -1L)]                 // u64 keeps its bit pattern
    public void IntegerTypesCrossBothWays(string type, string value, string body, long expected)
    {
        var code = $$"""
            local cb = ffi.callback(function(v) seen = v; return {{body}} end, '{{type}}', {'{{type}}'})
            local r = lib:call('call_{{type}}', '{{type}}', {'pointer', '{{type}}'}, cb, {{value}})
            return r, seen
            """;
        using var rt = CallbackLib.NewRuntime();
        var r = rt.DoString(CallbackLib.Open + code, "=test");
        Assert.Equal(expected, r[0]);
        // What the callback saw is the value as C holds it in that type.
        long v = long.Parse(value, CultureInfo.InvariantCulture);
        long asC = type switch
        {
            "i8" => (sbyte)v, "u8" => (byte)v, "i16" => (short)v, "u16" => (ushort)v,
            "i32" => (int)v, "u32" => (uint)v, _ => v,
        };
        Assert.Equal(asC, r[1]);
    }

    [Fact]
    public void FloatBoolAndPointerTypes()
    {
        Assert.Equal(1.5f * 3 - 0.25f, Convert.ToSingle(CallbackLib.Eval(
            "return lib:call('call_f32', 'f32', {'pointer', 'f32'}, ffi.callback(function(v) return v * 3 - 0.25 end, 'f32', {'f32'}), 1.5)")));
        Assert.Equal(Math.Sqrt(2) / 3, CallbackLib.Eval(
            "return lib:call('call_f64', 'f64', {'pointer', 'f64'}, ffi.callback(function(v) return v / 3 end, 'f64', {'f64'}), math.sqrt(2))"));
        Assert.Equal("false|true|true", CallbackLib.Eval("""
            local nb = ffi.callback(function(v) return not v end, 'bool', {'bool'})
            local a = lib:call('call_bool', 'bool', {'pointer', 'bool'}, nb, true)
            local b = lib:call('call_bool', 'bool', {'pointer', 'bool'}, nb, false)
            local nilIsFalse = ffi.callback(function(v) return nil end, 'bool', {'bool'})
            local c = lib:call('call_bool', 'bool', {'pointer', 'bool'}, nilIsFalse, true) == false
            return tostring(a) .. '|' .. tostring(b) .. '|' .. tostring(c)
            """));
        Assert.Equal(true, CallbackLib.Eval("""
            local buf = ffi.buffer(16)
            local plus4 = ffi.callback(function(p) return p + 4 end, 'pointer', {'pointer'})
            local r = lib:call('call_ptr', 'pointer', {'pointer', 'pointer'}, plus4, buf)
            assert(ffi.address(r) == ffi.address(buf.ptr) + 4)
            -- a Buffer returned as a pointer is its address; nil is NULL
            local same = ffi.callback(function(p) return buf end, 'pointer', {'pointer'})
            assert(lib:call('call_ptr', 'pointer', {'pointer', 'pointer'}, same, nil) == buf.ptr)
            local null = ffi.callback(function(p) return nil end, 'void*', {'int*'})
            return ffi.isNull(lib:call('call_ptr', 'pointer', {'pointer', 'pointer'}, null, buf))
            """));
    }

    [Fact]
    public void ManyArgumentsInRegistersAndOnTheStack()
    {
        // call_many passes 1..8 and 0.5, 1.5, ... 9.5; the callback weighs each by its position.
        double expected = 0;
        for (int i = 1; i <= 8; i++) expected += i * i;
        for (int j = 0; j < 10; j++) expected += (j + 0.5) * (9 + j);
        Assert.Equal(expected, CallbackLib.Eval("""
            local types = {}
            for i = 1, 8 do types[i] = 'i64' end
            for i = 9, 18 do types[i] = 'f64' end
            local cb = ffi.callback(function(...)
              local s = 0
              for i, v in ipairs({...}) do s = s + v * i end
              return s
            end, 'f64', types)
            return lib:call('call_many', 'f64', {'pointer'}, cb)
            """));
        // Narrow integers and floats mixed, some on the stack (see call_mixed in callback_test.c).
        Assert.Equal("-5 60000 1.25 -100000 2.5 250 -300 -0.75 1099511627776 -128|77", CallbackLib.Eval("""
            local got
            local cb = ffi.callback(function(...)
              local t = {}
              for i, v in ipairs({...}) do t[i] = tostring(v) end
              got = table.concat(t, ' ')
              return 77
            end, 'i64', {'i8', 'u16', 'f32', 'i32', 'f64', 'u8', 'i16', 'f32', 'i64', 'i8'})
            local r = lib:call('call_mixed', 'i64', {'pointer'}, cb)
            return got .. '|' .. r
            """));
    }

    [Fact]
    public void StringArgumentsArriveAsLuaStringsAndNullAsNil()
    {
        Assert.Equal("hello|5|nil|-1", CallbackLib.Eval("""
            local seen = {}
            local cb = ffi.callback(function(s) seen[#seen + 1] = tostring(s); return s and #s or -1 end, 'int', {'const char *'})
            local a = lib:call('call_str', 'i32', {'pointer', 'string'}, cb, 'hello')
            local b = lib:call('call_str', 'i32', {'pointer', 'string'}, cb, nil)
            return seen[1] .. '|' .. a .. '|' .. seen[2] .. '|' .. b
            """));
    }

    [Fact]
    public void VoidCallbacksAndTypedPointers()
    {
        Assert.Equal(42L, CallbackLib.Eval("""
            local got
            local cb = ffi.callback(function(v) got = v end, 'void', {'int'})
            lib:call('call_void', 'void', {'pointer', 'i32'}, cb, 42)
            return got
            """));
        Assert.Equal(7L, CallbackLib.Eval("""
            local buf = ffi.buffer(4)
            buf:write(0, 'i32', 7)
            local cb = ffi.callback(function(p) return p end, 'int32_t *', {'int32_t *'})
            return ffi.cast(lib:call('call_ptr', 'pointer', {'pointer', 'pointer'}, cb, buf), 'i32')
            """));
    }

    [Fact]
    public void MembersAndToString()
    {
        Assert.Equal("i32|2|true|true|true", CallbackLib.Eval("""
            local cb = ffi.callback(function(a, b) return a + b end, 'int', {'int', 'int'})
            assert(type(cb.ptr) == 'userdata' and cb.ptr == cb:getPtr())
            assert(tostring(cb):find('FfiCallback<i32 (i32, i32)>', 1, true))
            assert(tostring(cb):find('(valid)', 1, true))
            return table.concat({cb.retType, cb.argCount, tostring(cb.isValid), tostring(cb.nothing == nil),
              tostring(ffi.address(cb.ptr) ~= 0)}, '|')
            """));
        Assert.Equal("false|(freed)", CallbackLib.Eval("""
            local cb = ffi.callback(function() end, 'void', {})
            cb:free()
            return tostring(cb.isValid) .. '|' .. tostring(cb):match('%(freed%)')
            """));
    }

    [Fact]
    public void AcceptedByCallWrapAndDeclaredFunctions()
    {
        Assert.Equal("49|64|81", CallbackLib.Eval("""
            local sq = ffi.callback(function(x) return x * x end, 'i32', {'i32'})
            local a = lib:call('call_i32', 'i32', {'pointer', 'i32'}, sq, 7)
            local b = lib:wrap('i32', 'call_i32', 'pointer', 'i32')(sq, 8)
            ffi.cdef('int call_i32(int (*f)(int), int v);')
            local bound = ffi.open(CBLIB)
            local c = lib:call('call_i32', 'i32', {'int (*)(int)', 'i32'}, sq.ptr, 9)
            return a .. '|' .. b .. '|' .. c
            """));
    }
}
