using Lunet.Tests.Support;

namespace Lunet.Tests.Ffi;

/// <summary>
/// The native stubs (lib:wrap) and the emitted managed stubs (lib:call with type names
/// too long to be cached, so every call takes the managed path) must agree on every
/// value of every Lua type: the same result, or the same error message.
/// </summary>
public class StubAgreementTests
{
    [Theory]
    [InlineData("id_i8", "i8")] [InlineData("id_u8", "u8")] [InlineData("id_i16", "i16")] [InlineData("id_u16", "u16")]
    [InlineData("id_i32", "i32")] [InlineData("id_u32", "u32")] [InlineData("id_i64", "i64")] [InlineData("id_u64", "u64")]
    [InlineData("id_f32", "f32")] [InlineData("id_f64", "f64")] [InlineData("not_bool", "bool")]
    [InlineData("id_ptr", "pointer")] [InlineData("str_len", "string")]
    public void NativeAndManagedStubsAgreeOnEveryKindOfValue(string function, string type)
    {
        var ret = function == "str_len" ? "i64" : type;
        Assert.Equal("agree", Lua.Eval($$"""
            local ffi = require('ffi')
            local lib = ffi.open(TESTLIB)
            local pad = string.rep(' ', 48)         -- longer than Lua's short strings: never cached
            local native = lib:wrap('{{ret}}', '{{function}}', '{{type}}')
            local function managed(...) return lib:call('{{function}}', '{{ret}}' .. pad, {'{{type}}' .. pad}, ...) end
            local buf = ffi.buffer(8)
            local values = {
              nil, true, false, 0, -1, 1, 200, -200, 65535, 2^31, 2^32 + 5, math.maxinteger, math.mininteger,
              1.5, -0.0, 2^53, 1e300, math.huge, -math.huge, 0/0, '12', 'x', '', {}, print, ffi.nullptr,
              ffi.pointer(0x1000), buf, buf:slice(2, 4), io.stdout, coroutine.create(print),
            }
            local n = 31
            local function show(ok, ...)
              local v = ...
              -- the managed call sits in a Lua function, so its message carries a position: compare without it
              if not ok then return 'error: ' .. tostring(v):gsub('^test:%d+: ', '') end
              if type(v) == 'number' and v ~= v then return 'nan' end
              if type(v) == 'userdata' then return 'pointer ' .. ffi.address(v) end
              return (math.type(v) or type(v)) .. ' ' .. tostring(v)
            end
            for i = 1, n do
              local v = values[i]
              local a = show(pcall(native, v))
              local b = show(pcall(managed, v))
              if a ~= b then error(('value #%d (%s): native %s, managed %s'):format(i, tostring(v), a, b)) end
            end
            -- argument counts
            local a = show(pcall(native)); local b = show(pcall(managed))
            if a ~= b then error('no argument: ' .. tostring(a) .. ' / ' .. tostring(b)) end
            return 'agree'
            """));
    }
}

/// <summary>The native Buffer members and their C# fallbacks (reached with uncacheable type names) agree.</summary>
public class BufferPathAgreementTests
{
    [Theory]
    [InlineData("i8")] [InlineData("u8")] [InlineData("i16")] [InlineData("u16")] [InlineData("i32")] [InlineData("u32")]
    [InlineData("i64")] [InlineData("u64")] [InlineData("f32")] [InlineData("f64")] [InlineData("bool")] [InlineData("pointer")]
    public void NativeAndCSharpBufferAccessAgree(string type)
    {
        Assert.Equal("agree", Lua.Eval($$"""
            local ffi = require('ffi')
            local pad = string.rep(' ', 48)
            local fast, slow = ffi.buffer(16), ffi.buffer(16)
            local function show(ok, ...)
              local v = ...
              if not ok then return 'error: ' .. tostring(v):gsub('^test:%d+: ', '') end
              if type(v) == 'number' and v ~= v then return 'nan' end
              if type(v) == 'userdata' and getmetatable(v) == nil then return tostring(v) end
              if type(v) == 'userdata' then return 'pointer ' .. ffi.address(v) end
              return (math.type(v) or type(v)) .. ' ' .. tostring(v)
            end
            local offsets = {-1, 0, 1, 7, 8, 12, 14, 15, 16, 17, 1.5, 2^63, -2^63, math.maxinteger, '1', nil, true}
            local values = {nil, true, false, 0, -1, 200, 70000, 2^32 + 1, math.mininteger, 1.5, 1e300, 0/0, '3', {}, ffi.pointer(0x10), fast}
            for i = 1, 17 do
              local off = offsets[i]
              for j = 1, 16 do
                local v = values[j]
                local a = show(pcall(fast.write, fast, off, '{{type}}', v))
                local b = show(pcall(slow.write, slow, off, '{{type}}' .. pad, v))
                if a ~= b then error(('write at %s of %s: native %s, C# %s'):format(tostring(off), tostring(v), a, b)) end
                a = show(pcall(fast.read, fast, off, '{{type}}'))
                b = show(pcall(slow.read, slow, off, '{{type}}' .. pad))
                if a ~= b then error(('read at %s: native %s, C# %s'):format(tostring(off), a, b)) end
                if fast:readBytes(0, 16) ~= slow:readBytes(0, 16) then error('memory differs after write at ' .. tostring(off)) end
              end
            end
            return 'agree'
            """));
    }
}
