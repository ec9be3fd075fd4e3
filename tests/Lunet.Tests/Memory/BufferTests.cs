using Lunet.Tests.Support;

namespace Lunet.Tests.Memory;

public class BufferTests
{
    const string Ffi = "local ffi = require('ffi')\n";

    static object? Eval(string code) => Lua.Eval(Ffi + code);

    static string Error(LuaRuntime rt, string code) => Lua.Error(rt, Ffi + code);

    [Fact]
    public void NewBufferIsZeroFilledWithSizeAndPointer()
    {
        Assert.Equal(true, Eval("""
            local b = ffi.buffer(64)
            if b.size ~= 64 or #b ~= 64 then return false end
            for i = 0, 63 do if b:read(i, "u8") ~= 0 then return false end end
            return type(b.ptr) == "userdata" and ffi.address(b.ptr) ~= 0 and ffi.address(b.ptr) % 16 == 0
            """));
        Assert.Equal(32L, Eval("return ffi.alloc(32).size"));
        Assert.Equal(0L, Eval("return ffi.buffer(0).size"));
        Assert.Equal(24L, Eval("return ffi.sizeof(ffi.buffer(24))"));
        Assert.Equal(4L, Eval("return ffi.sizeof('i32')"));
        Assert.Equal(8L, Eval("return ffi.buffer(8.0).size"));
    }

    [Fact]
    public void PtrIsTheSameValueEachTime()
    {
        Assert.Equal(true, Eval("local b = ffi.buffer(4) return b.ptr == b.ptr and rawequal(b.ptr, b.ptr)"));
    }

    [Fact]
    public void BadSizesAreErrors()
    {
        using var rt = Lua.NewRuntime();
        Assert.Contains("bad argument #1 to 'buffer' (size must not be negative, got -1)", Error(rt, "ffi.buffer(-1)"));
        Assert.Contains("bad argument #1 to 'buffer' (size must be an integer, got 1.5)", Error(rt, "ffi.buffer(1.5)"));
        Assert.Contains("bad argument #1 to 'buffer' (size expected, got string)", Error(rt, "ffi.buffer('10')"));
        Assert.Contains("bad argument #1 to 'alloc' (size expected, got no value)", Error(rt, "ffi.alloc()"));
        Assert.Contains("larger than the limit", Error(rt, "ffi.buffer(2^41)"));
        Assert.Contains("larger than the limit", Error(rt, "ffi.buffer(math.maxinteger)"));
        Assert.Contains("must be an integer", Error(rt, "ffi.buffer(1e300)"));
        Assert.Contains("ffi.buffer: cannot allocate 1099511627776 bytes", Error(rt, "ffi.buffer(2^40)"));
        Assert.Contains("ffi.alloc: cannot allocate 1099511627775 bytes", Error(rt, "ffi.alloc(2^40 - 1)"));
        Assert.Equal(3L, rt.DoString(Ffi + "return ffi.buffer(3).size")[0]);
    }

    [Theory]
    [InlineData("i8", "-5", -5L)]
    [InlineData("u8", "250", 250L)]
    [InlineData("u8", "-1", 255L)]
    [InlineData("i16", "-30000", -30000L)]
    [InlineData("u16", "65535", 65535L)]
    [InlineData("i32", "-123456789", -123456789L)]
    [InlineData("u32", "4294967295", 4294967295L)]
    [InlineData("i64", "math.mininteger", long.MinValue)]
    [InlineData("u64", "-1", -1L)]
    [InlineData("int", "7", 7L)]
    [InlineData("unsigned long", "99", 99L)]
    [InlineData("size_t", "12345", 12345L)]
    [InlineData("int32_t", "3.0", 3L)]
    [InlineData("char", "65", 65L)]
    public void WriteThenReadIntegers(string type, string value, long expected)
    {
        Assert.Equal(expected, Eval($"local b = ffi.buffer(16) b:write(8, '{type}', {value}) return b:read(8, '{type}')"));
    }

