using Lunet.Interop;
using static Lunet.Interop.X64Assembler;
using static Lunet.Interop.LuaStackLayout;

namespace Lunet.Ffi.Callbacks;

/// <summary>
/// The trampolines' shortcut past four Lua C API calls on their hot path: pushing an integer
/// argument, copying the function kept on top, reading an integer result and dropping the values they pushed, done on the
/// lua_State's top pointer itself (<see cref="LuaStackLayout.TopOffset"/>: where it is, and how it
/// was checked against the running liblua). Where it was not found (another build of Lua), the
/// trampolines call the API.
///
/// Why this is safe where it is used: the pushes go to slots Lua guarantees the ffi call's C
/// function (LUA_MINSTACK, checked as the API push is), an integer needs no collector barrier,
/// and the slots dropped are the ones the trampoline pushed (never a to-be-closed variable, which
/// is what lua_settop would also look for).
/// </summary>
internal static unsafe class LuaStackAccess
{
    /// <summary>Pushes the integer in <paramref name="value"/> onto the state in <paramref name="state"/> (rax is used).</summary>
    public static void EmitPushInteger(X64Assembler a, int state, int value)
    {
        a.Load64(Rax, state, TopOffset);
        a.Store64(Rax, 0, value);
        a.MovImm32(value, IntegerTag);
        a.Store8(Rax, TagOffset, value);
        a.AddImm32(Rax, ValueSize, wide: true);
        a.Store64(state, TopOffset, Rax);
    }

    /// <summary>Pushes a copy of the value on top (a function: no collector barrier is needed for the stack; rax and rcx are used).</summary>
    public static void EmitPushTop(X64Assembler a, int state)
    {
        a.Load64(Rax, state, TopOffset);
        a.Load64(Rcx, Rax, -ValueSize);
        a.Store64(Rax, 0, Rcx);
        a.Load64(Rcx, Rax, -ValueSize + 8);
        a.Store64(Rax, 8, Rcx);
        a.AddImm32(Rax, ValueSize, wide: true);
        a.Store64(state, TopOffset, Rax);
    }

    /// <summary>The value on top, when it is an integer, into [rsp + <paramref name="slot"/>]; else a jump to <paramref name="other"/> (rax is used).</summary>
    public static void EmitReadInteger(X64Assembler a, int state, int slot, Label other)
    {
        a.Load64(Rax, state, TopOffset);
        a.CmpMem8Imm(Rax, -ValueSize + TagOffset, IntegerTag);
        a.Jcc(Cond.NE, other);
        a.Load64(Rax, Rax, -ValueSize);
        a.Store64(Rsp, slot, Rax);
    }

    /// <summary>Drops the top <paramref name="count"/> values (rax is used).</summary>
    public static void EmitPop(X64Assembler a, int state, int count)
    {
        a.Load64(Rax, state, TopOffset);
        a.SubImm32(Rax, count * ValueSize, wide: true);
        a.Store64(state, TopOffset, Rax);
    }
}
