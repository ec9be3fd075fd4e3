using Lunet.Tests.Support;

namespace Lunet.Tests.Memory;

/// <summary>Buffers handed to C, ffi.cast and ffi.string over C memory.</summary>
public class NativeMemoryTests
{
    const string Prelude = "local ffi = require('ffi')\nlocal lib = ffi.open(TESTLIB)\nlocal C = ffi.C\n";

    static object? Eval(string code) => Lua.Eval(Prelude + code);

    static string Error(LuaRuntime rt, string code) => Lua.Error(rt, Prelude + code);

    [Fact]
    public void BufferPassesAsPointerAndStringArgument()
    {
        Assert.Equal(true, Eval("""
            local b = ffi.buffer(16)
            local s = b:slice(4, 8)
            return lib:call("id_ptr", "pointer", {"pointer"}, b) == b.ptr
              and lib:call("id_ptr", "pointer", {"void*"}, s) == s.ptr
              and lib:call("is_null", "int", {"pointer"}, b) == 0
            """));
        Assert.Equal(5L, Eval("""
            local b = ffi.buffer(16) b:writeString(0, "hello")
            return lib:call("str_len", "size_t", {"string"}, b)
            """));
        Assert.Equal(2L, Eval("""
            local b = ffi.buffer(16) b:writeString(0, "hello")
            return lib:call("str_len", "size_t", {"const char*"}, b:slice(3, 4))
            """));
        Assert.Equal("hello", Eval("""
            local b = ffi.buffer(16) b:writeString(0, "hello")
            return lib:call("id_str", "string", {"string"}, b)
            """));
    }

    [Fact]
    public void SnprintfWritesIntoABuffer()
    {
        Assert.Equal(true, Eval("""
            local buf = ffi.buffer(32)
            local n = C:call("snprintf", "int", {"pointer", "size_t", "string", "int"}, buf, buf.size, "n=%d", 42)
            return n == 4 and buf:readString() == "n=42" and ffi.string(buf) == "n=42" and ffi.string(buf.ptr) == "n=42"
            """));
        // C truncates to the size it is told; the buffer holds exactly that.
        Assert.Equal("abc", Eval("""
            local buf = ffi.buffer(16)
            local s = buf:slice(0, 4)
            C:call("snprintf", "int", {"pointer", "size_t", "string", "int"}, s, s.size, "abc%d", 12345)
            return buf:readString()
            """));
    }

    [Fact]
    public void MemsetFillsABufferAndASlice()
    {
        Assert.Equal(true, Eval("""
            local buf = ffi.buffer(16)
            C:call("memset", "pointer", {"pointer", "int", "size_t"}, buf, 0x41, buf.size)
            local s = buf:slice(4, 4)
            C:call("memset", "pointer", {"pointer", "int", "size_t"}, s, 0x42, s.size)
            return ffi.read(buf) == "AAAABBBBAAAAAAAA" and buf:read(0, "u32") == 0x41414141
            """));
    }

    [Fact]
    public void ZlibRoundTripThroughBuffers()
    {
        Assert.Equal(true, Eval("""
            local z = ffi.open("z")
            local parts = {}
            for i = 1, 100 * 1024 // 16 do parts[i] = string.format("%08d:%07x", i, i * 2654435761 % 0x10000000) end
            local input = table.concat(parts)
            assert(#input == 100 * 1024)
            local src = ffi.buffer(#input) src:writeBytes(0, input)

            local bound = z:call("compressBound", "unsigned long", {"unsigned long"}, #input)
            local packed = ffi.buffer(bound)
            local destLen = ffi.buffer(8)
            destLen:write(0, "unsigned long", packed.size)
            local rc = z:call("compress", "int", {"pointer", "pointer", "pointer", "unsigned long"}, packed, destLen, src, src.size)
            assert(rc == 0, "compress " .. rc)
            local packedLen = destLen:read(0, "u64")
            assert(packedLen > 0 and packedLen < #input, "packed " .. packedLen)

            local out = ffi.buffer(#input)
            destLen:write(0, "u64", out.size)
            rc = z:call("uncompress", "int", {"pointer", "pointer", "pointer", "unsigned long"}, out, destLen, packed:slice(0, packedLen), packedLen)
            assert(rc == 0, "uncompress " .. rc)
            return destLen:read(0, "unsigned long") == #input and out:readBytes(0, #input) == input and ffi.read(out) == input
            """));
    }

