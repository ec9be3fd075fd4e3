using Lunet.Tests.Support;

namespace Lunet.Tests.Hardening;

/// <summary>Every name the ffi takes with a NUL byte in it is an error naming the argument: C would read only up to the NUL.</summary>
public class NameTests
{
    [Theory]
    [InlineData("ffi.open(M .. '\\0junk')", "bad argument #1 to 'open' (name contains a NUL byte)")]
    [InlineData("ffi.C:getSymbol('strlen\\0x')", "bad argument #1 to 'getSymbol' (name contains a NUL byte)")]
    [InlineData("ffi.C:hasSymbol('strlen\\0x')", "bad argument #1 to 'hasSymbol' (name contains a NUL byte)")]
    [InlineData("ffi.C:call('strlen\\0x', 'size_t', {'string'}, 'a')", "bad argument #1 to 'call' (name contains a NUL byte)")]
    [InlineData("ffi.C:call('strlen', 'size_t\\0x', {'string'}, 'a')", "bad argument #2 to 'call' (type name contains a NUL byte)")]
    [InlineData("ffi.C:call('strlen', 'size_t', {'string\\0'}, 'a')", "bad argument #3 to 'call' (argument type #1 contains a NUL byte)")]
    [InlineData("ffi.C:wrap('size_t', 'strlen\\0x', 'string')", "bad argument #2 to 'wrap' (name contains a NUL byte)")]
    [InlineData("ffi.C:wrap('size_t\\0', 'strlen', 'string')", "bad argument #1 to 'wrap' (type name contains a NUL byte)")]
    [InlineData("ffi.C:wrap('size_t', 'strlen', 'string\\0')", "bad argument #3 to 'wrap' (type name contains a NUL byte)")]
    [InlineData("ffi.C:wrap('size_t', 'strlen', {'string\\0'})", "bad argument #3 to 'wrap' (argument type #1 contains a NUL byte)")]
    [InlineData("ffi.C:value('pointer', 'stdout\\0')", "bad argument #2 to 'value' (name contains a NUL byte)")]
    [InlineData("ffi.C:value('pointer\\0', 'stdout')", "bad argument #1 to 'value' (type name contains a NUL byte)")]
    [InlineData("ffi.sizeof('int\\0')", "bad argument #1 to 'sizeof' (type name contains a NUL byte)")]
    [InlineData("ffi.alignof('int\\0')", "bad argument #1 to 'alignof' (type name contains a NUL byte)")]
    [InlineData("ffi.cast(ffi.buffer(8), 'int\\0')", "bad argument #2 to 'cast' (type name contains a NUL byte)")]
    [InlineData("ffi.buffer(8):read(0, 'int\\0')", "bad argument #2 to 'read' (type name contains a NUL byte)")]
    [InlineData("ffi.buffer(8):write(0, 'int\\0', 1)", "bad argument #2 to 'write' (type name contains a NUL byte)")]
    public void ANameWithANulByteIsAnError(string code, string message)
    {
        using var rt = Lua.NewRuntime();
        rt.SetGlobal("M", (string)rt.DoString("return require('ffi').open('m').path")[0]!);
        Assert.Contains(message, Lua.Error(rt, "local ffi = require('ffi')\n" + code));
        Assert.Equal(3L, rt.DoString("return require('ffi').C:call('strlen', 'size_t', {'string'}, 'abc')")[0]);
    }
}
