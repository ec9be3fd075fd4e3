using Lunet.Tests.Support;

namespace Lunet.Tests.Ffi;

/// <summary>A library nobody closed is unloaded once nothing made from it can be called any more.</summary>
public class UnloadTests
{
    static bool Mapped(string path) => File.ReadAllText("/proc/self/maps").Contains(path);

    static void CollectEverything(LuaRuntime rt)
    {
        for (int i = 0; i < 3; i++)
        {
            rt.DoString("collectgarbage(); collectgarbage()");
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
    }

    /// <summary>A private copy of the test library, so no other test holds it open.</summary>
    static string PrivateCopy()
    {
        var copy = Path.Combine(Path.GetTempPath(), $"liblunet-unload-{Guid.NewGuid():N}.so");
        File.Copy(Lua.TestLib, copy);
        return copy;
    }

    [Fact]
    public void UnreachableLibrariesAreUnloaded()
    {
        var copy = PrivateCopy();
        try
        {
            using var rt = new LuaRuntime(Lua.FullFfi);
            rt.SetGlobal("COPY", copy);
            rt.DoString("""
                local ffi = require('ffi')
                for i = 1, 50 do
                  local lib = ffi.open(COPY)
                  assert(lib:wrap('i32', 'add', 'i32', 'i32')(i, 1) == i + 1)
                  assert(lib:call('add', 'i32', {'i32', 'i32'}, i, 2) == i + 2)
                end
                """);
            Assert.True(Mapped(copy));
            CollectEverything(rt);
            Assert.False(Mapped(copy), "the library is still mapped after every object made from it was collected");
        }
        finally { File.Delete(copy); }
    }

    [Fact]
    public void AWrapperKeepsItsLibraryLoaded()
    {
        var copy = PrivateCopy();
        try
        {
            using var rt = new LuaRuntime(Lua.FullFfi);
            rt.SetGlobal("COPY", copy);
            rt.DoString("add = require('ffi').open(COPY):wrap('i32', 'add', 'i32', 'i32')");
            CollectEverything(rt);
            Assert.True(Mapped(copy));
            Assert.Equal(5L, rt.DoString("return add(2, 3)")[0]);
            rt.DoString("add = nil");
            CollectEverything(rt);
            Assert.False(Mapped(copy));
        }
        finally { File.Delete(copy); }
    }

    [Fact]
    public void ObjectsAFinalizerBringsBackAfterTheUnloadSayTheLibraryWasClosed()
    {
        var copy = PrivateCopy();
        try
        {
            using var rt = new LuaRuntime(Lua.FullFfi);
            rt.SetGlobal("COPY", copy);
            // The finalizer's table is made last, so Lua finalizes it first: it sees the objects
            // before their own __gc runs, and keeps them past it.
            rt.DoString("""
                do
                  local lib = require('ffi').open(COPY)
                  local add = lib:wrap('i32', 'add', 'i32', 'i32')
                  local call = lib.call
                  assert(lib:call('add', 'i32', {'i32', 'i32'}, 1, 2) == 3)
                  setmetatable({}, {__gc = function() LIB, ADD, CALL = lib, add, call end})
                end
                """);
            CollectEverything(rt);
            Assert.False(Mapped(copy), "the library should be unloaded once its objects were finalized");
            Assert.Equal(true, rt.DoString("return ADD ~= nil and LIB ~= nil")[0]);
            // The wrapper's slot no longer points at the library's closed cell (freed with it), but at
            // one that is never freed: freed memory may happen to read non-zero, so check the pointer itself.
            var slot = (string)rt.DoString("return tostring(select(2, debug.getupvalue(ADD, 1)))")[0]!;
            nint address = (nint)Convert.ToInt64(slot[(slot.IndexOf("0x") + 2)..], 16);
            unsafe { Assert.Equal(Lunet.Ffi.Calls.FunctionBinding.AlwaysClosed, *(nint*)(address + Lunet.Ffi.Calls.NativeSlot.ClosedCellOffset)); }
            foreach (var code in new[] { "return ADD(1, 2)", "return LIB:call('add', 'i32', {'i32', 'i32'}, 1, 2)",
                         "return CALL(LIB, 'add', 'i32', {'i32', 'i32'}, 1, 2)", "return LIB:getSymbol('add')",
                         "return LIB:value('i32', 'add')" })
                Assert.Contains("library was closed", Lua.Error(rt, code));
            Assert.Equal(5L, rt.DoString("return require('ffi').open(COPY):wrap('i32', 'add', 'i32', 'i32')(2, 3)")[0]);
        }
        finally { File.Delete(copy); }
    }
}
