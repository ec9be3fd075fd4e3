using Lunet.Tests.Support;

namespace Lunet.Tests.Memory;

/// <summary>
/// The native fast paths of Buffer __index / read / write / readBytes (x86-64 System V):
/// a type name is served natively from its second use on (the first resolves it in C#
/// and fills the native table), so each check runs its call several times. Everything
/// the native code does not handle falls back to C#, which gives the errors.
/// </summary>
public class BufferNativeTests
{
    const string Ffi = "local ffi = require('ffi')\n";

    static object? Eval(string code) => Lua.Eval(Ffi + code);

    static string Error(LuaRuntime rt, string code) => Lua.Error(rt, Ffi + code);

    [Theory]
    [InlineData("i8", 1, "-128", "127", "-1")]
    [InlineData("u8", 1, "0", "255", "17")]
    [InlineData("i16", 2, "-32768", "32767", "-2")]
    [InlineData("u16", 2, "0", "65535", "300")]
    [InlineData("i32", 4, "-2147483648", "2147483647", "-5")]
    [InlineData("u32", 4, "0", "4294967295", "123456789")]
    [InlineData("i64", 8, "math.mininteger", "math.maxinteger", "-3")]
    [InlineData("u64", 8, "math.mininteger", "math.maxinteger", "-1")]
    [InlineData("f32", 4, "-1.5", "3.25", "0.5")]
    [InlineData("f64", 8, "-1e300", "1e300", "0.1")]
    public void RoundTripsEveryNumberKindAtTheBoundaryOffsets(string kind, int width, string lo, string hi, string mid)
    {
        Assert.Equal(true, Eval($$"""
            local b = ffi.buffer(32)
            local w, last = {{width}}, 32 - {{width}}
            for round = 1, 5 do
              for _, v in ipairs({ {{lo}}, {{hi}}, {{mid}} }) do
                for _, off in ipairs({ 0, last, 1 }) do
                  b:write(off, '{{kind}}', v)
                  local got = b:read(off, '{{kind}}')
                  if got ~= v or math.type(got) ~= math.type(v) then
                    error(string.format('%s at %d: wrote %s, read %s', '{{kind}}', off, tostring(v), tostring(got)))
                  end
                end
              end
            end
            return true
            """));
    }

    [Fact]
    public void IntegersWrapToTheirWidth()
    {
        Assert.Equal(true, Eval("""
            local b = ffi.buffer(16)
            for round = 1, 4 do
              b:write(0, 'i8', 200)         assert(b:read(0, 'i8') == -56)
              assert(b:read(0, 'u8') == 200)
              b:write(0, 'u8', -1)          assert(b:read(0, 'u8') == 255)
              b:write(0, 'i16', 40000)      assert(b:read(0, 'i16') == 40000 - 65536)
              b:write(0, 'u16', -1)         assert(b:read(0, 'u16') == 65535)
              b:write(0, 'u32', -1)         assert(b:read(0, 'u32') == 4294967295)
              b:write(0, 'i32', 4294967295) assert(b:read(0, 'i32') == -1)
              b:write(8, 'u64', -1)         assert(b:read(8, 'u64') == -1)
              b:write(8, 'i32', 2.0)        assert(math.type(b:read(8, 'i32')) == 'integer' and b:read(8, 'i32') == 2)
              b:write(8, 'f64', 3)          assert(math.type(b:read(8, 'f64')) == 'float' and b:read(8, 'f64') == 3.0)
              b:write(8, 'f32', 0.1)        assert(b:read(8, 'f32') ~= 0.1 and math.abs(b:read(8, 'f32') - 0.1) < 1e-7)
            end
            return true
            """));
    }

    [Fact]
    public void BoolAndPointerRoundTrip()
    {
        Assert.Equal(true, Eval("""
            local b = ffi.buffer(16)
            for round = 1, 4 do
              b:write(0, 'bool', true)   assert(b:read(0, 'bool') == true)
              b:write(0, 'bool', false)  assert(b:read(0, 'bool') == false)
              b:write(15, 'bool', true)  assert(b:read(15, 'bool') == true)
              b:write(15, 'bool', nil)   assert(b:read(15, 'bool') == false)
              b:write(3, 'u8', 7)        assert(b:read(3, 'bool') == true)
              b:write(8, 'pointer', b.ptr)
              assert(b:read(8, 'pointer') == b.ptr and ffi.address(b:read(8, 'pointer')) == ffi.address(b.ptr))
              b:write(8, 'pointer', nil) assert(ffi.address(b:read(8, 'pointer')) == 0 and b:read(8, 'u64') == 0)
              -- a Buffer as a pointer value goes to C#, which takes its address
              b:write(8, 'pointer', b)   assert(b:read(8, 'pointer') == b.ptr)
            end
            return true
            """));
    }

