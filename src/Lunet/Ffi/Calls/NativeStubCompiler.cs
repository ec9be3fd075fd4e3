using System.Runtime.InteropServices;
using Lunet.Ffi.Types;
using Lunet.Interop;
using static Lunet.Interop.X64Assembler;

namespace Lunet.Ffi.Calls;

/// <summary>
/// Call stubs as x86-64 System V machine code: the stub is itself a Lua C
/// function, so a call from Lua into C never enters .NET (no reverse-P/Invoke
/// transition, no GC transition around the target). It reads and checks each
/// argument through the Lua C API, calls the target, pushes the result. On a bad
/// argument it calls into C# only to build the message, then calls lua_error
/// itself: a longjmp that crosses native frames only.
///
/// Stub ABI: int stub(lua_State *L, NativeSlot *slot, int argBase).
/// A Buffer or other ffi object passed as a pointer goes through one C# helper
/// (<see cref="NativeCallSupport.ObjectAddress"/>), which only reads.
/// </summary>
internal static unsafe class NativeStubCompiler
{
    static readonly int[] IntRegs = [Rdi, Rsi, Rdx, Rcx, R8, R9];

    public static bool IsSupported =>
        RuntimeInformation.ProcessArchitecture == Architecture.X64 && !OperatingSystem.IsWindows();

    public static bool Supports(FunctionType sig) =>
        IsSupported && sig.Returns.Scalar != ScalarKind.None && sig.Parameters.All(p => p.IsScalarValue);

    public static byte[] Compile(FunctionType sig)
    {
        var a = new X64Assembler();
        var ps = sig.Parameters;

        // Where each parameter goes: an integer register, an xmm register, or the stack.
        var place = new (bool isFloat, int reg, int stack)[ps.Count];
        int ni = 0, nf = 0, ns = 0;
        for (int i = 0; i < ps.Count; i++)
        {
            bool f = ps[i].Scalar.IsFloat();
            if (f && nf < 8) place[i] = (true, nf++, -1);
            else if (!f && ni < IntRegs.Length) place[i] = (false, IntRegs[ni++], -1);
            else place[i] = (f, -1, ns++);
        }

        // Frame: [rsp + 0 ..) outgoing stack arguments, then isnum, then one 8-byte slot per argument.
        int outArgs = ns * 8;
        int isnum = outArgs;
        int slots = outArgs + 8;
        int frame = slots + ps.Count * 8;
        frame = (frame + 15) & ~15; // entry rsp ≡ 8 (mod 16); three pushes make it 0; keep it so

        a.Push(Rbx); a.Push(R12); a.Push(R13);
        a.SubImm32(Rsp, frame, wide: true);
        a.MovRR(Rbx, Rdi);        // L
        a.MovRR(R12, Rsi);        // slot
        a.MovRR32(R13, Rdx);      // argBase

        var closed = a.NewLabel();
        var badCount = a.NewLabel();
        var bad = new Label[ps.Count];

        // A closed library: its cell is non-zero.
        a.Load64(Rax, R12, NativeSlot.ClosedCellOffset);
        a.CmpMem32Imm(Rax, 0, 0);
        a.Jcc(Cond.NE, closed);

        // gettop(L) - argBase + 1 == n
        a.MovRR(Rdi, Rbx);
        a.CallAbs((nint)LuaApi.gettop);
        a.SubRR32(Rax, R13);
        a.CmpImm32(Rax, ps.Count - 1);
        a.Jcc(Cond.NE, badCount);

        for (int i = 0; i < ps.Count; i++)
        {
            bad[i] = a.NewLabel();
            EmitRead(a, ps[i].Scalar, i, slots + i * 8, isnum, bad[i]);
        }

        Callbacks.CallbackHooks.EmitBeforeCall(a, Rbx);

        // Stack arguments first (they use rax), then registers. Narrow integers are extended
        // to 64 bits on the stack too: compilers may rely on it for char and short.
        for (int i = 0; i < ps.Count; i++)
        {
            if (place[i].stack < 0) continue;
            if (place[i].isFloat) a.Load64(Rax, Rsp, slots + i * 8);
            else
            {
                var (bytes, signed) = ps[i].Scalar.Shape();
                a.LoadExtend(Rax, Rsp, slots + i * 8, bytes, signed);
            }
            a.Store64(Rsp, place[i].stack * 8, Rax);
        }
        for (int i = 0; i < ps.Count; i++)
        {
            if (place[i].stack >= 0) continue;
            var k = ps[i].Scalar;
            if (place[i].isFloat)
            {
                if (k == ScalarKind.F32) a.MovssLoad(place[i].reg, Rsp, slots + i * 8);
                else a.MovsdLoad(place[i].reg, Rsp, slots + i * 8);
            }
            else
            {
                var (bytes, signed) = k.Shape();
                a.LoadExtend(place[i].reg, Rsp, slots + i * 8, bytes, signed);
            }
        }
        // AL: an upper bound on the vector registers used, read by variadic callees.
        a.MovImm32(Rax, nf);
        a.Load64(R11, R12, NativeSlot.TargetOffset);
        a.CallR(R11);
        Callbacks.CallbackHooks.EmitAfterCall(a, Rbx);

        EmitPushResult(a, sig.Returns.Scalar);

        a.AddImm32(Rsp, frame, wide: true);
        a.Pop(R13); a.Pop(R12); a.Pop(Rbx);
        a.Ret();

        // Error paths: C# pushes the message, lua_error raises it (never returns).
        a.Mark(closed);
        a.MovRR(Rdi, Rbx);
        a.MovRR(Rsi, R12);
        a.CallAbs(NativeCallSupport.ClosedAddress);
        EmitRaise(a);

        a.Mark(badCount);
        a.MovRR(Rdi, Rbx);
        a.MovRR(Rsi, R12);
        a.MovRR32(Rdx, R13);
        a.CallAbs(NativeCallSupport.BadArgCountAddress);
        EmitRaise(a);

        for (int i = 0; i < ps.Count; i++)
        {
            a.Mark(bad[i]);
            a.MovRR(Rdi, Rbx);
            a.MovRR(Rsi, R12);
            a.MovImm32(Rdx, i);
            a.MovRR32(Rcx, R13);
            a.CallAbs(NativeCallSupport.BadArgumentAddress);
            EmitRaise(a);
        }
        return a.ToArray();
    }