    [Fact]
    public void WriteThenReadFloatsBoolsAndPointers()
    {
        Assert.Equal(1.5, Eval("local b = ffi.buffer(8) b:write(0, 'f32', 1.5) return b:read(0, 'float')"));
        Assert.Equal(0.1, Eval("local b = ffi.buffer(8) b:write(0, 'f64', 0.1) return b:read(0, 'double')"));
        Assert.Equal(3.0, Eval("local b = ffi.buffer(8) b:write(0, 'double', 3) return b:read(0, 'f64')"));
        Assert.Equal(true, Eval("local b = ffi.buffer(1) b:write(0, 'bool', true) return b:read(0, 'bool')"));
        Assert.Equal(false, Eval("local b = ffi.buffer(1) b:write(0, 'bool', true) b:write(0, 'bool', nil) return b:read(0, 'bool')"));
        Assert.Equal(true, Eval("local b = ffi.buffer(16) local p = ffi.pointer(0x1234) b:write(3, 'pointer', p) return b:read(3, 'void*') == p"));
        Assert.Equal(true, Eval("local b = ffi.buffer(8) b:write(0, 'pointer', nil) return b:read(0, 'ptr') == ffi.nullptr"));
        // A Buffer stored as a pointer stores its address.
        Assert.Equal(true, Eval("local b, c = ffi.buffer(8), ffi.buffer(4) b:write(0, 'pointer', c) return b:read(0, 'pointer') == c.ptr"));
        // Unaligned offsets are fine.
        Assert.Equal(0x0102030405060708L, Eval("local b = ffi.buffer(16) b:write(5, 'i64', 0x0102030405060708) return b:read(5, 'i64')"));
    }

    [Fact]
    public void StringTypeReadsAndWritesAStoredCharPointer()
    {
        Assert.Equal("hello", Eval("""
            local text = ffi.buffer(16) text:writeString(0, "hello")
            local b = ffi.buffer(8)
            b:write(0, "string", text)
            return b:read(0, "string")
            """));
        Assert.Null(Eval("local b = ffi.buffer(8) return b:read(0, 'string')"));
        Assert.Equal("hi", Eval("""
            local text = ffi.buffer(3) text:writeString(0, "hi")
            local b = ffi.buffer(8)
            b:write(0, "const char*", text.ptr)
            return b:read(0, "char*")
            """));
        using var rt = Lua.NewRuntime();
        Assert.Contains("cannot store a Lua string as a char*", Error(rt, "ffi.buffer(8):write(0, 'string', 'abc')"));
    }

    [Fact]
    public void BadValuesAndTypesAreErrors()
    {
        using var rt = Lua.NewRuntime();
        Assert.Contains("bad argument #3 to 'write' (i32 expected, got string)", Error(rt, "ffi.buffer(8):write(0, 'i32', 'x')"));
        Assert.Contains("bad argument #3 to 'write' (number has no integer representation)", Error(rt, "ffi.buffer(8):write(0, 'i32', 1.5)"));
        Assert.Contains("bad argument #3 to 'write' (bool expected, got number)", Error(rt, "ffi.buffer(8):write(0, 'bool', 1)"));
        Assert.Contains("bad argument #3 to 'write' (pointer expected, got number)", Error(rt, "ffi.buffer(8):write(0, 'pointer', 1)"));
        Assert.Contains("unknown C type 'i33'", Error(rt, "ffi.buffer(8):read(0, 'i33')"));
        Assert.Contains("bad argument #2 to 'read' (type name expected, got no value)", Error(rt, "ffi.buffer(8):read(0)"));
        Assert.Contains("bad argument #2 to 'read' (type name expected, got number)", Error(rt, "ffi.buffer(8):read(0, 4)"));
        Assert.Contains("type void has no value", Error(rt, "ffi.buffer(8):read(0, 'void')"));
        Assert.Contains("bad argument #1 to 'read' (offset expected, got string)", Error(rt, "ffi.buffer(8):read('0', 'i32')"));
        Assert.Contains("bad argument #1 to 'read' (offset must be an integer, got 0.5)", Error(rt, "ffi.buffer(8):read(0.5, 'i32')"));
        Assert.Equal(5L, rt.DoString(Ffi + "local b = ffi.buffer(8) b:write(0, 'i32', 5) return b:read(0, 'i32')")[0]);
    }