    [Fact]
    public void IndexGivesMethodsSizeAndPtr()
    {
        Assert.Equal(true, Eval("""
            local b = ffi.buffer(40)
            for i = 1, 5 do
              assert(b.size == 40 and #b == 40)
              assert(type(b.ptr) == 'userdata' and b.ptr == b.ptr)
              assert(type(b.read) == 'function' and b.read == b.read and b.write ~= b.read)
              assert(type(b.slice) == 'function' and type(b.writeString) == 'function')
              assert(b.nothing == nil and b[1] == nil and b[true] == nil and b[nil] == nil and b[0/0] == nil and b[b.ptr] == nil)
            end
            return true
            """));
    }

    [Fact]
    public void ReadBytesNatively()
    {
        Assert.Equal(true, Eval("""
            local b = ffi.buffer(16)
            b:writeBytes(0, 'abcdefghijklmnop')
            for i = 1, 4 do
              assert(b:readBytes(0, 16) == 'abcdefghijklmnop')
              assert(b:readBytes(15, 1) == 'p')
              assert(b:readBytes(16, 0) == '')
              assert(b:readBytes(0, 0) == '')
              assert(b:readBytes(2.0, 3) == 'cde')
            end
            return true
            """));
    }

    [Fact]
    public void SlicesUseTheirOwnAddressAndSize()
    {
        Assert.Equal(true, Eval("""
            local b = ffi.buffer(32)
            local s = b:slice(8, 8)
            for i = 1, 4 do
              assert(s.size == 8 and ffi.address(s.ptr) == ffi.address(b.ptr) + 8)
              s:write(0, 'i32', 11) s:write(4, 'i32', 22)
              assert(b:read(8, 'i32') == 11 and b:read(12, 'i32') == 22)
              assert(s:readBytes(0, 8) == b:readBytes(8, 8))
              assert(not pcall(s.read, s, 5, 'i32'))
              assert(not pcall(s.readBytes, s, 0, 9))
              local ss = s:slice(4, 4)
              assert(ss:read(0, 'i32') == 22 and ss.size == 4)
            end
            return true
            """));
        using var rt = Lua.NewRuntime();
        Assert.Contains("Buffer:read: offset 5 + 4 bytes is out of bounds (buffer size 8)",
            Error(rt, "local s = ffi.buffer(32):slice(8, 8) for i = 1, 3 do s:read(4, 'i32') end s:read(5, 'i32')"));
    }

    [Fact]
    public void FallbacksGiveTheCSharpErrors()
    {
        using var rt = Lua.NewRuntime();
        const string Warm = "local b = ffi.buffer(16) for i = 1, 3 do b:read(0, 'i32') b:write(0, 'i32', 1) b:readBytes(0, 4) b:write(8, 'string', nil) assert(b:read(8, 'string') == nil) end\n";
        Assert.Contains("Buffer:read: offset 13 + 4 bytes is out of bounds (buffer size 16)", Error(rt, Warm + "b:read(13, 'i32')"));
        Assert.Contains("Buffer:write: offset 13 + 4 bytes is out of bounds (buffer size 16)", Error(rt, Warm + "b:write(13, 'i32', 1)"));
        Assert.Equal(0L, rt.DoString(Ffi + Warm + "return b:read(12, 'i32')", "=test")[0]);
        Assert.Contains("Buffer:read: offset -1 + 4 bytes is out of bounds (buffer size 16)", Error(rt, Warm + "b:read(-1, 'i32')"));
        Assert.Contains("Buffer:read: offset -9223372036854775808 + 4 bytes is out of bounds", Error(rt, Warm + "b:read(math.mininteger, 'i32')"));
        Assert.Contains("bad argument #1 to 'read' (offset must be an integer, got 1.5)", Error(rt, Warm + "b:read(1.5, 'i32')"));
        Assert.Contains("bad argument #1 to 'read' (offset expected, got string)", Error(rt, Warm + "b:read('1', 'i32')"));
        Assert.Contains("bad argument #1 to 'write' (offset expected, got string)", Error(rt, Warm + "b:write('1', 'i32', 1)"));
        Assert.Contains("unknown C type 'i33'", Error(rt, Warm + "b:read(0, 'i33')"));
        Assert.Contains("bad argument #2 to 'read' (type name expected, got pointer)", Error(rt, Warm + "b:read(0, b.ptr)"));
        Assert.Contains("bad argument #3 to 'write' (i32 expected, got string)", Error(rt, Warm + "b:write(0, 'i32', '1')"));
        Assert.Contains("bad argument #3 to 'write' (number has no integer representation)", Error(rt, Warm + "b:write(0, 'i32', 0.5)"));
        Assert.Contains("bad argument #3 to 'write' (f64 expected, got string)", Error(rt, Warm + "b:write(0, 'f64', '1')"));
        Assert.Contains("bad argument #3 to 'write' (bool expected, got number)", Error(rt, Warm + "b:write(0, 'bool', 0)"));
        Assert.Contains("bad argument #3 to 'write' (pointer expected, got number)", Error(rt, Warm + "b:write(0, 'pointer', 1)"));
        Assert.Contains("bad argument #3 to 'write' (i32 expected, got no value)", Error(rt, Warm + "b:write(0, 'i32')"));
        Assert.Contains("cannot store a Lua string as a char*", Error(rt, Warm + "b:write(0, 'string', 'abc')"));
        Assert.Contains("bad argument #2 to 'readBytes' (length must not be negative, got -1)", Error(rt, Warm + "b:readBytes(0, -1)"));
        Assert.Contains("Buffer:readBytes: offset 13 + 4 bytes is out of bounds (buffer size 16)", Error(rt, Warm + "b:readBytes(13, 4)"));
        Assert.Contains("Buffer:readBytes: offset 0 + 17 bytes is out of bounds (buffer size 16)", Error(rt, Warm + "b:readBytes(0, 17)"));
        Assert.Contains("bad argument #1 to 'readBytes' (offset expected, got string)", Error(rt, Warm + "b:readBytes('0', 4)"));
        // A value written before the failing call is still there: a fallback writes nothing.
        Assert.Equal(7L, rt.DoString(Ffi + Warm + "b:write(0, 'i32', 7) pcall(b.write, b, 0, 'i32', 0.5) pcall(b.write, b, 13, 'i32', 9) return b:read(0, 'i32')", "=test")[0]);
    }