    [Fact]
    public void CastReadsTheValueStoredAtAPointer()
    {
        Assert.Equal(69L, Eval("return ffi.cast(lib:getSymbol('MY_MAGIC_INT'), 'i32')"));
        Assert.Equal(2.5, Eval("return ffi.cast(lib:getSymbol('MY_DOUBLE'), 'double')"));
        Assert.Equal("magic", Eval("return ffi.cast(lib:getSymbol('MY_STRING'), 'string')"));
        Assert.Null(Eval("return ffi.cast(lib:getSymbol('MY_NULL'), 'string')"));
        Assert.Equal(true, Eval("return ffi.cast(lib:getSymbol('MY_NULL'), 'pointer') == ffi.nullptr"));
        // Buffers and slices: exactly as buf:read(0, t).
        Assert.Equal(true, Eval("""
            local b = ffi.buffer(16)
            b:write(0, "i32", -7) b:write(8, "f64", 0.25)
            local text = ffi.buffer(8) text:writeString(0, "str")
            local holder = ffi.buffer(8) holder:write(0, "pointer", text)
            return ffi.cast(b, "i32") == b:read(0, "i32") and ffi.cast(b:slice(8, 8), "f64") == 0.25
              and ffi.cast(b, "u32") == 0xFFFFFFF9 and ffi.cast(holder, "string") == "str"
              and ffi.cast(holder.ptr, "string") == "str" and ffi.cast(holder, "pointer") == text.ptr
            """));
    }

    [Fact]
    public void CastErrors()
    {
        using var rt = Lua.NewRuntime();
        Assert.Contains("ffi.cast: offset 0 + 8 bytes is out of bounds (buffer size 4)", Error(rt, "ffi.cast(ffi.buffer(4), 'i64')"));
        Assert.Contains("ffi.cast: offset 0 + 4 bytes is out of bounds (buffer size 2)", Error(rt, "ffi.cast(ffi.buffer(8):slice(6, 2), 'i32')"));
        Assert.Contains("ffi.cast: cannot read a i32 through a NULL pointer", Error(rt, "ffi.cast(ffi.nullptr, 'i32')"));
        Assert.Contains("ffi.cast: cannot read a string through a NULL pointer", Error(rt, "ffi.cast(nil, 'string')"));
        Assert.Contains("bad argument #1 to 'cast' (pointer or Buffer expected, got number)", Error(rt, "ffi.cast(1234, 'i32')"));
        Assert.Contains("unknown C type 'i33'", Error(rt, "ffi.cast(ffi.buffer(8), 'i33')"));
        Assert.Contains("bad argument #2 to 'cast' (type name expected, got no value)", Error(rt, "ffi.cast(ffi.buffer(8))"));
        Assert.Equal(69L, rt.DoString(Prelude + "return ffi.cast(lib:getSymbol('MY_MAGIC_INT'), 'int')")[0]);
    }

    [Fact]
    public void StringReadsCharactersAtAPointerOrBuffer()
    {
        Assert.Equal("magic", Eval("return ffi.string(ffi.cast(lib:getSymbol('MY_STRING'), 'pointer'))"));
        Assert.Equal("mag", Eval("return ffi.string(ffi.cast(lib:getSymbol('MY_STRING'), 'pointer'), 3)"));
        Assert.Equal("", Eval("return ffi.string(ffi.cast(lib:getSymbol('MY_STRING'), 'pointer'), 0)"));
        Assert.Null(Eval("return ffi.string(ffi.nullptr)"));
        Assert.Null(Eval("return ffi.string(nil)"));
        Assert.Null(Eval("return ffi.string(ffi.nullptr, 4)"));
        Assert.Equal(true, Eval("""
            local b = ffi.buffer(8) b:writeBytes(0, "ab\0cdefg")
            return ffi.string(b) == "ab" and ffi.string(b, 8) == "ab\0cdefg" and ffi.string(b:slice(3, 5)) == "cdefg"
              and ffi.string(b.ptr + 3, 2) == "cd"
            """));
        using var rt = Lua.NewRuntime();
        Assert.Contains("ffi.string: offset 0 + 9 bytes is out of bounds (buffer size 8)", Error(rt, "ffi.string(ffi.buffer(8), 9)"));
        Assert.Contains("bad argument #2 to 'string' (length must not be negative, got -1)", Error(rt, "ffi.string(ffi.buffer(8), -1)"));
        Assert.Contains("bad argument #2 to 'string' (length must be an integer, got 1.5)", Error(rt, "ffi.string(ffi.buffer(8), 1.5)"));
        Assert.Contains("bad argument #1 to 'string' (pointer or Buffer expected, got string)", Error(rt, "ffi.string('abc')"));
        Assert.Equal("", rt.DoString(Prelude + "return ffi.string(ffi.buffer(8))")[0]);
    }
}
