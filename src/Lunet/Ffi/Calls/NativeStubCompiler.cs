using System.Runtime.InteropServices;
using Lunet.Ffi.Abi;
using Lunet.Ffi.Memory;
using Lunet.Ffi.Native.Unwind;
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
/// Where each value goes is the signature's <see cref="ArgumentPlan"/>: the stub
/// reads every argument into its area of the frame (an 8-byte slot for a scalar,
/// the record's bytes for a struct, which one C# helper fills from an instance,
/// a view or a table), copies stack arguments out, loads the registers the plan
/// names, calls, and pushes the result (a struct result is stored from rax/rdx/
/// xmm0/xmm1, or written by the callee through the hidden pointer, then copied
/// into a new instance by a C# helper).
///
/// Stub ABI: int stub(lua_State *L, NativeSlot *slot, int argBase).
/// A Buffer or other ffi object passed as a pointer is read here too (the
/// <see cref="Memory.NativeObject"/> protocol); any other full userdata goes to one
/// C# helper (<see cref="NativeCallSupport.ObjectAddress"/>), which only reads.
///
/// The target call is guarded (<see cref="DescribedFrame"/>): the stub's frame is described to
/// the system unwinder, and a C++ exception leaving the target lands in the stub, which pushes
/// its message (<see cref="ForeignExceptionCatch"/>) and raises it as a Lua error.
/// </summary>
internal static unsafe class NativeStubCompiler
{
    static readonly int[] IntRegs = Abi.SysVX64Convention.IntegerRegisterCodes;
    static readonly int[] IntResultRegs = [Rax, Rdx];

    public static bool IsSupported =>
        RuntimeInformation.ProcessArchitecture == Architecture.X64 && !OperatingSystem.IsWindows();

    public static bool Supports(FunctionType sig) => IsSupported && Refusal(sig) == null;

    /// <summary>Why the native stubs cannot call <paramref name="sig"/> (null: they can).</summary>
    public static string? Refusal(FunctionType sig)
    {
        if (!sig.Returns.IsScalarValue && sig.Returns.Scalar != ScalarKind.Void && !IsRecord(sig.Returns))
            return $"{sig.Returns.Name} cannot be returned by value";
        if (sig.Parameters.FirstOrDefault(p => !p.IsScalarValue && !IsRecord(p)) is { } bad)
            return $"{bad.Name} cannot be passed by value";
        // The frame is 16-byte aligned; a record aligned more strictly would need it realigned.
        if (sig.Parameters.Append(sig.Returns).FirstOrDefault(p => IsRecord(p) && p.Alignment > 16) is { } strict)
            return $"{strict.Name} is aligned to {strict.Alignment} bytes: a struct by value may be aligned to 16 at most";
        return CallSignature.TooLarge(sig);
    }

    static bool IsRecord(CType t) => t is StructType { IsComplete: true };

    static int Round8(int n) => (n + 7) & ~7;

    public static byte[] Compile(FunctionType sig) => Compile(sig, out _);