    [Fact]
    public void ForeignSelfIsAnErrorNotACrash()
    {
        using var rt = Lua.NewRuntime();
        const string Warm = "local b = ffi.buffer(64) for i = 1, 3 do b:read(0, 'i32') b:write(0, 'i32', 1) end\n";
        foreach (var self in new[] { "io.stdout", "{}", "nil", "'abc'", "b.ptr", "42", "setmetatable({}, {})",
            // rawlen is large for these, but they are not userdata at all
            "string.rep('x', 64)", "{1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30}" })
        {
            foreach (var call in new[] { $"b.read({self}, 0, 'i32')", $"b.write({self}, 0, 'i32', 1)", $"b.readBytes({self}, 0, 1)" })
                Assert.Contains("bad self to", Error(rt, Warm + call));
        }
        Assert.Contains("Buffer expected, got FILE*", Error(rt, Warm + "b.read(io.stdout, 0, 'i32')"));
        Assert.Contains("Buffer expected, got pointer", Error(rt, Warm + "b.read(b.ptr, 0, 'i32')"));
    }

    [Fact]
    public void ATypeNameFirstResolvedInCSharpIsThenServedNatively()
    {
        Assert.Equal(true, Eval("""
            local b = ffi.buffer(16)
            local name = 'u' .. '16'        -- built at run time: a fresh use of the interned string
            b:write(2, name, 65535)          -- slow path: resolves and caches the name
            assert(b:read(2, name) == 65535) -- fast path
            assert(b:read(2, 'uint16_t') == 65535 and b:read(2, 'uint16_t') == 65535)
            assert(b:read(2, 'int16_t') == -1)
            return true
            """));
    }

    [Fact]
    public void AMillionMixedCallsWithCollections()
    {
        Assert.Equal(true, Eval("""
            local kinds = { 'i8', 'u8', 'i16', 'u16', 'i32', 'u32', 'i64', 'u64', 'f32', 'f64', 'bool', 'pointer' }
            local widths = { 1, 1, 2, 2, 4, 4, 8, 8, 4, 8, 1, 8 }
            local bufs = {}
            for i = 1, 8 do bufs[i] = ffi.buffer(64) end
            local sum = 0
            for n = 1, 1000000 do
              local b = bufs[n % 8 + 1]
              local k = n % 12 + 1
              local off = n % (64 - widths[k] + 1)
              local kind = kinds[k]
              if kind == 'bool' then
                b:write(off, kind, n % 2 == 0)
                assert(b:read(off, kind) == (n % 2 == 0))
              elseif kind == 'pointer' then
                b:write(off, kind, b.ptr)
                assert(b:read(off, kind) == b.ptr)
              elseif kind == 'f32' or kind == 'f64' then
                b:write(off, kind, n + 0.5)
                assert(b:read(off, kind) == n + 0.5)
              else
                b:write(off, kind, n % 100)
                assert(b:read(off, kind) == n % 100)
              end
              sum = sum + #b:readBytes(off, widths[k]) + b.size
              if n % 100000 == 0 then
                collectgarbage()
                bufs[n % 8 + 1] = ffi.buffer(64)
              end
            end
            assert(sum == 1000000 * 64 + (function()
              local s = 0
              for n = 1, 1000000 do s = s + widths[n % 12 + 1] end
              return s
            end)())
            return true
            """));
    }
}