    [Fact]
    public void OutOfBoundsAccessesAreErrorsNamingOffsetLengthAndSize()
    {
        using var rt = Lua.NewRuntime();
        Assert.Contains("Buffer:read: offset 14 + 4 bytes is out of bounds (buffer size 16)", Error(rt, "ffi.buffer(16):read(14, 'i32')"));
        Assert.Contains("Buffer:read: offset 16 + 1 bytes is out of bounds (buffer size 16)", Error(rt, "ffi.buffer(16):read(16, 'u8')"));
        Assert.Contains("Buffer:read: offset -1 + 1 bytes is out of bounds (buffer size 16)", Error(rt, "ffi.buffer(16):read(-1, 'u8')"));
        Assert.Contains("Buffer:read: offset 0 + 4 bytes is out of bounds (buffer size 0)", Error(rt, "ffi.buffer(0):read(0, 'i32')"));
        Assert.Contains("Buffer:write: offset 9223372036854775807 + 8 bytes is out of bounds (buffer size 16)",
            Error(rt, "ffi.buffer(16):write(math.maxinteger, 'i64', 1)"));
        Assert.Contains("Buffer:write: offset 9223372036854775804 + 8 bytes is out of bounds (buffer size 16)",
            Error(rt, "ffi.buffer(16):write(math.maxinteger - 3, 'i64', 1)"));
        Assert.Contains("Buffer:write: offset -9223372036854775808 + 8 bytes is out of bounds",
            Error(rt, "ffi.buffer(16):write(math.mininteger, 'i64', 1)"));
        Assert.Contains("must be an integer", Error(rt, "ffi.buffer(16):read(2^63, 'u8')"));
        Assert.Contains("Buffer:write: offset 13 + 8 bytes is out of bounds (buffer size 16)", Error(rt, "ffi.buffer(16):write(13, 'f64', 1)"));
        Assert.Contains("Buffer:readBytes: offset 10 + 7 bytes is out of bounds (buffer size 16)", Error(rt, "ffi.buffer(16):readBytes(10, 7)"));
        Assert.Contains("Buffer:readBytes: offset 9223372036854775807 + 9223372036854775807 bytes is out of bounds",
            Error(rt, "ffi.buffer(16):readBytes(math.maxinteger, math.maxinteger)"));
        Assert.Contains("Buffer:readBytes: offset 1 + 9223372036854775807 bytes is out of bounds",
            Error(rt, "ffi.buffer(16):readBytes(1, math.maxinteger)"));
        Assert.Contains("bad argument #2 to 'readBytes' (length must not be negative, got -1)", Error(rt, "ffi.buffer(16):readBytes(0, -1)"));
        Assert.Contains("Buffer:writeBytes: offset 12 + 5 bytes is out of bounds (buffer size 16)", Error(rt, "ffi.buffer(16):writeBytes(12, 'abcde')"));
        Assert.Contains("Buffer:writeString: offset 12 + 5 bytes (4 and the terminating NUL) is out of bounds (buffer size 16)",
            Error(rt, "ffi.buffer(16):writeString(12, 'abcd')"));
        Assert.Contains("Buffer:writeString: offset 9223372036854775807 + 2 bytes", Error(rt, "ffi.buffer(16):writeString(math.maxinteger, 'a')"));
        Assert.Contains("Buffer:readString: offset 17 + 0 bytes is out of bounds (buffer size 16)", Error(rt, "ffi.buffer(16):readString(17)"));
        Assert.Contains("Buffer:slice: offset 8 + 9 bytes is out of bounds (buffer size 16)", Error(rt, "ffi.buffer(16):slice(8, 9)"));
        Assert.Contains("Buffer:slice: offset -1 + 2 bytes is out of bounds", Error(rt, "ffi.buffer(16):slice(-1, 2)"));
        Assert.Contains("bad argument #2 to 'slice' (size must not be negative, got -2)", Error(rt, "ffi.buffer(16):slice(0, -2)"));

        // Nothing was written by a refused access, and the runtime still works.
        Assert.Equal(true, rt.DoString(Ffi + """
            local b = ffi.buffer(16)
            pcall(b.write, b, 13, 'i64', -1)
            pcall(b.writeString, b, 12, 'abcd')
            pcall(b.writeBytes, b, 12, 'abcde')
            return b:readBytes(0, 16) == string.rep('\0', 16)
            """)[0]);
        // Edges that fit are fine.
        Assert.Equal(7L, rt.DoString(Ffi + "local b = ffi.buffer(16) b:write(12, 'i32', 7) return b:read(12, 'i32')")[0]);
        Assert.Equal("", rt.DoString(Ffi + "local b = ffi.buffer(16) return b:readBytes(16, 0)")[0]);
        Assert.Equal("", rt.DoString(Ffi + "local b = ffi.buffer(16) return b:readString(16)")[0]);
    }

