using static Lunet.Interop.LuaApi;

namespace Lunet.Interop;

/// <summary>Per-state metatables kept in the registry under a name, made on first use.</summary>
internal static unsafe class Metatables
{
    /// <summary>Pushes the metatable registered as <paramref name="name"/>, building it with <paramref name="build"/> (table on top) the first time.</summary>
    public static void Push(nint L, string name, delegate*<nint, void> build)
    {
        if (LuaOps.GetField(L, LUA_REGISTRYINDEX, name) != TNIL) return;
        settop(L, -2);
        createtable(L, 0, 8);
        LuaOps.PushString(L, name);
        LuaOps.SetField(L, -2, "__name");
        build(L);
        pushvalue(L, -1);
        LuaOps.SetField(L, LUA_REGISTRYINDEX, name);
    }

    /// <summary>Frees the GCHandle stored at the start of a userdata block (a __gc metamethod).</summary>
    public static int FreeHandleGc(nint L)
    {
        var block = (nint*)touserdata(L, 1);
        if (block != null && *block != 0)
        {
            System.Runtime.InteropServices.GCHandle.FromIntPtr(*block).Free();
            *block = 0;
        }
        return 0;
    }

    /// <summary>A new userdata holding a GCHandle to <paramref name="target"/> at <paramref name="slot"/> (after <paramref name="slot"/> native words).</summary>
    public static nint* NewHandleUserdata(nint L, object target, int words = 1, int userValues = 0)
    {
        var block = (nint*)newuserdatauv(L, (nuint)(words * sizeof(nint)), userValues);
        for (int i = 0; i < words; i++) block[i] = 0;
        block[0] = System.Runtime.InteropServices.GCHandle.ToIntPtr(System.Runtime.InteropServices.GCHandle.Alloc(target));
        return block;
    }

    /// <summary>The object whose GCHandle heads the userdata at idx.</summary>
    public static T? HandleTarget<T>(nint L, int idx) where T : class
    {
        var block = (nint*)touserdata(L, idx);
        if (block == null || *block == 0) return null;
        return System.Runtime.InteropServices.GCHandle.FromIntPtr(*block).Target as T;
    }
}
