using Lunet.Tests.Support;

namespace Lunet.Tests.Ffi;

/// <summary>
/// Random calls of the ffi's checked surface (fixed seed): every one must return or
/// raise a Lua error, never crash, and the runtime must work afterwards. Left out, by
/// design: what reads raw memory at an address the script chose (ffi.cast/ffi.string
/// of a raw non-NULL pointer, lib:value with a type wider than the variable), which no
/// FFI can check, and a C string as the return type of a function that returns
/// something else (a wrong declaration makes any FFI read through a garbage pointer).
/// </summary>
public class FuzzTests
{
    [Fact]
    public void RandomCallsOnlyReturnOrRaise()
    {
        using var rt = Lua.NewRuntime();
        var r = rt.DoString("""
            local ffi = require('ffi')
            local lib = ffi.open(TESTLIB)
            math.randomseed(20261122)
            local R = math.random
            local bufs = { ffi.buffer(0), ffi.buffer(1), ffi.buffer(16), ffi.buffer(33) }
            bufs[5] = bufs[4]:slice(3, 9)
            local values = {
              nil, true, false, 0, 1, -1, 2, 7, 16, 17, 33, 255, -255, 2^31, 2^32, 2^53, 2^63, -2^63,
              math.maxinteger, math.mininteger, 0.5, -0.5, 1e308, -1e308, math.huge, -math.huge, 0/0,
              '', 'x', 'i32', 'u64', 'pointer', 'string', 'bool', 'void', 'int*', 'char*', 'i33', 'add',
              'MY_MAGIC_INT', 'no_such', ('a'):rep(100), 'z', 'm', '/nonexistent/libx.so', {}, {'i32'},
              {'i32', 'i32'}, {1, 2}, print, io.stdout, ffi.nullptr, coroutine.create(print),
              bufs[1], bufs[2], bufs[3], bufs[4], bufs[5],
            }
            local function any() return values[R(#values + 1)] end  -- one past the end: nil
            local function args(n) local t = {} for i = 1, n do t[i] = any() end return t, n end
            local safeFunctions = { 'add', 'addf', 'mulf', 'noop', 'id_i8', 'id_u64', 'id_ptr', 'is_null', 'not_bool', 'id_f32', 'sum16' }
            local function ret(t) if t == 'string' or t == 'char*' then return 'i32' end return t end
            local calls = {
              function(...) return ffi.open(...) end,
              function(...) return ffi.sizeof(...) end,
              function(...) return ffi.alignof(...) end,
              function(...) return ffi.isNull(...) end,
              function(...) return ffi.address(...) end,
              function(...) return ffi.pointer(...) end,
              -- sizes up to 1 MB: gigabyte Buffers are valid but slow to zero-fill
              function(n, ...) if type(n) ~= 'number' or n < 2^20 then return ffi.buffer(n, ...) end end,
              function(n, ...) if type(n) ~= 'number' or n < 2^20 then return ffi.alloc(n, ...) end end,
              function(...) return ffi.read(...) end,
              function(...) return ffi.write(...) end,
              function(p, t) if type(p) == 'userdata' and getmetatable(p) ~= nil or p == nil then return ffi.cast(p, t) end end,
              function(p, n) if type(p) == 'userdata' and getmetatable(p) ~= nil or p == nil then return ffi.string(p, n) end end,
              function(...) return lib:getSymbol(...) end,
              function(...) return lib:hasSymbol(...) end,
              function(t, ...) return lib:wrap(ret(t), safeFunctions[R(#safeFunctions)], ...) end,
              function(t, a, ...) return lib:wrap(ret(t), safeFunctions[R(#safeFunctions)], a)(...) end,
              function(r, a, ...) return lib:call(safeFunctions[R(#safeFunctions)], ret(r), a, ...) end,
              function(a, b) return ffi.pointer(4096) + a, ffi.pointer(4096) - b end,
            }
            for _, method in ipairs({ 'read', 'write', 'readBytes', 'writeBytes', 'readString', 'writeString', 'slice', 'zero' }) do
              calls[#calls + 1] = function(...) local b = bufs[R(#bufs)]; return b[method](b, ...) end
              calls[#calls + 1] = function(self, ...) return bufs[3][method](self, ...) end
            end
            local ok, failed = 0, 0
            for i = 1, 100000 do
              local f = calls[R(#calls)]
              local a, n = args(R(0, 5))
              if pcall(f, table.unpack(a, 1, n)) then ok = ok + 1 else failed = failed + 1 end
              if i % 10000 == 0 then collectgarbage() end
            end
            return ok, failed
            """);
        Assert.True((long)r[0]! > 1000, $"{r[0]} calls succeeded");
        Assert.True((long)r[1]! > 1000, $"{r[1]} calls failed");
        Assert.Equal(42L, rt.DoString("return require('ffi').open(TESTLIB):wrap('i32', 'add', 'i32', 'i32')(40, 2)")[0]);
    }
}
