using Lunet.Tests.Support;

namespace Lunet.Tests.Ffi;

/// <summary>Pointer values, sizes and type names, and the module's three require names.</summary>
public class PointerAndModuleTests
{
    [Fact]
    public void OneModuleUnderThreeNames()
    {
        Assert.Equal(true, Lua.Eval("return require('ffi') == require('@lune/ffi') and require('ffi') == require('pluto:ffi')"));
    }

    [Fact]
    public void PointersAreLightUserdataWithArithmetic()
    {
        Assert.Equal("pointer: 0x10|pointer: 0x18|pointer: 0x8|8|16|true|true|true", Lua.Eval("""
            local ffi = require('ffi')
            local p = ffi.pointer(16)
            return table.concat({tostring(p), tostring(p + 8), tostring(p - 8), tostring((p + 8) - p),
                ffi.address(p), tostring(p == ffi.pointer(16)), tostring(8 + p == p + 8), tostring(p < p + 1)}, '|')
            """));
        Assert.Equal("pointer: 0x0", Lua.Eval("return tostring(require('ffi').nullptr)"));
        Assert.Equal(true, Lua.Eval("local ffi = require('ffi'); return ffi.null == ffi.nullptr and ffi.isNull(nil) and ffi.isNull(ffi.nullptr) and not ffi.isNull(ffi.pointer(1))"));
    }

    [Theory]
    [InlineData("return require('ffi').pointer(1) + 1.5", "integer byte offset")]
    [InlineData("return require('ffi').pointer(1) + 'x'", "pointer arithmetic (+) on a pointer and a string")]
    [InlineData("return require('ffi').pointer('x')", "bad argument #1 to 'pointer' (number expected, got string)")]
    [InlineData("return require('ffi').address(5)", "bad argument #1 to 'address' (pointer expected, got number)")]
    [InlineData("return require('ffi').isNull(5)", "bad argument #1 to 'isNull' (pointer expected, got number)")]
    [InlineData("return require('ffi').sizeof('i33')", "unknown C type 'i33'")]
    [InlineData("return require('ffi').sizeof(42)", "bad argument #1 to 'sizeof' (type name expected, got number)")]
    public void PointerAndSizeErrors(string code, string message)
    {
        using var rt = Lua.NewRuntime();
        Assert.Contains(message, Lua.Error(rt, code));
        Assert.Equal(2L, rt.DoString("return 1 + 1")[0]);
    }

    [Theory]
    [InlineData("i8", 1)] [InlineData("u16", 2)] [InlineData("int", 4)] [InlineData("unsigned int", 4)]
    [InlineData("long", 8)] [InlineData("unsigned long", 8)] [InlineData("long long", 8)] [InlineData("size_t", 8)]
    [InlineData("ssize_t", 8)] [InlineData("intptr_t", 8)] [InlineData("uintptr_t", 8)] [InlineData("ptrdiff_t", 8)]
    [InlineData("float", 4)] [InlineData("double", 8)] [InlineData("pointer", 8)] [InlineData("ptr", 8)]
    [InlineData("void*", 8)] [InlineData("int*", 8)] [InlineData("Color*", 8)] [InlineData("string", 8)]
    [InlineData("const char*", 8)] [InlineData("char", 1)] [InlineData("signed char", 1)] [InlineData("unsigned char", 1)]
    [InlineData("short", 2)] [InlineData("unsigned short", 2)] [InlineData("unsigned", 4)] [InlineData("unsigned long long", 8)]
    [InlineData("int8_t", 1)] [InlineData("uint64_t", 8)] [InlineData("bool", 1)] [InlineData("_Bool", 1)]
    public void SizesFollowTheLinuxX64Abi(string type, long size)
    {
        Assert.Equal(size, Lua.Eval($"return require('ffi').sizeof('{type}')"));
        Assert.Equal(size, Lua.Eval($"return require('ffi').alignof('{type}')"));
    }

    [Fact]
    public void BuffersMeasureAsByteArrays()
    {
        Assert.Equal("24|1|8|1", Lua.Eval("""
            local ffi = require('ffi')
            local b = ffi.buffer(24)
            return table.concat({ffi.sizeof(b), ffi.alignof(b), ffi.sizeof(b:slice(3, 8)), ffi.alignof(b:slice(3, 8))}, '|')
            """));
    }

    [Fact]
    public void TypesTableMapsNamesToCanonicalNames()
    {
        Assert.Equal("i32|i32|u64|pointer|string|f64", Lua.Eval("""
            local t = require('ffi').types
            return table.concat({t.i32, t.int, t.size_t, t.ptr, t.str, t.double}, '|')
            """));
    }
}
