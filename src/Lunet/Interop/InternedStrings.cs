using static Lunet.Interop.LuaApi;

namespace Lunet.Interop;

/// <summary>
/// Short Lua strings are interned: while one lives, its address stands for its
/// content, so caches can key on lua_topointer of a type name. A cached string is
/// anchored in the registry so it lives as long as the state, and its address is
/// never reused for other content.
/// </summary>
internal static unsafe class InternedStrings
{
    /// <summary>LUAI_MAXSHORTLEN: longer strings are not interned.</summary>
    public const int MaxShortLength = 40;

    /// <summary>True when the value at idx is a string short enough to be interned.</summary>
    public static bool IsShort(nint L, int idx) => type(L, idx) == TSTRING && rawlen(L, idx) <= MaxShortLength;

    /// <summary>Keeps the string at idx alive as long as the state: anchors[s] = true in the registry.</summary>
    public static void Anchor(nint L, int idx)
    {
        idx = absindex(L, idx);
        if (LuaOps.GetField(L, LUA_REGISTRYINDEX, "ffi.anchors") != TTABLE)
        {
            settop(L, -2);
            createtable(L, 0, 16);
            pushvalue(L, -1);
            LuaOps.SetField(L, LUA_REGISTRYINDEX, "ffi.anchors");
        }
        pushvalue(L, idx);
        pushboolean(L, 1);
        rawset(L, -3);
        settop(L, -2);
    }
}