    /// <summary>The stub's code, and its frame as the unwinder is to see it (<see cref="GuardedCode.Write"/>).</summary>
    public static byte[] Compile(FunctionType sig, out DescribedFrame described)
    {
        var a = new X64Assembler();
        described = new DescribedFrame(a);
        var ps = sig.Parameters;
        var plan = ArgumentPlans.Of(sig);

        // Frame: [rsp + 0 ..) outgoing stack arguments, isnum, the state's counters (for errno), each
        // argument's area (8 bytes for a scalar, the record rounded up to 8 for a struct), then the
        // struct result's area (at least 16: rax and rdx are stored whole).
        int outArgs = plan.StackBytes;
        int isnum = outArgs;
        int counters = outArgs + 8;
        var area = new int[ps.Count];
        int at = outArgs + 16;
        for (int i = 0; i < ps.Count; i++)
        {
            area[i] = at;
            at += IsRecord(ps[i]) ? Round8(ps[i].Size) : 8;
        }
        // 16-byte aligned: a callee may store a 16-aligned result through the hidden pointer with aligned moves.
        int resultArea = (at + 15) & ~15;
        if (IsRecord(sig.Returns)) at = resultArea + Math.Max(16, Round8(sig.Returns.Size));
        int frame = (at + 15) & ~15; // entry rsp ≡ 8 (mod 16); three or five pushes make it 0; keep it so

        // r14 and r15 serve only the making of a struct result: scalar stubs keep their bytes.
        bool makesInstance = IsRecord(sig.Returns);
        described.EmitPrologue(makesInstance ? [Rbx, R12, R13, R14, R15] : [Rbx, R12, R13], frame);
        a.MovRR(Rbx, Rdi);        // L
        a.MovRR(R12, Rsi);        // slot
        a.MovRR32(R13, Rdx);      // argBase

        var closed = a.NewLabel();
        var badCount = a.NewLabel();
        var raise = a.NewLabel();
        var landing = a.NewLabel();
        var bad = new Label[ps.Count];

        // A closed library: its cell is non-zero.
        a.Load64(Rax, R12, NativeSlot.ClosedCellOffset);
        a.CmpMem32Imm(Rax, 0, 0);
        a.Jcc(Cond.NE, closed);

        // gettop(L) - argBase + 1 == n
        if (LuaStackLayout.TopOffset >= 0 && LuaStackLayout.IsVerified)
        {
            // Without a call: gettop(L) + 1 = (L->top - L->ci->func) / 16, both checked at start-up.
            a.Load64(Rax, Rbx, LuaStackLayout.TopOffset);
            a.Load64(Rcx, Rbx, LuaStackLayout.CallInfoOffset);
            a.Load64(Rcx, Rcx, LuaStackLayout.FuncOffset);
            a.SubRR(Rax, Rcx);
            a.ShrImm(Rax, 4);
            a.SubRR32(Rax, R13);
            a.CmpImm32(Rax, ps.Count);
        }
        else
        {
            a.MovRR(Rdi, Rbx);
            a.CallAbs((nint)LuaApi.gettop);
            a.SubRR32(Rax, R13);
            a.CmpImm32(Rax, ps.Count - 1);
        }
        a.Jcc(Cond.NE, badCount);

        for (int i = 0; i < ps.Count; i++)
        {
            bad[i] = a.NewLabel();
            if (IsRecord(ps[i])) EmitReadRecord(a, i, ps[i].Size, area[i], raise);
            else EmitRead(a, ps[i].Scalar, i, area[i], isnum, bad[i]);
        }

        ErrnoCell.EmitRestore(a, Rbx, counters);
        Callbacks.CallbackHooks.EmitBeforeCall(a, Rbx);

        // Stack arguments first (they use rax), then registers. Narrow integers are extended
        // to 64 bits on the stack too: compilers may rely on it for char and short.
        for (int i = 0; i < ps.Count; i++)
        {
            var p = plan.Parameters[i];
            // System V never passes by reference nor splits a value between registers and the stack.
            if (p.Kind == PassKind.Reference || p.Pieces.Any(x => !x.InRegister))
                throw new NotSupportedException($"{ps[i].Name}: a plan this stub compiler does not place");
            if (p.Kind == PassKind.Stack) EmitStackArgument(a, ps[i], area[i], p.StackOffset);
        }
        for (int i = 0; i < ps.Count; i++)
        {
            var p = plan.Parameters[i];
            if (p.Kind != PassKind.Registers) continue;
            foreach (var piece in p.Pieces) EmitRegisterPiece(a, ps[i], piece, area[i]);
        }
        if (plan.HasHiddenResultPointer) a.Lea(IntRegs[plan.Result.Pieces[0].Register], Rsp, resultArea);
        // AL: an upper bound on the vector registers used, read by variadic callees.
        a.MovImm32(Rax, plan.VectorRegisters);
        EmitTargetCall(a, described, counters, landing);

        if (IsRecord(sig.Returns)) EmitPushRecord(a, plan.Result, resultArea, raise);
        else EmitPushResult(a, sig.Returns.Scalar);

        described.EmitReturn();

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
            if (IsRecord(ps[i])) continue;
            a.Mark(bad[i]);
            a.MovRR(Rdi, Rbx);
            a.MovRR(Rsi, R12);
            a.MovImm32(Rdx, i);
            a.MovRR32(Rcx, R13);
            a.CallAbs(NativeCallSupport.BadArgumentAddress);
            EmitRaise(a);
        }

