using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using static Lunet.Interop.LuaApi;

namespace Lunet.Interop;

/// <summary>
/// Where Lua 5.4 keeps a running C function's arguments on x86-64: L->ci (lua_State @32, after
/// the common header, status, allowhook, nci, top and l_G) points at the CallInfo, whose first
/// word is func; argument i is the TValue at func + 16 * i, its tag byte at 8 (LUA_VNUMINT 0x03,
/// LUA_VNUMFLT 0x13, strings 0x44 / 0x54, false 0x01, true 0x11, light userdata 0x02, full
/// userdata 0x47). The variadic entry reads the extra arguments' tags there instead of
/// lua_type and lua_isinteger for each. Used only after <see cref="IsVerified"/> has checked the
/// layout against the running liblua: a C function called with one value of each kind must find
/// each tag, and the integer, float and light userdata values, where this says.
/// </summary>
internal static unsafe class LuaStackLayout
{
    public const int CallInfoOffset = 32, FuncOffset = 0, ValueSize = 16, TagOffset = 8;

    public const byte IntegerTag = 0x03, FloatTag = 0x13, ShortStringTag = 0x44, LongStringTag = 0x54,
        FalseTag = 0x01, TrueTag = 0x11, LightUserdataTag = 0x02, UserdataTag = 0x47;

    static readonly byte[] Expected =
        [IntegerTag, FloatTag, ShortStringTag, LongStringTag, FalseTag, TrueTag, LightUserdataTag, UserdataTag];

    const long IntegerValue = 0x1234_5678_9ABC;
    const double FloatValue = 2.5;
    const nint LightValue = 0x5EC7_1DEA;

    static int found;

    // After the values it checks against: static fields start in the order they are written.
    public static readonly bool IsVerified = Verify();

    static bool Verify()
    {
        if (IntPtr.Size != 8 || RuntimeInformation.ProcessArchitecture != Architecture.X64) return false;
        nint L = newstate();
        if (L == 0) return false;
        try
        {
            found = 0;
            pushcclosure(L, (nint)(delegate* unmanaged[Cdecl]<nint, int>)&Check, 0);
            pushinteger(L, IntegerValue);
            pushnumber(L, FloatValue);
            LuaOps.PushString(L, "s");
            LuaOps.PushString(L, new string('l', 64));    // past LUAI_MAXSHORTLEN: a long string
            pushboolean(L, 0);
            pushboolean(L, 1);
            pushlightuserdata(L, LightValue);
            newuserdatauv(L, 8, 0);
            return pcallk(L, Expected.Length, 0, 0, 0, 0) == LUA_OK && found == 1;
        }
        finally { close(L); }
    }

    /// <summary>Run by Lua with the values above: nothing here can raise.</summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    static int Check(nint L)
    {
        if (gettop(L) != Expected.Length) return 0;
        var ci = *(byte**)((byte*)L + CallInfoOffset);
        var func = *(byte**)(ci + FuncOffset);
        for (int i = 1; i <= Expected.Length; i++)
            if (func[i * ValueSize + TagOffset] != Expected[i - 1]) return 0;
        if (*(long*)(func + 1 * ValueSize) != IntegerValue || *(double*)(func + 2 * ValueSize) != FloatValue
            || *(nint*)(func + 7 * ValueSize) != LightValue)
            return 0;
        found = 1;
        return 0;
    }
}
