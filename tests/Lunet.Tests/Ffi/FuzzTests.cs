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
    /// <summary>Messages that are not the ffi's own words: a .NET exception's text reached the script.</summary>
    const string NotOurWordsCode = """
        local function NotOurWords(err)
          local s = tostring(err)
          return s:find('internal error', 1, true) or s:find('Exception', 1, true) or s:find('System.', 1, true)
        end

        """;

    [Fact]
    public void RandomCallsOnlyReturnOrRaise()
    {
        using var rt = Lua.NewRuntime();
        var r = rt.DoString(NotOurWordsCode + """
            local ffi = require('ffi')
            local lib = ffi.open(TESTLIB)
            local leaked = {}
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
              local good, err = pcall(f, table.unpack(a, 1, n))
              if good then ok = ok + 1 else failed = failed + 1 end
              if not good and NotOurWords(err) then leaked[#leaked + 1] = tostring(err) end
              if i % 10000 == 0 then collectgarbage() end
            end
            return ok, failed, table.concat(leaked, '\n', 1, math.min(#leaked, 5))
            """);
        Assert.True((long)r[0]! > 1000, $"{r[0]} calls succeeded");
        Assert.True((long)r[1]! > 1000, $"{r[1]} calls failed");
        Assert.Equal("", r[2]);
        Assert.Equal(42L, rt.DoString("return require('ffi').open(TESTLIB):wrap('i32', 'add', 'i32', 'i32')(40, 2)")[0]);
    }

    /// <summary>
    /// Random tampering (fixed seed): the functions debug.getmetatable finds on every ffi object
    /// called with random arguments, rawset/rawget on library tables, metatables swapped between
    /// ffi objects with debug.setmetatable, and ordinary calls on the tampered objects. Every call
    /// returns or raises in the ffi's own words; afterwards the runtime works.
    /// </summary>
    [Fact]
    public void RandomTamperingOnlyReturnsOrRaises()
    {
        using var rt = Lua.NewRuntime();
        var r = rt.DoString(NotOurWordsCode + """
            local ffi = require('ffi')
            math.randomseed(20261201)
            local R = math.random
            local pointerMt = debug.getmetatable(ffi.nullptr)
            local scalars = { nil, true, 0, 1, -1, 7, 64, 2^31, 2^63, math.maxinteger, math.mininteger, 0.5, 0/0,
                              '', 'i32', 'u64', 'string', 'pointer', 'void', 'int*', 'add', 'MY_MAGIC_INT', 'MY_STRING',
                              'C', 'path', 'call', 'size', 'ptr', ('x'):rep(5000), 'a\0b', type, {}, {'i32', 'i32'} }
            local objs, libs, fns, mts, own
            local function build()
              local lib = ffi.open(TESTLIB)
              local add = lib:wrap('i32', 'add', 'i32', 'i32')
              local buf = ffi.buffer(64)
              lib:call('add', 'i32', {'i32', 'i32'}, 1, 2)
              objs = { ffi, lib, ffi.C, buf, buf:slice(8, 16), ffi.buffer(0), add, lib.call, ffi.nullptr, ffi.pointer(4096),
                       select(2, debug.getupvalue(lib.call, 1)), select(2, debug.getupvalue(add, 1)),
                       select(2, debug.getupvalue(buf.read, 2)), io.stdout }
              libs = { lib, ffi.C }
              fns, mts, own = {}, {}, {}
              for i = 1, #objs - 1 do   -- io.stdout is a value to pass, not an ffi object to take apart
                local mt = debug.getmetatable(objs[i])
                own[i] = {}
                if type(mt) == 'table' then
                  mts[#mts + 1] = mt
                  for k, v in pairs(mt) do
                    if type(v) == 'function' then fns[#fns + 1] = v; table.insert(own[i], v)
                    elseif type(v) == 'table' then
                      for k2, v2 in pairs(v) do
                        if type(v2) == 'function' and k2 ~= 'close' then fns[#fns + 1] = v2; table.insert(own[i], v2) end
                      end
                    end
                  end
                end
              end
              for _, m in ipairs({'read', 'write', 'readBytes', 'writeBytes', 'readString', 'writeString', 'slice', 'zero'}) do
                fns[#fns + 1] = buf[m]
              end
            end
            local function any()
              if R(2) == 1 then return objs[R(#objs)] end
              return scalars[R(#scalars + 1)]
            end
            local function args(n) local t = {} for i = 1, n do t[i] = any() end return t, n end
            local actions = {
              function(...) return fns[R(#fns)](...) end,
              function(...) return fns[R(#fns)](objs[R(#objs)], ...) end,
              -- an object's own metamethods and methods (its __gc too) on itself
              function(...) local k = R(#own); local f = own[k][R(math.max(#own[k], 1))]; if f then return f(objs[k], ...) end end,
              function(k, v) if k ~= nil and k == k then rawset(libs[R(#libs)], k, v) end end,
              function(k) if k ~= nil then return rawget(libs[R(#libs)], k) end end,
              function() local o = objs[R(#objs - 1)]; if R(4) == 1 then debug.setmetatable(o, nil) else debug.setmetatable(o, mts[R(#mts)]) end end,
              function(o) return tostring(o), #o end,
              function(o, k) return o[k] end,
              function(o, ...) return o + 1, o - 1, o < o end,
              function(o, ...) return o:getSymbol(...) end,
              function(o, ...) return o:read(...) end,
              function(o, ...) return o.call(o, 'add', 'i32', {'i32', 'i32'}, ...) end,
              function(...) return ffi.sizeof(...), ffi.address(...), ffi.isNull(...) end,
              function(...) return ffi.read(...) end,
              function(o) return objs[7](1, 2) end,
              function(o) return libs[1]:call('add', 'i32', {'i32', 'i32'}, 3, 4) end,
              function(o) return libs[1]:value('i32', 'MY_MAGIC_INT') end,
            }
            local ok, failed, leaked = 0, 0, {}
            build()
            for i = 1, 60000 do
              local f = actions[R(#actions)]
              local a, n = args(R(0, 4))
              local good, err = pcall(f, table.unpack(a, 1, n))
              if good then ok = ok + 1 else failed = failed + 1 end
              if not good and NotOurWords(err) then leaked[#leaked + 1] = tostring(err) end
              if i % 2000 == 0 then
                debug.setmetatable(ffi.nullptr, pointerMt)
                collectgarbage()
                build()
              end
            end
            debug.setmetatable(ffi.nullptr, pointerMt)
            collectgarbage(); collectgarbage()
            return ok, failed, table.concat(leaked, '\n', 1, math.min(#leaked, 5))
            """, "=fuzz");
        Assert.True((long)r[0]! > 1000, $"{r[0]} calls succeeded");
        Assert.True((long)r[1]! > 1000, $"{r[1]} calls failed");
        Assert.Equal("", r[2]);
        var after = rt.DoString("""
            local ffi = require('ffi')
            local lib = ffi.open(TESTLIB)
            local b = ffi.buffer(8)
            b:write(0, 'i32', 40)
            return lib:wrap('i32', 'add', 'i32', 'i32')(b:read(0, 'i32'), 2), lib:call('add', 'i32', {'i32', 'i32'}, 1, 2),
                   ffi.address(ffi.pointer(16) + 4), getmetatable(lib)
            """);
        Assert.Equal([42L, 3L, 20L, "NativeLibrary"], after);
    }
}
