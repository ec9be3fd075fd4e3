using Lunet.Tests.Support;

namespace Lunet.Tests.Hardening;

/// <summary>
/// The ffi's own objects cannot be forged or tampered with: getmetatable gives scripts a name,
/// and what debug.getmetatable/debug.setmetatable reach (the metatables' functions, handle
/// userdata with another object's metatable) gives errors or nothing, never a crash.
/// </summary>
public class TamperingTests
{
    const string Setup = """
        local ffi = require('ffi')
        local lib = ffi.open(TESTLIB)
        local _, handle = debug.getupvalue(lib.call, 1)
        local add = lib:wrap('i32', 'add', 'i32', 'i32')
        local _, slot = debug.getupvalue(add, 1)
        local buf = ffi.buffer(64)

        """;

    [Fact]
    public void GetmetatableGivesANameForEveryFfiObject()
    {
        using var rt = Lua.NewRuntime();
        var r = rt.DoString(Setup + """
            return getmetatable(ffi), getmetatable(lib), getmetatable(handle), getmetatable(slot),
                   getmetatable(buf), getmetatable(ffi.nullptr), getmetatable(buf:slice(0, 4))
            """, "=test");
        Assert.Equal(["ffi.table", "NativeLibrary", "ffi.libhandle", "ffi.binding", "Buffer", "pointer", "Buffer"], r);
    }

    [Fact]
    public void TheFfiIndexCalledByHandWithAnythingIsAnError()
    {
        using var rt = Lua.NewRuntime();
        Assert.Contains("bad argument #1 to '__index' (table expected, got number)",
            Lua.Error(rt, Setup + "debug.getmetatable(ffi).__index(12345, 'C')"));
        Assert.Equal(true, rt.DoString(Setup + "return debug.getmetatable(ffi).__index({}, 12345) == nil", "=test")[0]);
    }

    [Fact]
    public void HandleFinalizersCalledOnOtherObjectsDoNothing()
    {
        using var rt = Lua.NewRuntime();
        var r = rt.DoString(Setup + """
            local libgc = debug.getmetatable(handle).__gc
            local slotgc = debug.getmetatable(slot).__gc
            local stategc = debug.getmetatable(debug.getupvalue(buf.read, 2) and select(2, debug.getupvalue(buf.read, 2))).__gc
            for _, gc in ipairs({libgc, slotgc, stategc}) do
              for _, v in ipairs({buf, buf:slice(8, 8), io.stdout, handle, slot, 1, 'x', {}, ffi.nullptr}) do
                if gc ~= libgc or v ~= handle then
                  if gc ~= slotgc or v ~= slot then pcall(gc, v) end
                end
              end
            end
            buf:write(0, 'i32', 7)
            return buf:read(0, 'i32'), add(2, 3), lib:call('add', 'i32', {'i32', 'i32'}, 4, 5), lib:hasSymbol('add')
            """, "=test");
        Assert.Equal([7L, 5L, 9L, true], r);
    }

    [Fact]
    public void AFinalizerCalledByHandClosesItsObjectInsteadOfFreeingItTwice()
    {
        using var rt = Lua.NewRuntime();
        rt.DoString(Setup + """
            debug.getmetatable(handle).__gc(handle)
            debug.getmetatable(handle).__gc(handle)
            debug.getmetatable(slot).__gc(slot)
            debug.getmetatable(slot).__gc(slot)
            LIB, ADD = lib, add
            """, "=test");
        Assert.Contains("library was closed", Lua.Error(rt, "return ADD(1, 2)"));
        Assert.Contains("library was closed", Lua.Error(rt, "return LIB:call('add', 'i32', {'i32', 'i32'}, 1, 2)"));
        Assert.Contains("library was closed", Lua.Error(rt, "return LIB:getSymbol('add')"));
        Assert.Contains("library was closed", Lua.Error(rt, "return LIB:wrap('i32', 'add', 'i32', 'i32')"));
    }

