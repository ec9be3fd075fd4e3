using Lunet.Ffi.Types;
using Lunet.Interop;
using static Lunet.Interop.X64Assembler;

namespace Lunet.Ffi.Memory;

/// <summary>
/// The pieces every native memory fast path is made of (x86-64 System V): the frame, the
/// tail jump to the C# twin, Lua API calls, and the scalar loads and stores, which follow
/// <see cref="Crossing"/> exactly as the C# conversions do. Used by the Buffer's
/// (<see cref="BufferNative"/>) and the instances' functions.
///
/// Register contract inside a function: rbx = L; r12..r15 free for the function; [rsp] is the
/// isnum out-parameter of tointegerx / tonumberx.
/// </summary>
internal static class NativeAccess
{
    // Five pushes + 16 keep rsp 16-aligned.
    const int FrameSize = 16;

    public static void Prologue(X64Assembler a)
    {
        a.Push(Rbx); a.Push(R12); a.Push(R13); a.Push(R14); a.Push(R15);
        a.SubImm32(Rsp, FrameSize, wide: true);
        a.MovRR(Rbx, Rdi);
    }

    static void Restore(X64Assembler a)
    {
        a.AddImm32(Rsp, FrameSize, wide: true);
        a.Pop(R15); a.Pop(R14); a.Pop(R13); a.Pop(R12); a.Pop(Rbx);
    }

    public static void Return(X64Assembler a, int results)
    {
        a.MovImm32(Rax, results);
        Restore(a);
        a.Ret();
    }

    /// <summary>The fallback: callee-saved registers restored, rdi = L, tail jump to the C# entry (upvalue 1 holds the C# function).</summary>
    public static void Fallback(X64Assembler a, Label l)
    {
        a.Mark(l);
        a.MovRR(Rdi, Rbx);
        Restore(a);
        a.JmpAbs(CFunction.EntryThunkAddress);
    }

    /// <summary>rax = fn(L, idx).</summary>
    public static void Call(X64Assembler a, nint fn, int idx)
    {
        a.MovRR(Rdi, Rbx);
        a.MovImm32(Rsi, idx);
        a.CallAbs(fn);
    }

    public static unsafe void CallType(X64Assembler a, int idx) => Call(a, (nint)LuaApi.type, idx);

    /// <summary>
    /// <paramref name="dst"/> = the block of the full userdata at idx, of at least <paramref name="bytes"/> bytes,
    /// or jump to <paramref name="fb"/>. touserdata is non-null only for light and full userdata, and rawlen
    /// is 0 for a light one: so no lua_type call is needed to know it is a full userdata.
    /// </summary>
    public static unsafe void FullUserdata(X64Assembler a, int idx, int bytes, int dst, Label fb)
    {
        Call(a, (nint)LuaApi.touserdata, idx);
        a.Test64(Rax, Rax);
        a.Jcc(Cond.E, fb);
        a.MovRR(dst, Rax);
        Call(a, (nint)LuaApi.rawlen, idx);
        a.CmpImm32Wide(Rax, bytes);
        a.Jcc(Cond.B, fb);
    }

    /// <summary><paramref name="dst"/> = the integer at idx (a Lua integer or an integral float, not a string), or jump to <paramref name="fb"/>.</summary>
    public static unsafe void Integer(X64Assembler a, int idx, int dst, Label fb)
    {
        a.MovRR(Rdi, Rbx);
        a.MovImm32(Rsi, idx);
        a.Lea(Rdx, Rsp, 0);
        a.CallAbs((nint)LuaApi.tointegerx);
        a.MovRR(dst, Rax);
        a.CmpMem32Imm(Rsp, 0, 0);
        a.Jcc(Cond.E, fb);
        CallType(a, idx);
        a.CmpImm32(Rax, LuaApi.TNUMBER);
        a.Jcc(Cond.NE, fb);
    }

    /// <summary>The kinds the loads and stores handle, the most common first (a compare chain picks one).</summary>
    public static readonly ScalarKind[] Kinds =
    [
        ScalarKind.I32, ScalarKind.F64, ScalarKind.U8, ScalarKind.I64, ScalarKind.U32, ScalarKind.F32, ScalarKind.I8,
        ScalarKind.I16, ScalarKind.U16, ScalarKind.U64, ScalarKind.Pointer, ScalarKind.Bool,
    ];

    /// <summary>Whether the loads and stores here handle a value of type <paramref name="t"/> (char* is not one of them: it converts from strings).</summary>
    public static bool Handles(CType t) =>
        t.IsScalarValue && t.Scalar != ScalarKind.CString && Crossing.Of(t.Scalar).Bytes == t.Size;

