using Lunet.Interop;
using static Lunet.Interop.X64Assembler;

namespace Lunet.Ffi.Callbacks;

/// <summary>
/// The trampolines' shortcut past four Lua C API calls on their hot path: pushing an integer
/// argument, copying the function kept on top, reading an integer result and dropping the values they pushed, done on the
/// lua_State's top pointer itself (lua_State.top, a pointer to 16-byte stack slots whose value
/// is followed by its type tag). The offset of that pointer in liblua54's private lua_State is
/// found once on a state of our own and then checked: a push of an integer and of a float must
/// land where and as Lua 5.4 lays them out, and a pop must move the pointer back. Where anything
/// differs (another build of Lua), <see cref="TopOffset"/> is -1 and the trampolines call the API.
///
/// Why this is safe where it is used: the pushes go to slots Lua guarantees the ffi call's C
/// function (LUA_MINSTACK, checked as the API push is), an integer needs no collector barrier,
/// and the slots dropped are the ones the trampoline pushed (never a to-be-closed variable, which
/// is what lua_settop would also look for).
/// </summary>
internal static unsafe class LuaStackAccess
{
    /// <summary>Bytes of a Lua stack slot (StackValue), and where its type tag is.</summary>
    public const int SlotSize = 16, TagOffset = 8;

    /// <summary>Lua 5.4's type tags for an integer and a float (LUA_VNUMINT, LUA_VNUMFLT).</summary>
    public const byte IntegerTag = 0x03, FloatTag = 0x13;

    /// <summary>The offset of lua_State.top, or -1 when it was not found.</summary>
    public static readonly int TopOffset = Calibrate();

    const int Scanned = 256;

    static int Calibrate()
    {
        if (!Calls.NativeStubCompiler.IsSupported) return -1;
        var L = LuaApi.newstate();
        if (L == 0) return -1;
        try
        {
            // A word that moves by one slot per push and back per pop, the same word in every test.
            var before = Words(L);
            LuaApi.pushinteger(L, 0x1234_5678_9ABC);
            var after = Words(L);
            int found = -1;
            for (int w = 0; w < before.Length; w++)
            {
                if (after[w] - before[w] != SlotSize) continue;
                if (found >= 0) return -1;
                found = w * 8;
            }
            if (found < 0) return -1;
            byte* top = *(byte**)(L + found);
            if (*(long*)(top - SlotSize) != 0x1234_5678_9ABC || top[-SlotSize + TagOffset] != IntegerTag) return -1;
            LuaApi.pushnumber(L, 1.5);
            top = *(byte**)(L + found);
            if (*(double*)(top - SlotSize) != 1.5 || top[-SlotSize + TagOffset] != FloatTag) return -1;
            LuaApi.settop(L, -3);
            if (*(long*)(L + found) != before[found / 8]) return -1;
            // A push made here is one the API reads back, and a pop made here one it sees.
            top = *(byte**)(L + found);
            *(long*)top = 42;
            top[TagOffset] = IntegerTag;
            *(byte**)(L + found) = top + SlotSize;
            int isnum;
            if (LuaApi.gettop(L) != 1 || LuaApi.type(L, -1) != LuaApi.TNUMBER || LuaApi.tointegerx(L, -1, &isnum) != 42 || isnum == 0) return -1;
            *(byte**)(L + found) = top;
            if (LuaApi.gettop(L) != 0) return -1;
            return found;
        }
        finally { LuaApi.close(L); }
    }

    static long[] Words(nint L)
    {
        var w = new long[Scanned / 8];
        for (int i = 0; i < w.Length; i++) w[i] = *(long*)(L + i * 8);
        return w;
    }

    /// <summary>Pushes the integer in <paramref name="value"/> onto the state in <paramref name="state"/> (rax is used).</summary>
    public static void EmitPushInteger(X64Assembler a, int state, int value)
    {
        a.Load64(Rax, state, TopOffset);
        a.Store64(Rax, 0, value);
        a.MovImm32(value, IntegerTag);
        a.Store8(Rax, TagOffset, value);
        a.AddImm32(Rax, SlotSize, wide: true);
        a.Store64(state, TopOffset, Rax);
    }

    /// <summary>Pushes a copy of the value on top (a function: no collector barrier is needed for the stack; rax and rcx are used).</summary>
    public static void EmitPushTop(X64Assembler a, int state)
    {
        a.Load64(Rax, state, TopOffset);
        a.Load64(Rcx, Rax, -SlotSize);
        a.Store64(Rax, 0, Rcx);
        a.Load64(Rcx, Rax, -SlotSize + 8);
        a.Store64(Rax, 8, Rcx);
        a.AddImm32(Rax, SlotSize, wide: true);
        a.Store64(state, TopOffset, Rax);
    }

    /// <summary>The value on top, when it is an integer, into [rsp + <paramref name="slot"/>]; else a jump to <paramref name="other"/> (rax is used).</summary>
    public static void EmitReadInteger(X64Assembler a, int state, int slot, Label other)
    {
        a.Load64(Rax, state, TopOffset);
        a.CmpMem8Imm(Rax, -SlotSize + TagOffset, IntegerTag);
        a.Jcc(Cond.NE, other);
        a.Load64(Rax, Rax, -SlotSize);
        a.Store64(Rsp, slot, Rax);
    }

    /// <summary>Drops the top <paramref name="count"/> values (rax is used).</summary>
    public static void EmitPop(X64Assembler a, int state, int count)
    {
        a.Load64(Rax, state, TopOffset);
        a.SubImm32(Rax, count * SlotSize, wide: true);
        a.Store64(state, TopOffset, Rax);
    }
}