    [Fact]
    public void TheLibraryHandleIsNotAFieldScriptsCanSeeOrReplace()
    {
        using var rt = Lua.NewRuntime();
        var r = rt.DoString(Setup + """
            local keys = {}
            for k in pairs(lib) do keys[#keys + 1] = tostring(k) end
            table.sort(keys)
            for _, k in ipairs(keys) do
              if k ~= 'call' then rawset(lib, k, buf) end
            end
            for _, v in ipairs({ffi.nullptr, buf, handle, slot, 12, {}}) do rawset(lib, v, v) end
            return table.concat(keys, ','), lib:hasSymbol('add'), lib:getSymbol('add') ~= nil
            """, "=test");
        Assert.Equal(["call,path", true, true], r);
    }

    [Fact]
    public void AMovedBufferMetatableDoesNotMakeABuffer()
    {
        using var rt = Lua.NewRuntime();
        var r = rt.DoString(Setup + """
            local bmt = debug.getmetatable(buf)
            local read = buf.read
            local results = {}
            for _, v in ipairs({handle, slot, io.stdout}) do
              local old = debug.getmetatable(v)
              debug.setmetatable(v, bmt)
              results[#results + 1] = select(2, pcall(read, v, 0, 'i64'))
              results[#results + 1] = select(2, pcall(ffi.read, v))
              results[#results + 1] = select(2, pcall(function() return v.size end))
              results[#results + 1] = select(2, pcall(ffi.address, v))
              results[#results + 1] = select(2, pcall(ffi.string, v, 8))
              debug.setmetatable(v, old)
            end
            return table.concat(results, '\n'), add(1, 1)
            """, "=test");
        var text = (string)r[0]!;
        Assert.DoesNotContain("internal error", text);
        Assert.Contains("Buffer expected", text);
        Assert.Contains("bad argument #1 to 'address' (pointer expected, got Buffer)", text);
        Assert.Contains("bad argument #1 to 'string' (pointer or Buffer expected, got Buffer)", text);
        Assert.Equal(2L, r[1]);
    }

    [Fact]
    public void AHandleMetatableOnAnotherUserdataIsHarmlessWhenCollected()
    {
        using var rt = Lua.NewRuntime();
        var r = rt.DoString(Setup + """
            local gcs = {debug.getmetatable(handle), debug.getmetatable(slot),
                         debug.getmetatable(select(2, debug.getupvalue(buf.read, 2)))}
            for i = 1, 30 do
              local b = ffi.buffer(i * 512)
              debug.setmetatable(b, gcs[i % 3 + 1])
              debug.setmetatable(buf:slice(0, 8), gcs[(i + 1) % 3 + 1])
            end
            collectgarbage(); collectgarbage()
            return add(20, 22), buf:read(0, 'i32')
            """, "=test");
        Assert.Equal([42L, 0L], r);
    }

    [Fact]
    public void TheBufferStateFinalizerCalledByHandLeavesBuffersWorking()
    {
        using var rt = Lua.NewRuntime();
        var r = rt.DoString(Setup + """
            local state = select(2, debug.getupvalue(buf.read, 2))
            debug.getmetatable(state).__gc(state)
            debug.getmetatable(state).__gc(state)
            buf:write(0, 'struct Q*', ffi.pointer(64))
            return ffi.address(buf:read(0, 'struct Q*')), buf:read(0, 'i64'), select(2, pcall(buf.read, buf, 0, 'no such type'))
            """, "=test");
        Assert.Equal(64L, r[0]);
        Assert.Equal(64L, r[1]);
        Assert.Contains("unknown C type 'no such type'", (string)r[2]!);
    }

    [Fact]
    public void PointerMetamethodsCalledByHandWithoutAPointerAreErrors()
    {
        using var rt = Lua.NewRuntime();
        var mt = "local ffi = require('ffi'); local mt = debug.getmetatable(ffi.nullptr)\n";
        Assert.Contains("attempt to perform pointer arithmetic (+) on a number and a number", Lua.Error(rt, mt + "return mt.__add(1, 2)"));
        Assert.Contains("attempt to subtract a pointer from a number", Lua.Error(rt, mt + "return mt.__sub(1, 2)"));
        Assert.Contains("attempt to compare number with pointer", Lua.Error(rt, mt + "return mt.__lt(1, ffi.nullptr)"));
        Assert.Equal("pointer: 0x0", rt.DoString(mt + "return mt.__tostring(12)")[0]);
    }
}