    [Fact]
    public void MethodsCalledWithADotOrOnOtherValuesAreClearErrors()
    {
        using var rt = Lua.NewRuntime();
        Assert.Contains("bad self to 'read' (Buffer expected, got number; call it with a colon: buf:read(...))",
            Error(rt, "local b = ffi.buffer(8) return b.read(0, 'i32')"));
        Assert.Contains("bad self to 'write' (Buffer expected, got table", Error(rt, "local b = ffi.buffer(8) return b.write({}, 0, 'i32', 1)"));
        Assert.Contains("bad self to 'zero' (Buffer expected, got no value", Error(rt, "local b = ffi.buffer(8) return b.zero()"));
        // Another ffi userdata is not a Buffer.
        Assert.Contains("bad self to 'readBytes' (Buffer expected, got pointer", Error(rt, "local b = ffi.buffer(8) return b.readBytes(b.ptr, 0, 1)"));
        Assert.Contains("cannot set 'size' on a Buffer", Error(rt, "local b = ffi.buffer(8) b.size = 3"));
        Assert.Contains("bad argument #1 to 'read' (Buffer expected, got string)", Error(rt, "ffi.read('x')"));
        Assert.Equal("Buffer", rt.DoString(Ffi + "return getmetatable(ffi.buffer(1))")[0]);
        Assert.Null(rt.DoString(Ffi + "return ffi.buffer(1).nothing")[0]);
    }

    [Fact]
    public void TostringShowsSizeAndAddress()
    {
        var s = (string)Eval("return tostring(ffi.buffer(16))")!;
        Assert.Matches(@"^Buffer\(16 bytes\): 0x[0-9a-f]+$", s);
        Assert.Equal(true, Eval("local b = ffi.buffer(16) return tostring(b) == 'Buffer(16 bytes): ' .. tostring(b.ptr):sub(10)"));
    }

    [Fact]
    public void ZeroClearsEveryByte()
    {
        Assert.Equal(true, Eval("""
            local b = ffi.buffer(33)
            for i = 0, 32 do b:write(i, 'u8', i + 1) end
            b:zero()
            return b:readBytes(0, 33) == string.rep('\0', 33)
            """));
        Assert.Equal(true, Eval("""
            local b = ffi.buffer(8) b:writeBytes(0, 'abcdefgh')
            b:slice(2, 3):zero()
            return b:readBytes(0, 8) == 'ab\0\0\0fgh'
            """));
    }

    [Fact]
    public void BytesAndStrings()
    {
        Assert.Equal(true, Eval("local b = ffi.buffer(8) b:writeBytes(2, 'a\\0b\\xff') return b:readBytes(2, 4) == 'a\\0b\\xff' and b:read(5, 'u8') == 255"));
        Assert.Equal("hello", Eval("local b = ffi.buffer(16) b:writeString(3, 'hello') return b:readString(3)"));
        Assert.Equal("", Eval("local b = ffi.buffer(16) b:writeString(0, '') return b:readString()"));
        Assert.Equal("abc", Eval("local b = ffi.buffer(16) b:writeString(0, 'abc') return b:readString()"));
        Assert.Equal("bc", Eval("local b = ffi.buffer(16) b:writeString(0, 'abc') return b:readString(1)"));
        // No NUL: ends at the buffer's end.
        Assert.Equal("abcd", Eval("local b = ffi.buffer(4) b:writeBytes(0, 'abcd') return b:readString()"));
        Assert.Equal("cd", Eval("local b = ffi.buffer(4) b:writeBytes(0, 'abcd') return b:readString(2)"));
        // writeString fits exactly with its NUL.
        Assert.Equal("abc", Eval("local b = ffi.buffer(4) b:writeString(0, 'abc') return b:readBytes(0, 3)"));
        Assert.Equal(0L, Eval("local b = ffi.buffer(4) b:writeBytes(0, 'zzzz') b:writeString(0, 'abc') return b:read(3, 'u8')"));
        // writeBytes from another Buffer.
        Assert.Equal("xyz", Eval("local a, b = ffi.buffer(3), ffi.buffer(3) a:writeBytes(0, 'xyz') b:writeBytes(0, a) return b:readBytes(0, 3)"));
        // Overlapping copy through slices behaves like memmove.
        Assert.Equal("ababcdgh", Eval("local b = ffi.buffer(8) b:writeBytes(0, 'abcdefgh') b:writeBytes(2, b:slice(0, 4)) return ffi.read(b)"));
    }