    static void EmitRaise(X64Assembler a)
    {
        a.MovRR(Rdi, Rbx);
        a.CallAbs((nint)LuaApi.error);
    }

    /// <summary>esi = argBase + i, rdi = L.</summary>
    static void ArgIndex(X64Assembler a, int i)
    {
        a.MovRR(Rdi, Rbx);
        a.MovRR32(Rsi, R13);
        if (i != 0) a.AddImm32(Rsi, i);
    }

    static void CallType(X64Assembler a, int i)
    {
        ArgIndex(a, i);
        a.CallAbs((nint)LuaApi.type);
    }

    /// <summary>Reads argument i into its slot, or jumps to <paramref name="bad"/>.</summary>
    static void EmitRead(X64Assembler a, ScalarKind k, int i, int slot, int isnum, Label bad)
    {
        var ok = a.NewLabel();
        switch (k)
        {
            case var _ when k.IsInteger():
                // tointegerx also converts numeric strings; the contract refuses them, so check the type too.
                ArgIndex(a, i);
                a.Lea(Rdx, Rsp, isnum);
                a.CallAbs((nint)LuaApi.tointegerx);
                a.Store64(Rsp, slot, Rax);
                a.CmpMem32Imm(Rsp, isnum, 0);
                a.Jcc(Cond.E, bad);
                CallType(a, i);
                a.CmpImm32(Rax, LuaApi.TNUMBER);
                a.Jcc(Cond.NE, bad);
                break;
            case var _ when k.IsFloat():
                CallType(a, i);
                a.CmpImm32(Rax, LuaApi.TNUMBER);
                a.Jcc(Cond.NE, bad);
                ArgIndex(a, i);
                a.Lea(Rdx, Rsp, isnum);
                a.CallAbs((nint)LuaApi.tonumberx);
                if (k == ScalarKind.F32)
                {
                    a.Cvtsd2ssXmm0();
                    a.MovssStore(Rsp, slot, 0);
                }
                else a.MovsdStore(Rsp, slot, 0);
                break;
            case ScalarKind.Bool:
                CallType(a, i);
                a.CmpImm32(Rax, LuaApi.TBOOLEAN);
                a.Jcc(Cond.E, ok);
                a.CmpImm32(Rax, LuaApi.TNIL);
                a.Jcc(Cond.NE, bad);
                a.Mark(ok);
                ok = a.NewLabel();
                ArgIndex(a, i);
                a.CallAbs((nint)LuaApi.toboolean);
                a.Store64(Rsp, slot, Rax);
                break;
            case ScalarKind.Pointer:
            {
                // touserdata: non-zero for light and full userdata; a full one must be an ffi object.
                var zero = a.NewLabel();
                ArgIndex(a, i);
                a.CallAbs((nint)LuaApi.touserdata);
                a.Store64(Rsp, slot, Rax);
                a.Test64(Rax, Rax);
                a.Jcc(Cond.E, zero);
                CallType(a, i);
                a.CmpImm32(Rax, LuaApi.TLIGHTUSERDATA);
                a.Jcc(Cond.E, ok);
                EmitObjectAddress(a, i, slot, bad);
                a.Jmp(ok);
                a.Mark(zero);
                CallType(a, i);
                a.CmpImm32(Rax, LuaApi.TLIGHTUSERDATA);
                a.Jcc(Cond.E, ok);
                a.CmpImm32(Rax, LuaApi.TNIL);
                a.Jcc(Cond.NE, bad);
                break;
            }
            case ScalarKind.CString:
            {
                var notString = a.NewLabel();
                CallType(a, i);
                a.CmpImm32(Rax, LuaApi.TSTRING);
                a.Jcc(Cond.NE, notString);
                ArgIndex(a, i);
                a.Xor32(Rdx, Rdx);
                a.CallAbs((nint)LuaApi.tolstring);
                a.Store64(Rsp, slot, Rax);
                a.Jmp(ok);
                a.Mark(notString);
                a.StoreImm64(Rsp, slot, 0);
                a.CmpImm32(Rax, LuaApi.TNIL);
                a.Jcc(Cond.E, ok);
                a.CmpImm32(Rax, LuaApi.TUSERDATA);
                a.Jcc(Cond.NE, bad);
                EmitObjectAddress(a, i, slot, bad);
                break;
            }
            default:
                throw new NotSupportedException($"parameter type {k}");
        }
        a.Mark(ok);
    }