        // A foreign exception left the target (rax: it): its message, then the call's end as on return.
        a.Mark(landing);
        a.MovRR(Rsi, Rax);
        a.MovRR(Rdi, Rbx);
        a.CallAbs(ForeignExceptionCatch.Address);
        Callbacks.CallbackHooks.EmitAfterCall(a, Rbx);
        EmitRaise(a);

        // A struct helper that already pushed its message.
        if (IsRecord(sig.Returns) || ps.Any(IsRecord))
        {
            a.Mark(raise);
            EmitRaise(a);
        }
        return a.ToArray();
    }

    /// <summary>The target call: the one place the call itself is made (hooks around it go here; errno is saved first).</summary>
    static void EmitTargetCall(X64Assembler a, DescribedFrame described, int counters, Label landing)
    {
        a.Load64(R11, R12, NativeSlot.TargetOffset);
        described.EmitGuardedCall(R11, landing);
        ErrnoCell.EmitSave(a, counters);
        Callbacks.CallbackHooks.EmitAfterCall(a, Rbx);
    }

    /// <summary>
    /// Argument i, a struct of <paramref name="size"/> bytes: an instance or view of exactly the parameter's
    /// type (its header's type block is the slot's word for it, <see cref="NativeSlot.TypesOffset"/>) is
    /// copied into the area here; anything else (a table, another type, a forged userdata) goes to C#.
    /// </summary>
    static void EmitReadRecord(X64Assembler a, int i, int size, int area, Label raise)
    {
        var slow = a.NewLabel();
        var done = a.NewLabel();
        EmitInstanceOfSlotType(a, i, 1 + i, area, slow);
        a.Load64(Rsi, Rcx, Memory.InstanceNative.AddressWord);
        EmitCopy(a, Rsp, area, Rsi, size);
        a.Jmp(done);
        a.Mark(slow);
        EmitReadAggregate(a, i, area, raise);
        a.Mark(done);
    }

    /// <summary>
    /// rcx = the header of the instance at argument i when its type block is the slot's type word
    /// <paramref name="word"/>; else a jump to <paramref name="no"/>. The area (8 bytes at least) holds
    /// the userdata's address meanwhile. touserdata is non-zero for a light userdata too, but its rawlen
    /// is 0: only a full userdata of a header's size is read, and only the process cookie with the
    /// instance tag makes it an instance (no script can write both).
    /// </summary>
    static void EmitInstanceOfSlotType(X64Assembler a, int i, int word, int area, Label no)
    {
        if (LuaStackLayout.UserdataVerified) EmitFullUserdataFromStack(a, i, sizeof(Memory.Instance.Header), no);
        else
        {
            ArgIndex(a, i);
            a.CallAbs((nint)LuaApi.touserdata);
            a.Store64(Rsp, area, Rax);
            a.Test64(Rax, Rax);
            a.Jcc(Cond.E, no);
            ArgIndex(a, i);
            a.CallAbs((nint)LuaApi.rawlen);
            a.CmpImm32Wide(Rax, sizeof(Memory.Instance.Header));
            a.Jcc(Cond.B, no);
            a.Load64(Rcx, Rsp, area);
        }
        Memory.InstanceNative.EmitIsInstance(a, Rcx, no);
        a.Load64(Rax, R12, NativeSlot.TypesOffset);
        a.Test64(Rax, Rax);
        a.Jcc(Cond.E, no);
        a.Load64(Rax, Rax, word * 8);
        a.CmpRMem64(Rax, Rcx, Memory.InstanceNative.TypeWord);
        a.Jcc(Cond.NE, no);
    }

    /// <summary>
    /// rcx = the block of argument i when it is a full userdata of at least <paramref name="bytes"/>
    /// bytes, read from the Lua stack as lua_touserdata and lua_rawlen would give them
    /// (<see cref="LuaStackLayout.UserdataVerified"/>), without a call; else a jump to
    /// <paramref name="no"/>. A light userdata has another tag, so it is never read as a block.
    /// </summary>
    static void EmitFullUserdataFromStack(X64Assembler a, int i, int bytes, Label no)
    {
        EmitArgumentValue(a, i);
        a.CmpMem8Imm(Rax, LuaStackLayout.TagOffset, LuaStackLayout.UserdataTag);
        a.Jcc(Cond.NE, no);
        EmitUserdataBlock(a, bytes, no);
    }

    /// <summary>rax = the address of argument i's value on the Lua stack (L->ci->func + 16 × its index).</summary>
    static void EmitArgumentValue(X64Assembler a, int i)
    {
        a.Load64(Rax, Rbx, LuaStackLayout.CallInfoOffset);
        a.Load64(Rax, Rax, LuaStackLayout.FuncOffset);
        a.Lea(Rcx, R13, i);                 // the argument's stack index
        a.ShlImm(Rcx, 4);                   // × the 16 bytes of a value
        a.AddRR(Rax, Rcx);
    }

    /// <summary>rax = the stack value of a full userdata: rcx = its block when it has at least <paramref name="bytes"/> bytes, else a jump to <paramref name="no"/>.</summary>
    static void EmitUserdataBlock(X64Assembler a, int bytes, Label no)
    {
        a.Load64(Rcx, Rax, 0);
        a.CmpMem64Imm(Rcx, LuaStackLayout.LengthOffset, bytes);
        a.Jcc(Cond.B, no);
        // The block follows the user values (a view has one: its owner), or the header when there are none.
        var withValues = a.NewLabel();
        var done = a.NewLabel();
        a.LoadExtend(Rax, Rcx, LuaStackLayout.UserValuesOffset, 2, signed: false);
        a.Test32(Rax, Rax);
        a.Jcc(Cond.NE, withValues);
        a.AddImm32(Rcx, LuaStackLayout.MemoryOffset, wide: true);
        a.Jmp(done);
        a.Mark(withValues);
        a.ShlImm(Rax, 4);                   // × the 16 bytes of a user value
        a.AddRR(Rcx, Rax);
        a.AddImm32(Rcx, LuaStackLayout.UserValuesStart, wide: true);
        a.Mark(done);
    }

    /// <summary>Copies <paramref name="size"/> bytes from [src] to [dst + dstDisp], 8 at a time then the tail; uses rax.</summary>
    static void EmitCopy(X64Assembler a, int dst, int dstDisp, int src, int size)
    {
        int q = 0;
        for (; q + 8 <= size; q += 8)
        {
            a.Load64(Rax, src, q);
            a.Store64(dst, dstDisp + q, Rax);
        }
        foreach (int piece in new[] { 4, 2, 1 })
        {
            if (size - q < piece) continue;
            a.LoadExtend(Rax, src, q, piece, signed: false);
            if (piece == 4) a.Store32(dst, dstDisp + q, Rax);
            else if (piece == 2) a.Store16(dst, dstDisp + q, Rax);
            else a.Store8(dst, dstDisp + q, Rax);
            q += piece;
        }
    }

    /// <summary>Argument i, a struct: the C# helper fills its area or pushes the message (then raise).</summary>
    static void EmitReadAggregate(X64Assembler a, int i, int area, Label raise)
    {
        a.MovRR(Rdi, Rbx);
        a.MovRR(Rsi, R12);
        a.MovImm32(Rdx, i);
        a.MovRR32(Rcx, R13);
        a.Lea(R8, Rsp, area);
        CallHelper(a, NativeCallSupport.AggregateArgumentAddress, raise);
    }

    /// <summary>Calls a struct helper of <see cref="NativeCallSupport"/>: 0 means it pushed an error message, so raise it.</summary>
    static void CallHelper(X64Assembler a, nint helper, Label raise)
    {
        a.CallAbs(helper);
        a.Test32(Rax, Rax);
        a.Jcc(Cond.E, raise);
    }

    static void EmitStackArgument(X64Assembler a, CType t, int area, int stackOffset)
    {
        if (IsRecord(t))
        {
            for (int q = 0; q < Round8(t.Size); q += 8)
            {
                a.Load64(Rax, Rsp, area + q);
                a.Store64(Rsp, stackOffset + q, Rax);
            }
            return;
        }
        if (t.Scalar.IsFloat()) a.Load64(Rax, Rsp, area);
        else
        {
            var (bytes, signed) = t.Scalar.Shape();
            a.LoadExtend(Rax, Rsp, area, bytes, signed);
        }
        a.Store64(Rsp, stackOffset, Rax);
    }

    static void EmitRegisterPiece(X64Assembler a, CType t, Piece piece, int area)
    {
        if (IsRecord(t))
        {
            // A whole eightbyte: the area is rounded up to 8, and the callee ignores the bytes past the record.
            if (piece.Class == RegisterClass.Integer) a.Load64(IntRegs[piece.Register], Rsp, area + piece.Offset);
            else a.MovsdLoad(piece.Register, Rsp, area + piece.Offset);
            return;
        }
        var k = t.Scalar;
        if (piece.Class == RegisterClass.Vector)
        {
            if (k == ScalarKind.F32) a.MovssLoad(piece.Register, Rsp, area);
            else a.MovsdLoad(piece.Register, Rsp, area);
        }
        else
        {
            var (bytes, signed) = k.Shape();
            a.LoadExtend(IntRegs[piece.Register], Rsp, area, bytes, signed);
        }
    }

    /// <summary>
    /// Stores a struct result from its registers (none for the hidden pointer: the callee wrote it), then
    /// pushes a new instance of it: made here from the slot's type word 0 when that type's instances are
    /// made natively (<see cref="Memory.InstanceNative.EmitNew"/>), else by a C# helper.
    /// </summary>
    static void EmitPushRecord(X64Assembler a, ValuePlan result, int resultArea, Label raise)
    {
        if (result.Kind == PassKind.Registers)
            foreach (var piece in result.Pieces)
            {
                if (piece.Class == RegisterClass.Integer) a.Store64(Rsp, resultArea + piece.Offset, IntResultRegs[piece.Register]);
                else a.MovsdStore(Rsp, resultArea + piece.Offset, piece.Register);
            }
        var slow = a.NewLabel();
        var miss = a.NewLabel();
        var pushed = a.NewLabel();
        a.Load64(R14, R12, NativeSlot.TypesOffset);
        a.Test64(R14, R14);
        a.Jcc(Cond.E, slow);
        a.Load64(R14, R14, 0);
        a.Test64(R14, R14);
        a.Jcc(Cond.E, slow);
        a.Load32(R15, R14, Memory.InstanceNative.NewSizeWord);
        a.Test32(R15, R15);
        a.Jcc(Cond.E, slow);
        Memory.InstanceNative.EmitNew(a, typeReg: R14, sizeReg: R15, headerReg: R13, miss);
        a.Load64(Rdi, R13, Memory.InstanceNative.AddressWord);
        a.Lea(Rsi, Rsp, resultArea);
        EmitCopy(a, Rdi, 0, Rsi, result.Type.Size);
        a.Jmp(pushed);
        a.Mark(miss);
        a.MovRR(Rdi, Rbx);
        a.MovImm32(Rsi, -3); // the userdata and what the registry held
        a.CallAbs((nint)LuaApi.settop);
        a.Mark(slow);
        a.MovRR(Rdi, Rbx);
        a.MovRR(Rsi, R12);
        a.Lea(Rdx, Rsp, resultArea);
        CallHelper(a, NativeCallSupport.RecordResultAddress, raise);
        a.Mark(pushed);
        a.MovImm32(Rax, 1);
    }

    static void EmitRaise(X64Assembler a)
    {
        Callbacks.TemporaryCallbacks.EmitReleaseOnRaise(a, Rbx);   // the temporary callbacks this call made go with it
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
                if (LuaStackLayout.UserdataVerified) EmitPointerFromStack(a, i, slot, ok, bad);
                // touserdata: non-zero for light and full userdata; a full one must be an ffi object.
                var zero = a.NewLabel();
                ArgIndex(a, i);
                a.CallAbs((nint)LuaApi.touserdata);
                a.Store64(Rsp, slot, Rax);
                a.Test64(Rax, Rax);
                a.Jcc(Cond.E, zero);
                // An ffi object first (rawlen is 0 for a light userdata, so it cannot pass for one), then a light userdata.
                var notObject = a.NewLabel();
                EmitObjectAddress(a, i, slot, ok, notObject, wrongType: bad);
                a.Mark(notObject);
                CallType(a, i);
                a.CmpImm32(Rax, LuaApi.TLIGHTUSERDATA);
                a.Jcc(Cond.E, ok);
                EmitObjectHelper(a, i, slot, ok, bad);
                a.Mark(zero);
                CallType(a, i);
                a.CmpImm32(Rax, LuaApi.TLIGHTUSERDATA);
                a.Jcc(Cond.E, ok);
                a.CmpImm32(Rax, LuaApi.TNIL);
                a.Jcc(Cond.E, ok);
                Callbacks.TemporaryCallbacks.EmitArgument(a, Rbx, R13, R12, i, slot, bad); // a Lua function for a function pointer
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
                ArgIndex(a, i);
                a.CallAbs((nint)LuaApi.touserdata);
                a.Store64(Rsp, slot, Rax);
                var notObject = a.NewLabel();
                EmitObjectAddress(a, i, slot, ok, notObject);
                a.Mark(notObject);
                EmitObjectHelper(a, i, slot, ok, bad);
                break;
            }
            default:
                throw new NotSupportedException($"parameter type {k}");
        }
        a.Mark(ok);
    }

    /// <summary>
    /// Argument i, a light or full userdata whose block address is in the slot: an ffi object (Buffer,
    /// slice, instance, view, callback) gives the address in its first word, read here as
    /// <see cref="NativeObject.TryGetAddress"/> reads it (a block of at least the protocol's three words
    /// whose third holds the process cookie), then continues at <paramref name="ok"/>; anything else jumps
    /// to <paramref name="notObject"/> with the slot unchanged. rawlen is 0 for a light userdata, so its
    /// address is never read as a block. Two Lua API calls in all (touserdata, made before, and rawlen).
    /// </summary>
    static void EmitObjectAddress(X64Assembler a, int i, int slot, Label ok, Label notObject, Label? wrongType = null)
    {
        ArgIndex(a, i);
        a.CallAbs((nint)LuaApi.rawlen);
        a.CmpImm32Wide(Rax, NativeObject.MinBlockBytes);
        a.Jcc(Cond.B, notObject);
        a.Load64(Rcx, Rsp, slot);
        EmitCookieAndAddress(a, i, slot, ok, notObject, wrongType);
    }

    /// <summary>
    /// rcx = a block of at least the protocol's three words, also in the slot: with the process cookie
    /// in its third word it is an ffi object, whose address (its first word) replaces the slot's value
    /// (after the pointee check, when <paramref name="wrongType"/> is given), then on to <paramref name="ok"/>;
    /// without it, a jump to <paramref name="notObject"/> with the slot unchanged.
    /// </summary>
    static void EmitCookieAndAddress(X64Assembler a, int i, int slot, Label ok, Label notObject, Label? wrongType)
    {
        a.MovImm64(Rax, Memory.Buffer.Cookie);
        a.CmpMemReg64(Rcx, NativeObject.CookieOffset, Rax);
        a.Jcc(Cond.NE, notObject);
        if (wrongType is { } refuse) EmitPointeeCheck(a, i, slot, ok, refuse);
        a.Load64(Rcx, Rsp, slot);
        a.Load64(Rax, Rcx, NativeObject.AddressOffset);
        a.Store64(Rsp, slot, Rax);
        a.Jmp(ok);
    }

    /// <summary>
    /// rcx = an ffi object passed to pointer parameter i. When the slot's type word for it names a struct or
    /// union (<see cref="Memory.InstanceTypes.SignatureTypes"/>), an instance of another type goes to C#
    /// (<see cref="NativeCallSupport.PointerArgument"/>: an array of that type is taken, anything else
    /// refused through <paramref name="wrongType"/>); an instance of that type, and every object that is
    /// not an instance (Buffers, callbacks carry no type), fall through with rcx kept.
    /// </summary>
    static void EmitPointeeCheck(X64Assembler a, int i, int slot, Label ok, Label wrongType)
    {
        var fits = a.NewLabel();
        a.Load64(Rax, R12, NativeSlot.TypesOffset);
        a.Test64(Rax, Rax);
        a.Jcc(Cond.E, fits);
        a.Load64(Rax, Rax, (1 + i) * 8);
        a.Test64(Rax, Rax);
        a.Jcc(Cond.E, fits);
        a.MovImm64(Rdx, Memory.Instance.Tag);
        a.CmpMemReg64(Rcx, Memory.InstanceNative.TagWord, Rdx);
        a.Jcc(Cond.NE, fits);
        a.CmpRMem64(Rax, Rcx, Memory.InstanceNative.TypeWord);
        a.Jcc(Cond.E, fits);
        a.MovRR(Rdi, Rbx);
        a.MovRR(Rsi, R12);
        a.MovImm32(Rdx, i);
        a.MovRR32(Rcx, R13);
        a.Lea(R8, Rsp, slot);
        a.CallAbs(NativeCallSupport.PointerArgumentAddress);
        a.Test32(Rax, Rax);
        a.Jcc(Cond.E, wrongType);
        a.Jmp(ok);
        a.Mark(fits);
    }

    /// <summary>
    /// A pointer argument read from the Lua stack, without a call, for the two common kinds: a light
    /// userdata is its value; a full userdata that is an ffi object (<see cref="EmitObjectAddress"/>'s
    /// check: at least the protocol's three words, the cookie third) gives its address, with the pointee
    /// check; any other full userdata goes to the C# helper. Every other value (nil, a function for a
    /// function pointer, anything refused) falls through to the Lua C API path below.
    /// </summary>
    static void EmitPointerFromStack(X64Assembler a, int i, int slot, Label ok, Label bad)
    {
        var notLight = a.NewLabel();
        var helper = a.NewLabel();
        var other = a.NewLabel();
        EmitArgumentValue(a, i);
        a.CmpMem8Imm(Rax, LuaStackLayout.TagOffset, LuaStackLayout.LightUserdataTag);
        a.Jcc(Cond.NE, notLight);
        a.Load64(Rcx, Rax, 0);
        a.Store64(Rsp, slot, Rcx);
        a.Jmp(ok);
        a.Mark(notLight);
        a.CmpMem8Imm(Rax, LuaStackLayout.TagOffset, LuaStackLayout.UserdataTag);
        a.Jcc(Cond.NE, other);
        EmitUserdataBlock(a, NativeObject.MinBlockBytes, helper);
        a.Store64(Rsp, slot, Rcx);
        EmitCookieAndAddress(a, i, slot, ok, helper, wrongType: bad);
        a.Mark(helper);
        EmitObjectHelper(a, i, slot, ok, bad);
        a.Mark(other);
    }

    /// <summary>A full userdata the native check did not take: the C# helper has the last word (its refusal goes to <paramref name="bad"/>).</summary>
    static void EmitObjectHelper(X64Assembler a, int i, int slot, Label ok, Label bad)
    {
        ArgIndex(a, i);
        a.Lea(Rdx, Rsp, slot);
        a.CallAbs(NativeCallSupport.ObjectAddressAddress);
        a.Test32(Rax, Rax);
        a.Jcc(Cond.E, bad);
        a.Jmp(ok);
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
