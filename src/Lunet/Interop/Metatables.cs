using System.Runtime.InteropServices;
using static Lunet.Interop.LuaApi;

namespace Lunet.Interop;

/// <summary>
/// Per-state metatables kept in the registry under a name, made on first use, and the
/// handle userdata the ffi keeps its .NET objects in.
///
/// Every metatable made here has __metatable set, so getmetatable gives scripts a name,
/// not the table. That alone does not protect (debug.getmetatable and debug.setmetatable
/// bypass it), so a handle userdata also carries a tag of its kind in its second word:
/// code that trusts the GCHandle in the first word checks the tag first. A tag has its top
/// bit set, so it never equals what other ffi userdata hold there (a Buffer's size, an
/// address), and a metatable moved onto another userdata finds no tag.
/// </summary>
internal static unsafe class Metatables
{
    /// <summary>Pushes the metatable registered as <paramref name="name"/>, building it with <paramref name="build"/> (table on top) the first time.</summary>
    public static void Push(nint L, string name, delegate*<nint, void> build)
    {
        // Read raw and only a table is taken: debug.getregistry lets a script put anything there,
        // and lua_setmetatable with a non-table crashes. Anything else is replaced by a new metatable.
        LuaOps.PushString(L, name);
        if (rawget(L, LUA_REGISTRYINDEX) == TTABLE) return;
        settop(L, -2);
        createtable(L, 0, 8);
        LuaOps.PushString(L, name);
        LuaOps.RawSetField(L, -2, "__name");
        Protect(L, -1, name);
        build(L);
        pushvalue(L, -1);
        LuaOps.RawSetField(L, LUA_REGISTRYINDEX, name);
    }

    /// <summary>Sets __metatable on the metatable at <paramref name="mt"/>: getmetatable then answers <paramref name="name"/>.</summary>
    public static void Protect(nint L, int mt, string name)
    {
        mt = absindex(L, mt);
        LuaOps.PushString(L, name);
        LuaOps.RawSetField(L, mt, "__metatable");
    }

    /// <summary>A new random tag for one kind of handle userdata (top bit set).</summary>
    public static long NewTag()
    {
        long t = BitConverter.ToInt64(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8));
        return t | long.MinValue;
    }

    /// <summary>Words every handle userdata starts with: the GCHandle, then the tag.</summary>
    public const int HeaderWords = 2;

    /// <summary>A new userdata of <paramref name="words"/> native words: a GCHandle to <paramref name="target"/>, <paramref name="tag"/>, then zeros.</summary>
    public static nint* NewHandleUserdata(nint L, object target, long tag, int words = HeaderWords, int userValues = 0)
    {
        if (words < HeaderWords) words = HeaderWords;
        var block = (nint*)newuserdatauv(L, (nuint)(words * sizeof(nint)), userValues);
        for (int i = 0; i < words; i++) block[i] = 0;
        block[1] = (nint)tag;
        block[0] = GCHandle.ToIntPtr(GCHandle.Alloc(target));
        return block;
    }

    /// <summary>
    /// The block of the handle userdata of kind <paramref name="tag"/> (at least
    /// <paramref name="words"/> words) at idx, or null when idx holds anything else.
    /// </summary>
    public static nint* HandleBlock(nint L, int idx, long tag, int words = HeaderWords)
    {
        if (type(L, idx) != TUSERDATA || rawlen(L, idx) < (ulong)(words * sizeof(nint))) return null;
        var block = (nint*)touserdata(L, idx);
        return block[1] == (nint)tag ? block : null;
    }

    /// <summary>
    /// Frees the GCHandle of the handle userdata of kind <paramref name="tag"/> at 1 (its __gc). Anything
    /// else (a metatable moved onto another userdata, a hand call) is left alone. Called twice, it frees once.
    /// </summary>
    public static nint* FreeHandle(nint L, long tag, int words = HeaderWords)
    {
        var block = HandleBlock(L, 1, tag, words);
        if (block == null) return null;
        if (block[0] != 0)
        {
            GCHandle.FromIntPtr(block[0]).Free();
            block[0] = 0;
        }
        return block;
    }
}
