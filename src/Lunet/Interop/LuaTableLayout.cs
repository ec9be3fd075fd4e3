using static Lunet.Interop.LuaApi;
using static Lunet.Interop.LuaStackLayout;

namespace Lunet.Interop;

/// <summary>
/// Where Lua 5.4 keeps a table's array part (struct Table: next, tt, marked,
/// flags, lsizenode, unsigned alimit @12, TValue *array @16; a TValue is as
/// <see cref="LuaStackLayout"/> says). The lib:call fast path reads argument-type tables there
/// instead of one API call per element. Used only after <see cref="IsVerified"/>
/// has checked the layout against the running liblua: a table built through the
/// API must read back, element by element, as the API reports it.
/// </summary>
internal static unsafe class LuaTableLayout
{
    public const int AlimitOffset = 12, ArrayOffset = 16;

    public static readonly bool IsVerified = Verify();

    static bool Verify()
    {
        if (IntPtr.Size != 8) return false;
        return ScratchState.Run(L =>
        {
            createtable(L, 3, 0);
            var expected = new nint[3];
            for (int i = 0; i < 3; i++)
            {
                LuaOps.PushString(L, "t" + i);
                expected[i] = topointer(L, -1);
                rawseti(L, -2, i + 1);
            }
            var t = (byte*)topointer(L, -1);
            if (*(uint*)(t + AlimitOffset) != 3) return false;
            var array = *(byte**)(t + ArrayOffset);
            for (int i = 0; i < 3; i++)
            {
                if (*(nint*)(array + i * ValueSize) != expected[i]) return false;
                if (array[i * ValueSize + TagOffset] != ShortStringTag) return false;
            }
            return true;
        }, false);
    }
}