    /// <summary>Asks C# for the address of the ffi object (Buffer, instance...) at argument i.</summary>
    static void EmitObjectAddress(X64Assembler a, int i, int slot, Label bad)
    {
        ArgIndex(a, i);
        a.Lea(Rdx, Rsp, slot);
        a.CallAbs(NativeCallSupport.ObjectAddressAddress);
        a.Test32(Rax, Rax);
        a.Jcc(Cond.E, bad);
    }

    static void EmitPushResult(X64Assembler a, ScalarKind k)
    {
        if (k == ScalarKind.Void)
        {
            a.Xor32(Rax, Rax);
            return;
        }
        switch (k)
        {
            case var _ when k.IsInteger():
            {
                var (bytes, signed) = k.Shape();
                a.Extend(Rsi, Rax, bytes, signed);
                a.MovRR(Rdi, Rbx);
                a.CallAbs((nint)LuaApi.pushinteger);
                break;
            }
            case ScalarKind.F32 or ScalarKind.F64:
                if (k == ScalarKind.F32) a.Cvtss2sdXmm0();
                a.MovRR(Rdi, Rbx);
                a.CallAbs((nint)LuaApi.pushnumber);
                break;
            case ScalarKind.Bool:
                a.Extend(Rsi, Rax, 1, signed: false);
                a.MovRR(Rdi, Rbx);
                a.CallAbs((nint)LuaApi.pushboolean);
                break;
            case ScalarKind.Pointer:
                a.MovRR(Rsi, Rax);
                a.MovRR(Rdi, Rbx);
                a.CallAbs((nint)LuaApi.pushlightuserdata);
                break;
            case ScalarKind.CString:
            {
                var nil = a.NewLabel();
                var done = a.NewLabel();
                a.Test64(Rax, Rax);
                a.Jcc(Cond.E, nil);
                a.MovRR(Rsi, Rax);
                a.MovRR(Rdi, Rbx);
                a.CallAbs((nint)LuaApi.pushstring);
                a.Jmp(done);
                a.Mark(nil);
                a.MovRR(Rdi, Rbx);
                a.CallAbs((nint)LuaApi.pushnil);
                a.Mark(done);
                break;
            }
        }
        a.MovImm32(Rax, 1);
    }
}
