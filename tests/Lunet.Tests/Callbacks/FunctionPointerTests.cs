using Lunet.Tests.Support;

namespace Lunet.Tests.Callbacks;

/// <summary>
/// Function pointers as values (tests/native/func_test.c): ffi.func, function-pointer fields
/// that read as callables, and Lua functions passed or stored where C takes a function pointer.
/// </summary>
public class FunctionPointerTests
{
    const string Prelude = """
        local ffi = require('ffi')
        local lib = ffi.open(FUNCLIB)
        ffi.cdef[[struct func_ops { int (*combine)(int, int); double (*scale)(double); int tag; };]]
        local pick = lib:wrap('pointer', 'func_pick', 'i32')

        """;

    static LuaRuntime NewRuntime()
    {
        var rt = Lua.NewRuntime();
        rt.SetGlobal("FUNCLIB", NativeBuild.SharedLibrary("func_test.c"));
        return rt;
    }

    static object? Eval(string code)
    {
        using var rt = NewRuntime();
        var r = rt.DoString(Prelude + code, "=test");
        return r.Length > 0 ? r[0] : null;
    }

    static string Error(string code)
    {
        using var rt = NewRuntime();
        return Lua.Error(rt, Prelude + code);
    }

    [Fact]
    public void FuncCallsAPointerCReturnedWithATypeExpression() =>
        Assert.Equal("42|13|9", Eval("""
            local mul = ffi.func(pick(1), 'int (*)(int, int)')
            local add = ffi.func(pick(0), 'int (int, int)')
            local add2 = ffi.func(ffi.address(pick(0)), 'i32', 'i32', 'i32') -- an integer address, wrap's type names
            return mul(6, 7) .. '|' .. add(6, 7) .. '|' .. add2(4, 5)
            """));

    [Fact]
    public void FuncTakesAnFfiCallback() =>
        Assert.Equal("12|12", Eval("""
            local cb = ffi.callback(function(a, b) return a * b end, 'i32', {'i32', 'i32'})
            return ffi.func(cb, 'int (*)(int, int)')(3, 4) .. '|' .. ffi.func(cb.ptr, 'i32', 'i32', 'i32')(3, 4)
            """));

    [Theory]
    [InlineData("ffi.func(pick(2), 'int (*)(int, int)')", "ffi.func: NULL function pointer")]
    [InlineData("ffi.func(nil, 'int (*)(int, int)')", "ffi.func: NULL function pointer")]
    [InlineData("ffi.func(0, 'i32', 'i32')", "ffi.func: NULL function pointer")]
    [InlineData("ffi.func(pick(0), 'int')", "bad argument #2 to 'func' (function type or pointer to a function expected, got i32")]
    [InlineData("ffi.func(pick(0), 'int *')", "bad argument #2 to 'func' (function type or pointer to a function expected, got i32*")]
    [InlineData("ffi.func(pick(0), 'int (*)(int, ...)')", "ffi.func: cannot call a variadic function type")]
    [InlineData("ffi.func('abc', 'int (*)(int)')", "bad argument #1 to 'func' (pointer expected, got string)")]
    [InlineData("ffi.func({}, 'int (*)(int)')", "bad argument #1 to 'func' (pointer expected, got table)")]
    [InlineData("ffi.func(1.5, 'int (*)(int)')", "bad argument #1 to 'func' (number has no integer representation)")]
    [InlineData("ffi.func(pick(0), 'nosuch_t (*)(int)')", "unknown C type 'nosuch_t'")]
    [InlineData("ffi.func(pick(0), 'i32', 'i32', 42)", "bad argument #4 to 'func' (string expected, got number)")]
    [InlineData("ffi.func(pick(0), 'int (*)(int, int)')(1)", "wrong number of arguments to 'i32 (i32, i32)' (2 expected, got 1)")]
    [InlineData("ffi.func(pick(0), 'int (*)(int, int)')(1, 'x')", "bad argument #2 to 'i32 (i32, i32)' (i32 expected, got string)")]
    public void FuncRefusesBadInput(string code, string message) =>
        Assert.Contains(message, Error(code));

    [Fact]
    public void FunctionPointerFieldsAreCallableAndNullReadsAsNil() =>
        Assert.Equal("nil|nil|5|2.5|7|56|true", Eval("""
            local o = ffi.new('struct func_ops')
            local before = tostring(o.combine) .. '|' .. tostring(o.scale)
            lib:call('func_fill_ops', 'void', {'pointer'}, o)
            local arr = ffi.new('int (*[2])(int, int)')
            return before .. '|' .. o.combine(2, 3) .. '|' .. o.scale(5) .. '|' .. o.tag .. '|'
              .. ffi.func(pick(1), 'int (*)(int, int)')(7, 8) .. '|' .. tostring(arr[0] == nil)
            """));
}