    [Fact]
    public void PlutoReadAndWrite()
    {
        Assert.Equal("hi\0\0", Eval("local b = ffi.alloc(4) ffi.write('hi', b) return ffi.read(b)"));
        Assert.Equal("", Eval("return ffi.read(ffi.buffer(0))"));
        using var rt = Lua.NewRuntime();
        Assert.Contains("ffi.write: offset 0 + 5 bytes is out of bounds (buffer size 4)", Error(rt, "ffi.write('hello', ffi.buffer(4))"));
        Assert.Contains("bad argument #1 to 'write' (string expected, got Buffer)", Error(rt, "ffi.write(ffi.buffer(4), 'x')"));
        Assert.Contains("bad argument #2 to 'write' (Buffer expected, got no value)", Error(rt, "ffi.write('x')"));
    }

    [Fact]
    public void SlicesViewTheSameMemory()
    {
        Assert.Equal(true, Eval("""
            local b = ffi.buffer(16)
            local s = b:slice(4, 8)
            s:write(0, 'i32', 42)
            local ss = s:slice(4, 4)
            ss:write(0, 'i32', 7)
            return s.size == 8 and ss.size == 4 and b:read(4, 'i32') == 42 and b:read(8, 'i32') == 7
              and ffi.address(s.ptr) == ffi.address(b.ptr) + 4 and ss.ptr == b.ptr + 8
              and ffi.sizeof(ss) == 4 and ffi.read(ss) == b:readBytes(8, 4)
            """));
        using var rt = Lua.NewRuntime();
        Assert.Contains("Buffer:read: offset 6 + 4 bytes is out of bounds (buffer size 8)", Error(rt, "ffi.buffer(16):slice(4, 8):read(6, 'i32')"));
        Assert.Contains("Buffer:write: offset 0 + 1 bytes is out of bounds (buffer size 0)", Error(rt, "ffi.buffer(16):slice(16, 0):write(0, 'u8', 1)"));
    }

    [Fact]
    public void SlicesKeepTheirParentAlive()
    {
        Assert.Equal(true, Eval("""
            local function make()
              local b = ffi.buffer(4096)
              b:writeString(100, "still here")
              return b:slice(64, 1024):slice(36, 100)
            end
            local s = make()
            local marker = setmetatable({}, {__mode = "k"})
            for i = 1, 5 do
              collectgarbage("collect")
              -- churn: new buffers would reuse freed memory
              for j = 1, 200 do local x = ffi.buffer(4096) x:writeBytes(0, string.rep("x", 4096)) end
            end
            collectgarbage("collect")
            return s:readString(0) == "still here" and s.size == 100
            """));
    }

    [Fact]
    public void BuffersAreCollected()
    {
        Assert.Equal(true, Eval("""
            local weak = setmetatable({}, {__mode = "v"})
            weak[1] = ffi.buffer(1024)
            local parent = ffi.buffer(64)
            weak[2] = parent
            local slice = parent:slice(0, 8)
            parent = nil
            collectgarbage("collect") collectgarbage("collect")
            local firstGone, parentKept = weak[1] == nil, weak[2] ~= nil
            slice = nil
            collectgarbage("collect") collectgarbage("collect")
            return firstGone and parentKept and weak[2] == nil
            """));
    }

    [Fact]
    public void TypeNameCacheDoesNotConfuseNames()
    {
        // Alternating names, long names (not interned), names built at run time.
        Assert.Equal(true, Eval("""
            local b = ffi.buffer(16)
            b:write(0, 'i64', -1)
            local long = 'unsigned long long int' .. string.rep(' ', 40)
            for i = 1, 3 do
              if b:read(0, 'u8') ~= 255 or b:read(0, 'i8') ~= -1 or b:read(0, 'i16') ~= -1 or b:read(0, 'u16') ~= 65535 then return false end
              if b:read(0, long) ~= -1 then return false end
              if b:read(0, 'u' .. math.tointeger(8 * 2 ^ (i % 3))) == nil then return false end
            end
            return true
            """));
    }
}
