using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using static Lunet.Interop.LuaApi;

namespace Lunet.Interop;

/// <summary>
/// The private layout of Lua 5.4's stack as the running liblua has it, for native code that reads or
/// writes it without an API call; each part is checked once and unused when the check fails.
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
        return ScratchState.Run(L =>
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
        }, false);
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

    /// <summary>
    /// A full userdata's value is its Udata: the number of user values at <see cref="UserValuesOffset"/>
    /// (16 bits), the block's length at <see cref="LengthOffset"/>, and the block itself at
    /// <see cref="MemoryOffset"/> with no user values, else after them (<see cref="UserValuesStart"/> +
    /// <see cref="ValueSize"/> each): what lua_touserdata and lua_rawlen give, read without a call.
    /// Checked on a C function's arguments (userdata of several lengths with none, one and two user
    /// values) against those two API calls; the call stubs read struct instances this way only when it holds.
    /// </summary>
    public const int UserValuesOffset = 10, LengthOffset = 16, MemoryOffset = 32, UserValuesStart = 40;

    /// <summary>Where a full userdata's block starts in its Udata.</summary>
    public static int BlockOffset(int userValues) => userValues == 0 ? MemoryOffset : UserValuesStart + userValues * ValueSize;

    static int userdataFound;

    public static readonly bool UserdataVerified = IsVerified && VerifyUserdata();

    static bool VerifyUserdata() => ScratchState.Run(L =>
        {
            userdataFound = 0;
            pushcclosure(L, (nint)(delegate* unmanaged[Cdecl]<nint, int>)&CheckUserdata, 0);
            newuserdatauv(L, 24, 0);
            newuserdatauv(L, 1000, 0);
            newuserdatauv(L, 48, 1);
            newuserdatauv(L, 33, 2);
            return pcallk(L, 4, 0, 0, 0, 0) == LUA_OK && userdataFound == 1;
        }, false);

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    static int CheckUserdata(nint L)
    {
        if (gettop(L) != 4) return 0;
        var func = *(byte**)(*(byte**)((byte*)L + CallInfoOffset) + FuncOffset);
        ReadOnlySpan<int> userValuesMade = [0, 0, 1, 2];
        for (int i = 1; i <= 4; i++)
        {
            if (func[i * ValueSize + TagOffset] != UserdataTag) return 0;
            var u = *(byte**)(func + i * ValueSize);
            if (*(ulong*)(u + LengthOffset) != rawlen(L, i)) return 0;
            int userValues = *(ushort*)(u + UserValuesOffset);
            if (userValues != userValuesMade[i - 1] || (nint)(u + BlockOffset(userValues)) != touserdata(L, i)) return 0;
        }
        userdataFound = 1;
        return 0;
    }

    /// <summary>
    /// A running C closure's value on the stack (at L->ci->func, tag <see cref="CClosureTag"/>) is its
    /// CClosure, whose upvalues are values from <see cref="CClosureUpvaluesOffset"/> on: the native
    /// wrappers' entry finds its slot (upvalue 1, a full userdata with no user value) there instead of
    /// calling lua_touserdata. Checked on a C closure over such a userdata.
    /// </summary>
    public const int CClosureUpvaluesOffset = 32;
    public const byte CClosureTag = 0x66;

    static int upvalueFound;

    public static readonly bool UpvalueVerified = UserdataVerified && VerifyUpvalue();

    static bool VerifyUpvalue() => ScratchState.Run(L =>
        {
            upvalueFound = 0;
            newuserdatauv(L, 48, 0);
            pushcclosure(L, (nint)(delegate* unmanaged[Cdecl]<nint, int>)&CheckUpvalue, 1);
            return pcallk(L, 0, 0, 0, 0, 0) == LUA_OK && upvalueFound == 1;
        }, false);

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    static int CheckUpvalue(nint L)
    {
        var func = *(byte**)(*(byte**)((byte*)L + CallInfoOffset) + FuncOffset);
        if (func[TagOffset] != CClosureTag) return 0;
        var upvalue = *(byte**)func + CClosureUpvaluesOffset;
        if (upvalue[TagOffset] != UserdataTag) return 0;
        var u = *(byte**)upvalue;
        if (*(ushort*)(u + UserValuesOffset) != 0 || (nint)(u + MemoryOffset) != touserdata(L, UpvalueIndex(1))) return 0;
        upvalueFound = 1;
        return 0;
    }

    /// <summary>
    /// The offset of lua_State.top (a pointer to the first free stack slot), or -1 when it was not
    /// found. Found once on a state of our own, then checked: a push of an integer and of a float must
    /// land where and as Lua 5.4 lays them out, a pop must move the pointer back, and a push or pop
    /// made through it must be one the API sees.
    /// </summary>
    public static readonly int TopOffset = Calibrate();

    const int Scanned = 256;

    static int Calibrate()
    {
        if (!Lunet.Ffi.Calls.NativeStubCompiler.IsSupported) return -1;
        return ScratchState.Run(L =>
        {
            // A word that moves by one slot per push and back per pop, the same word in every test.
            var before = Words(L);
            pushinteger(L, 0x1234_5678_9ABC);
            var after = Words(L);
            int found = -1;
            for (int w = 0; w < before.Length; w++)
            {
                if (after[w] - before[w] != ValueSize) continue;
                if (found >= 0) return -1;
                found = w * 8;
            }
            if (found < 0) return -1;
            byte* top = *(byte**)(L + found);
            if (*(long*)(top - ValueSize) != 0x1234_5678_9ABC || top[-ValueSize + TagOffset] != IntegerTag) return -1;
            pushnumber(L, 1.5);
            top = *(byte**)(L + found);
            if (*(double*)(top - ValueSize) != 1.5 || top[-ValueSize + TagOffset] != FloatTag) return -1;
            settop(L, -3);
            if (*(long*)(L + found) != before[found / 8]) return -1;
            // A push made here is one the API reads back, and a pop made here one it sees.
            top = *(byte**)(L + found);
            *(long*)top = 42;
            top[TagOffset] = IntegerTag;
            *(byte**)(L + found) = top + ValueSize;
            int isnum;
            if (gettop(L) != 1 || type(L, -1) != TNUMBER || tointegerx(L, -1, &isnum) != 42 || isnum == 0) return -1;
            *(byte**)(L + found) = top;
            if (gettop(L) != 0) return -1;
            return found;
        }, -1);
    }

    static long[] Words(nint L)
    {
        var w = new long[Scanned / 8];
        for (int i = 0; i < w.Length; i++) w[i] = *(long*)(L + i * 8);
        return w;
    }

    /// <summary>Lua 5.4's lua_State.stack on x86-64 (after top, l_G, ci and stack_last): the stack's first slot.</summary>
    const int StackBaseOffset = 48;

    /// <summary>
    /// Whether <see cref="FrameDepth"/> reads this liblua54 right: checked once, on a state of its own,
    /// at two depths (after the stack layout above, which it builds on).
    /// </summary>
    public static readonly bool IsFrameDepthVerified = VerifyFrameDepth();

    /// <summary>
    /// How far the running function of <paramref name="L"/> sits from its stack's first slot, in values
    /// (L->ci->func - L->stack): it grows with every nested call and does not move when the stack is
    /// reallocated. Read only where <see cref="IsFrameDepthVerified"/>.
    /// </summary>
    public static int FrameDepth(nint L) => (int)(FrameBytes(L) / ValueSize);

    static long FrameBytes(nint L)
    {
        var ci = *(byte**)(L + CallInfoOffset);
        return *(long*)(ci + FuncOffset) - *(long*)(L + StackBaseOffset);
    }

    static long frameBytesSeen;

    static bool VerifyFrameDepth()
    {
        if (!IsVerified) return false;
        return ScratchState.Run(L =>
        {
            // At the top level the running frame is base_ci, whose function is the stack's first slot.
            if (FrameBytes(L) != 0) return false;
            // Three values pushed, then a C function: its frame's function is the fourth value past the first slot.
            frameBytesSeen = -1;
            pushnil(L); pushnil(L); pushnil(L);
            pushcclosure(L, (nint)(delegate* unmanaged[Cdecl]<nint, int>)&SeeFrame, 0);
            return pcallk(L, 0, 0, 0, 0, 0) == LUA_OK && frameBytesSeen == 4 * ValueSize;
        }, false);
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    static int SeeFrame(nint L)
    {
        frameBytesSeen = FrameBytes(L);
        return 0;
    }
}