    /// <summary>
    /// Jumps to the code of the kind in <paramref name="kind"/> (a register holding a <see cref="ScalarKind"/>):
    /// <paramref name="emit"/> writes each, then all continue at the returned point; an unknown kind goes to <paramref name="fb"/>.
    /// </summary>
    public static void Dispatch(X64Assembler a, int kind, Label fb, Action<ScalarKind> emit)
    {
        var labels = new Label[Kinds.Length];
        for (int i = 0; i < Kinds.Length; i++)
        {
            labels[i] = a.NewLabel();
            a.CmpImm32(kind, (int)Kinds[i]);
            a.Jcc(Cond.E, labels[i]);
        }
        a.Jmp(fb);
        var done = a.NewLabel();
        for (int i = 0; i < Kinds.Length; i++)
        {
            a.Mark(labels[i]);
            emit(Kinds[i]);
            a.Jmp(done);
        }
        a.Mark(done);
    }

    /// <summary>
    /// The end of every native accessor: the load (pushed) or the store of the value at
    /// <paramref name="value"/> at r13 for the kind in r14, the return, then the fallback at <paramref name="fb"/>.
    /// </summary>
    public static byte[] FinishAccess(X64Assembler a, bool write, int value, Label fb)
    {
        Dispatch(a, R14, fb, k =>
        {
            if (write) EmitStore(a, k, value, fb);
            else EmitLoad(a, k);
        });
        Return(a, write ? 0 : 1);
        Fallback(a, fb);
        return a.ToArray();
    }

    /// <summary>Pushes the value at r13.</summary>
    public static unsafe void EmitLoad(X64Assembler a, ScalarKind k)
    {
        switch (k)
        {
            case ScalarKind.F32:
                a.MovssLoad(0, R13, 0);
                a.Cvtss2sdXmm0();
                a.MovRR(Rdi, Rbx);
                a.CallAbs((nint)LuaApi.pushnumber);
                break;
            case ScalarKind.F64:
                a.MovsdLoad(0, R13, 0);
                a.MovRR(Rdi, Rbx);
                a.CallAbs((nint)LuaApi.pushnumber);
                break;
            case ScalarKind.Bool:
                a.LoadExtend(Rsi, R13, 0, 1, signed: false);
                a.MovRR(Rdi, Rbx);
                a.CallAbs((nint)LuaApi.pushboolean);
                break;
            case ScalarKind.Pointer:
                a.Load64(Rsi, R13, 0);
                a.MovRR(Rdi, Rbx);
                a.CallAbs((nint)LuaApi.pushlightuserdata);
                break;
            default:
            {
                var (bytes, signed) = k.Shape();
                a.LoadExtend(Rsi, R13, 0, bytes, signed);
                a.MovRR(Rdi, Rbx);
                a.CallAbs((nint)LuaApi.pushinteger);
                break;
            }
        }
    }

    /// <summary>Converts the value at <paramref name="value"/> and stores it at r13, or jumps to <paramref name="fb"/> having written nothing. Uses r15.</summary>
    public static unsafe void EmitStore(X64Assembler a, ScalarKind k, int value, Label fb)
    {
        switch (k)
        {
            case ScalarKind.F32 or ScalarKind.F64:
                CallType(a, value);
                a.CmpImm32(Rax, LuaApi.TNUMBER);
                a.Jcc(Cond.NE, fb);
                a.MovRR(Rdi, Rbx);
                a.MovImm32(Rsi, value);
                a.Lea(Rdx, Rsp, 0);
                a.CallAbs((nint)LuaApi.tonumberx);
                if (k == ScalarKind.F32)
                {
                    a.Cvtsd2ssXmm0();
                    a.MovssStore(R13, 0, 0);
                }
                else a.MovsdStore(R13, 0, 0);
                break;
            case ScalarKind.Bool:
            {
                var ok = a.NewLabel();
                CallType(a, value);
                a.CmpImm32(Rax, LuaApi.TBOOLEAN);
                a.Jcc(Cond.E, ok);
                a.CmpImm32(Rax, LuaApi.TNIL);
                a.Jcc(Cond.NE, fb);
                a.Mark(ok);
                Call(a, (nint)LuaApi.toboolean, value);
                a.Store8(R13, 0, Rax);
                break;
            }
            case ScalarKind.Pointer:
            {
                var nil = a.NewLabel();
                var stored = a.NewLabel();
                CallType(a, value);
                a.CmpImm32(Rax, LuaApi.TNIL);
                a.Jcc(Cond.E, nil);
                a.CmpImm32(Rax, LuaApi.TLIGHTUSERDATA);
                a.Jcc(Cond.NE, fb); // full userdata (ffi objects) and the rest: C#
                Call(a, (nint)LuaApi.touserdata, value);
                a.Store64(R13, 0, Rax);
                a.Jmp(stored);
                a.Mark(nil);
                a.Xor32(Rax, Rax);
                a.Store64(R13, 0, Rax);
                a.Mark(stored);
                break;
            }
            default:
            {
                Integer(a, value, R15, fb);
                switch (k.Shape().bytes)
                {
                    case 1: a.Store8(R13, 0, R15); break;
                    case 2: a.Store16(R13, 0, R15); break;
                    case 4: a.Store32(R13, 0, R15); break;
                    default: a.Store64(R13, 0, R15); break;
                }
                break;
            }
        }
    }
}
