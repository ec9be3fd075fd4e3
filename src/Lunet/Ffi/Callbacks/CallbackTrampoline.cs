using Lunet.Ffi.Abi;
using Lunet.Ffi.Types;
using Lunet.Interop;
using static Lunet.Interop.X64Assembler;

namespace Lunet.Ffi.Callbacks;

/// <summary>
/// The machine code C calls for a callback (x86-64 System V), one per signature shape, entered
/// from a slot with r11 = the callback's cell (<see cref="CallbackCells"/>). It checks that it
/// runs on the thread of its runtime's ffi call in progress (else it hands the call to
/// <see cref="CallbackSupport.Foreign"/> and returns zero), pushes the message handler, the
/// Lua function and the arguments with the Lua C API, and calls the function with lua_pcall
/// on the lua_State of that ffi call; then it checks and converts the result. An error (or a
/// result of the wrong type) is recorded through C# for the stub to raise when the ffi call
/// returns, and C gets zero. Lua pushes that allocate (strings) happen with the state's
/// managed depth raised, so the memory limit cannot make them raise: nothing here unwinds.
/// Before them, C# checks that they fit under the limit (<see cref="CallbackSupport.ArgumentsBudgetAddress"/>):
/// what a callback receives counts against it as any allocation does.
/// </summary>
internal static unsafe class CallbackTrampoline
{
    static readonly int[] IntRegs = Abi.SysVX64Convention.IntegerRegisterCodes;

    static readonly Dictionary<CallShape, nint> Trampolines = new();

    /// <summary>The trampoline of <paramref name="sig"/>'s shape, made on first use.</summary>
    public static nint For(FunctionType sig)
    {
        lock (Trampolines)
        {
            if (!Trampolines.TryGetValue(sig.Shape, out var t))
                Trampolines[sig.Shape] = t = ExecutableMemory.Write(Compile(sig));
            return t;
        }
    }

    // Frame (from rsp): isnum, whether this level lowered Lua's C-call count (CallbackNesting), the hidden result pointer, the scalar result, the message handler's
    // index and whether it is on top of the arguments (1) or kept below (0), the ffi call's kept
    // callback as it was (its id), then each argument's area (an 8-byte slot for a scalar, the
    // eightbytes of a struct that came in registers; a struct passed on the stack stays where the
    // caller put it), then a struct result's registers (16 bytes).
    const int IsNum = 0, Lowered = 4, Hidden = 8, Result = 16, Handler = 24, HandlerOnTop = 28, SavedCell = 32, Args = 40;

    /// <summary>LUA_MINSTACK: the free stack slots Lua guarantees a C function.</summary>
    const int MinStack = 20;

    static readonly int[] IntResultRegs = [Rax, Rdx];

    static bool IsRecord(CType t) => t.Kind == TypeKind.Record;

    /// <summary>
    /// Where each argument is, from the start of the argument areas (the address C# reads them from):
    /// its area in the frame, or -1 for a struct the caller passed on its stack (at its plan's offset
    /// from the caller's stack arguments, rbp + 16).
    /// </summary>
    internal static int[] ArgumentOffsets(FunctionType sig, ArgumentPlan plan, out int bytes)
    {
        var offsets = new int[sig.Parameters.Count];
        bytes = 0;
        for (int i = 0; i < offsets.Length; i++)
        {
            var t = sig.Parameters[i];
            if (!IsRecord(t)) { offsets[i] = bytes; bytes += 8; }
            else if (plan.Parameters[i].Kind == PassKind.Stack) offsets[i] = -1;
            else { offsets[i] = bytes; bytes += (t.Size + 7) & ~7; }
        }
        return offsets;
    }

    /// <summary>Where argument <paramref name="i"/> of an invocation is, by <see cref="ArgumentOffsets"/>: its area from <paramref name="args"/>, or the caller's stack arguments.</summary>
    internal static byte* ArgumentAt(ArgumentPlan plan, int[] offsets, int i, byte* args, byte* stackArgs) =>
        offsets[i] < 0 ? stackArgs + plan.Parameters[i].StackOffset : args + offsets[i];

    internal static byte[] Compile(FunctionType sig)
    {
        var a = new X64Assembler();
        var ps = sig.Parameters;
        var plan = ArgumentPlans.Of(sig);
        var retType = sig.Returns;
        bool recordResult = IsRecord(retType);
        var ret = retType.Scalar;
        int n = ps.Count;
        var offsets = ArgumentOffsets(sig, plan, out int argBytes);
        int recordArea = Args + argBytes;
        // Six pushes after the call leave rsp ≡ 8 (mod 16); the frame brings it back to 0.
        int frame = ((recordArea + (recordResult ? 16 : 0) + 15) & ~15) + 8;

        a.Push(Rbp);
        a.MovRR(Rbp, Rsp);
        a.Push(Rbx); a.Push(R12); a.Push(R13); a.Push(R14); a.Push(R15);
        a.SubImm32(Rsp, frame, wide: true);
        a.MovRR(Rbx, R11);   // the cell

        // Every argument into its area, from its registers or from the caller's stack, as the plan says.
        for (int i = 0; i < n; i++)
        {
            var p = plan.Parameters[i];
            int slot = Args + offsets[i];
            if (IsRecord(ps[i]))
            {
                if (p.Kind == PassKind.Registers)
                    foreach (var piece in p.Pieces)
                    {
                        if (piece.Class == RegisterClass.Integer) a.Store64(Rsp, slot + piece.Offset, IntRegs[piece.Register]);
                        else a.MovsdStore(Rsp, slot + piece.Offset, piece.Register);
                    }
                continue;
            }
            if (p.Kind == PassKind.Stack)
            {
                a.Load64(Rax, Rbp, 16 + p.StackOffset);
                a.Store64(Rsp, slot, Rax);
            }
            else if (p.Pieces[0].Class == RegisterClass.Vector)
            {
                if (ps[i].Scalar == ScalarKind.F32) a.MovssStore(Rsp, slot, p.Pieces[0].Register);
                else a.MovsdStore(Rsp, slot, p.Pieces[0].Register);
            }
            else a.Store64(Rsp, slot, IntRegs[p.Pieces[0].Register]);
        }
        // A struct result starts zeroed (what C gets on every failure): its registers' area, or the caller's memory.
        if (plan.HasHiddenResultPointer)
        {
            a.Store64(Rsp, Hidden, IntRegs[plan.Result.Pieces[0].Register]);
            EmitZero(a, IntRegs[plan.Result.Pieces[0].Register], retType.Size);
        }
        else if (recordResult)
        {
            a.StoreImm64(Rsp, recordArea, 0);
            a.StoreImm64(Rsp, recordArea + 8, 0);
        }

        var zero = a.NewLabel();
        var foreign = a.NewLabel();
        var noStack = a.NewLabel();
        var failed = a.NewLabel();
        var badResult = a.NewLabel();
        var cleanup = a.NewLabel();

        // Whose call is this? r12 = counters, r13 = L, r14 = this thread, r15 = the managed depth to restore.
        a.Load64(R12, Rbx, CallbackCells.CountersOffset);
        a.Test64(R12, R12);
        a.Jcc(Cond.E, zero);                                   // its runtime is gone
        CallbackHooks.EmitThreadPointer(a, R14);
        a.CmpRMem64(R14, R12, CallbackHooks.CallThreadOffset);
        a.Jcc(Cond.NE, foreign);
        a.Load64(R13, R12, CallbackHooks.CallStateOffset);
        a.Test64(R13, R13);
        a.Jcc(Cond.E, foreign);
        a.TestMem64Imm(R12, CallbackHooks.AttentionOffset, CallbackHooks.ErrorBit);
        a.Jcc(Cond.NE, zero);                                  // an earlier invocation failed: no more Lua in this call
        // Strings and structs are pushed where the allocator cannot fail (below): C# first checks that
        // they fit under the runtime's memory limit, else records "not enough memory" for the ffi call.
        bool budgeted = ps.Any(p => IsRecord(p) || p.Scalar == ScalarKind.CString);
        if (budgeted)
        {
            a.MovRR(Rdi, Rbx);
            a.Lea(Rsi, Rsp, Args);
            a.Lea(Rdx, Rbp, 16);
            a.CallAbs(CallbackSupport.ArgumentsBudgetAddress);
            a.Test32(Rax, Rax);
            a.Jcc(Cond.E, zero);
        }
        a.Load64(R15, R12, CallbackHooks.DepthOffset);
        // Pushes that allocate (strings, instances, a grown stack) happen with it raised, so they cannot fail.
        bool allocates = n + 4 > MinStack || budgeted;
        if (allocates) a.StoreImm64(R12, CallbackHooks.DepthOffset, 1);

        // The ffi call in progress is a C function that has pushed nothing yet: Lua guarantees it
        // LUA_MINSTACK (20) free slots, enough for the kept handler and function, the handler and
        // the function of another callback, and up to 16 arguments.
        if (n + 4 > MinStack)
        {
            a.MovRR(Rdi, R13);
            a.MovImm32(Rsi, n + 4);
            a.CallAbs((nint)LuaApi.checkstack);
            a.Test32(Rax, Rax);
            a.Jcc(Cond.E, noStack);
        }
        EmitPushFunction(a, n);
        var pushFailed = new Label[n];
        for (int i = 0; i < n; i++)
        {
            if (!IsRecord(ps[i])) { EmitPushArgument(a, ps[i].Scalar, Args + offsets[i]); continue; }
            // A struct: C# pushes a new instance holding a copy of its bytes (or records why not).
            pushFailed[i] = a.NewLabel();
            a.MovRR(Rdi, Rbx);
            a.MovRR(Rsi, R13);
            a.MovImm32(Rdx, i);
            if (offsets[i] < 0) a.Lea(Rcx, Rbp, 16 + plan.Parameters[i].StackOffset);
            else a.Lea(Rcx, Rsp, Args + offsets[i]);
            a.CallAbs(CallbackSupport.RecordArgumentAddress);
            a.Test32(Rax, Rax);
            a.Jcc(Cond.E, pushFailed[i]);
        }

        // lua_pcall(L, n, ret == void ? 0 : 1, the handler): the Lua code runs with the memory limit on.
        CallbackNesting.EmitEnter(a, Lowered);
        Libraries.LibraryUnloading.EmitEnter(a, R12);
        a.StoreImm64(R12, CallbackHooks.DepthOffset, 0);
        a.Load64(Rax, R12, CallbackHooks.CacheCellOffset);
        a.Store64(Rsp, SavedCell, Rax);
        a.MovRR(Rdi, R13);
        a.MovImm32(Rsi, n);
        a.MovImm32(Rdx, ret == ScalarKind.Void ? 0 : 1);
        a.LoadExtend(Rcx, Rsp, Handler, 4, signed: true);
        a.Xor32(R8, R8);
        a.Xor32(R9, R9);
        a.CallAbs((nint)LuaApi.pcallk);
        CallbackNesting.EmitLeave(a, Lowered);
        Libraries.LibraryUnloading.EmitLeave(a, R12);
        // Nested ffi calls cleared these: this call is still in progress, its stack as it was.
        a.Store64(R12, CallbackHooks.CallStateOffset, R13);
        a.Store64(R12, CallbackHooks.CallThreadOffset, R14);
        a.Load64(Rcx, Rsp, SavedCell);
        a.Store64(R12, CallbackHooks.CacheCellOffset, Rcx);
        a.Test32(Rax, Rax);
        a.Jcc(Cond.NE, failed);

        if (!ret.IsInteger()) a.StoreImm64(Rsp, Result, 0);   // an integer result is always written
        if (recordResult)
        {
            // C# converts the result into the struct's memory (zeroed again, and the error recorded, when it cannot).
            a.MovRR(Rdi, Rbx);
            a.MovRR(Rsi, R13);
            if (plan.HasHiddenResultPointer) a.Load64(Rdx, Rsp, Hidden);
            else a.Lea(Rdx, Rsp, recordArea);
            a.CallAbs(CallbackSupport.RecordResultAddress);
            a.Test32(Rax, Rax);
            a.Jcc(Cond.E, cleanup);
        }
        else if (ret != ScalarKind.Void) EmitReadResult(a, ret, badResult);

        // The result, and the handler when it was pushed for this invocation.
        EmitPop(a, ret == ScalarKind.Void ? 0 : 1);
        a.Store64(R12, CallbackHooks.DepthOffset, R15);
        var epilogue = a.NewLabel();
        var recordOut = a.NewLabel();
        if (recordResult)
        {
            // The struct result: its eightbytes into rax/rdx/xmm0/xmm1, or the hidden pointer into rax.
            a.Mark(recordOut);
            if (plan.HasHiddenResultPointer) a.Load64(Rax, Rsp, Hidden);
            else
                foreach (var piece in plan.Result.Pieces)
                {
                    if (piece.Class == RegisterClass.Integer) a.Load64(IntResultRegs[piece.Register], Rsp, recordArea + piece.Offset);
                    else a.MovsdLoad(piece.Register, Rsp, recordArea + piece.Offset);
                }
        }
        else
        {
            a.Load64(Rax, Rsp, Result);
            if (ret.IsInteger() && ret.Shape().bytes < 8) a.Extend(Rax, Rax, ret.Shape().bytes, ret.Shape().signed);
            if (ret == ScalarKind.F32) a.MovssLoad(0, Rsp, Result);
            else if (ret.IsFloat()) a.MovsdLoad(0, Rsp, Result);
        }
        a.Mark(epilogue);
        a.AddImm32(Rsp, frame, wide: true);
        a.Pop(R15); a.Pop(R14); a.Pop(R13); a.Pop(R12); a.Pop(Rbx);
        a.Pop(Rbp);
        a.Ret();

        a.Mark(zero);
        if (recordResult) a.Jmp(recordOut);   // still the zeroed struct
        else
        {
            a.Xor32(Rax, Rax);
            a.XorpsXmm0();
            a.Jmp(epilogue);
        }

        // The Lua function raised (the message handler's result is on top): C# records it.
        a.Mark(failed);
        a.MovRR(Rdi, Rbx);
        a.MovRR(Rsi, R13);
        a.MovRR32(Rdx, Rax);
        a.CallAbs(CallbackSupport.FailedAddress);
        a.Jmp(cleanup);

        a.Mark(badResult);
        a.MovRR(Rdi, Rbx);
        a.MovRR(Rsi, R13);
        a.CallAbs(CallbackSupport.BadResultAddress);

        a.Mark(cleanup);
        EmitPop(a, 1);   // the error (or the result), and the handler when it was pushed

        a.Store64(R12, CallbackHooks.DepthOffset, R15);
        a.Jmp(zero);

        // A struct argument could not be pushed (C# recorded why): drop the handler, the function and the arguments pushed so far.
        for (int i = 0; i < n; i++)
        {
            if (!IsRecord(ps[i])) continue;
            a.Mark(pushFailed[i]);
            EmitPop(a, i + 1);   // the function and the arguments pushed so far
            a.Store64(R12, CallbackHooks.DepthOffset, R15);
            a.Jmp(zero);
        }

        a.Mark(noStack);
        a.Store64(R12, CallbackHooks.DepthOffset, R15);
        a.MovRR(Rdi, Rbx);
        a.MovRR(Rsi, R13);
        a.CallAbs(CallbackSupport.NoStackAddress);
        a.Jmp(zero);

        // Not the runtime's thread in an ffi call: C# queues the invocation or flags it.
        a.Mark(foreign);
        a.MovRR(Rdi, Rbx);
        a.Lea(Rsi, Rsp, Args);
        a.Lea(Rdx, Rbp, 16);
        a.CallAbs(CallbackSupport.ForeignAddress);
        a.Jmp(zero);
        return a.ToArray();
    }

    /// <summary>
    /// Pushes the message handler (unless the ffi call keeps it) and the function, and sets the
    /// frame's handler index. The first callback an ffi call invokes keeps its handler and function
    /// on top of that call's stack (where the ffi call's C function drops them as it returns; every
    /// invocation leaves the stack as it found it, so they stay on top): its later invocations in
    /// the same call push a copy of the function only. Any other callback pushes both each time,
    /// and drops the handler again.
    /// </summary>
    static void EmitPushFunction(X64Assembler a, int n)
    {
        var miss = a.NewLabel();
        var kept = a.NewLabel();
        var done = a.NewLabel();
        // Matched by the callback's identity, not its cell: a cell freed and given to another callback meanwhile is another callback.
        a.Load64(Rax, R12, CallbackHooks.CacheCellOffset);
        a.CmpRMem64(Rax, Rbx, CallbackCells.IdOffset);
        a.Jcc(Cond.NE, miss);
        // Kept: a copy of the function on top, the handler below it.
        a.Mark(kept);
        if (Lunet.Interop.LuaStackLayout.TopOffset >= 0) LuaStackAccess.EmitPushTop(a, R13);
        else
        {
            a.MovRR(Rdi, R13);
            a.MovImm32(Rsi, -1);
            a.CallAbs((nint)LuaApi.pushvalue);
        }
        a.MovImm32(Rax, -(n + 3));
        a.Store32(Rsp, Handler, Rax);
        a.Xor32(Rax, Rax);
        a.Store32(Rsp, HandlerOnTop, Rax);
        a.Jmp(done);

        a.Mark(miss);
        EmitPushHandlerAndFunction(a);
        var other = a.NewLabel();
        a.Test64(Rax, Rax);
        a.Jcc(Cond.NE, other);
        a.Load64(Rcx, Rbx, CallbackCells.IdOffset);
        a.Store64(R12, CallbackHooks.CacheCellOffset, Rcx);   // the first callback of this ffi call: keep them
        a.Jmp(kept);

        // Another callback's are kept: this one's handler and function go on top, and the handler comes off after.
        a.Mark(other);
        a.MovImm32(Rax, -(n + 2));
        a.Store32(Rsp, Handler, Rax);
        a.MovImm32(Rax, 1);
        a.Store32(Rsp, HandlerOnTop, Rax);
        a.Mark(done);
    }

    /// <summary>Pushes the message handler and the function: a copy from its slot on the store's stack, moved onto L (no table lookup). rax is kept.</summary>
    static void EmitPushHandlerAndFunction(X64Assembler a)
    {
        a.Push(Rax);
        a.Push(Rax);
        a.MovRR(Rdi, R13);
        a.MovImm64(Rsi, CallbackSupport.MessageHandler);
        a.Xor32(Rdx, Rdx);
        a.CallAbs((nint)LuaApi.pushcclosure);
        a.Load64(Rdi, Rbx, CallbackCells.StoreOffset);
        a.Load32(Rsi, Rbx, CallbackCells.ReferenceOffset);
        a.CallAbs((nint)LuaApi.pushvalue);
        a.Load64(Rdi, Rbx, CallbackCells.StoreOffset);
        a.MovRR(Rsi, R13);
        a.MovImm32(Rdx, 1);
        a.CallAbs(CallbackRegistry.XMove);
        a.Pop(Rax);
        a.Pop(Rax);
    }

    /// <summary>Drops <paramref name="count"/> values, and the handler when this invocation pushed it on top (rax, rcx, rdx, rsi, rdi are used).</summary>
    static void EmitPop(X64Assembler a, int count)
    {
        a.Load32(Rcx, Rsp, HandlerOnTop);
        if (Lunet.Interop.LuaStackLayout.TopOffset >= 0)
        {
            a.ShlImm(Rcx, 4);
            a.Load64(Rax, R13, Lunet.Interop.LuaStackLayout.TopOffset);
            if (count > 0) a.SubImm32(Rax, count * Lunet.Interop.LuaStackLayout.ValueSize, wide: true);
            a.SubRR(Rax, Rcx);
            a.Store64(R13, Lunet.Interop.LuaStackLayout.TopOffset, Rax);
            return;
        }
        a.MovImm32(Rsi, -1 - count);
        a.SubRR32(Rsi, Rcx);
        a.MovRR(Rdi, R13);
        a.CallAbs((nint)LuaApi.settop);
    }

    /// <summary>Zeroes <paramref name="size"/> bytes at [<paramref name="at"/>] (rax and rcx are free).</summary>
    static void EmitZero(X64Assembler a, int at, int size)
    {
        a.MovRR(Rax, at);
        int words = size / 8;
        if (words > 4)
        {
            var loop = a.NewLabel();
            a.MovImm32(Rcx, words);
            a.Mark(loop);
            a.StoreImm64(Rax, 0, 0);
            a.AddImm32(Rax, 8, wide: true);
            a.SubImm32(Rcx, 1, wide: true);
            a.Jcc(Cond.NE, loop);
        }
        else
        {
            for (int w = 0; w < words; w++) a.StoreImm64(Rax, w * 8, 0);
            a.AddImm32(Rax, words * 8, wide: true);
        }
        a.Xor32(Rcx, Rcx);
        int at8 = 0, rest = size % 8;
        if (rest >= 4) { a.Store32(Rax, at8, Rcx); at8 += 4; rest -= 4; }
        if (rest >= 2) { a.Store16(Rax, at8, Rcx); at8 += 2; rest -= 2; }
        if (rest >= 1) a.Store8(Rax, at8, Rcx);
    }

    static void EmitPushArgument(X64Assembler a, ScalarKind k, int slot)
    {
        switch (k)
        {
            case var _ when k.IsInteger():
            {
                var (bytes, signed) = k.Shape();
                a.LoadExtend(Rsi, Rsp, slot, bytes, signed);
                if (Lunet.Interop.LuaStackLayout.TopOffset >= 0)
                {
                    LuaStackAccess.EmitPushInteger(a, R13, Rsi);
                    break;
                }
                a.MovRR(Rdi, R13);
                a.CallAbs((nint)LuaApi.pushinteger);
                break;
            }
            case ScalarKind.F32:
                a.MovssLoad(0, Rsp, slot);
                a.Cvtss2sdXmm0();
                a.MovRR(Rdi, R13);
                a.CallAbs((nint)LuaApi.pushnumber);
                break;
            case ScalarKind.F64:
                a.MovsdLoad(0, Rsp, slot);
                a.MovRR(Rdi, R13);
                a.CallAbs((nint)LuaApi.pushnumber);
                break;
            case ScalarKind.Bool:
                a.LoadExtend(Rsi, Rsp, slot, 1, signed: false);
                a.MovRR(Rdi, R13);
                a.CallAbs((nint)LuaApi.pushboolean);
                break;
            case ScalarKind.Pointer:
                a.Load64(Rsi, Rsp, slot);
                a.MovRR(Rdi, R13);
                a.CallAbs((nint)LuaApi.pushlightuserdata);
                break;
            case ScalarKind.CString:
            {
                var nil = a.NewLabel();
                var done = a.NewLabel();
                a.Load64(Rsi, Rsp, slot);
                a.Test64(Rsi, Rsi);
                a.Jcc(Cond.E, nil);
                a.MovRR(Rdi, R13);
                a.CallAbs((nint)LuaApi.pushstring);
                a.Jmp(done);
                a.Mark(nil);
                a.MovRR(Rdi, R13);
                a.CallAbs((nint)LuaApi.pushnil);
                a.Mark(done);
                break;
            }
            default:
                throw new NotSupportedException($"callback parameter type {k}");
        }
    }

    /// <summary>The value on top into the result slot, checked as the stubs check arguments, or a jump to <paramref name="bad"/>.</summary>
    static void EmitReadResult(X64Assembler a, ScalarKind k, Label bad)
    {
        var ok = a.NewLabel();
        void TypeOfTop()
        {
            a.MovRR(Rdi, R13);
            a.MovImm32(Rsi, -1);
            a.CallAbs((nint)LuaApi.type);
        }
        switch (k)
        {
            case var _ when k.IsInteger():
                // An integer is read off the stack slot itself; anything else (a float with an integer value) through the API.
                if (Lunet.Interop.LuaStackLayout.TopOffset >= 0)
                {
                    var other = a.NewLabel();
                    LuaStackAccess.EmitReadInteger(a, R13, Result, other);
                    a.Jmp(ok);
                    a.Mark(other);
                }
                a.MovRR(Rdi, R13);
                a.MovImm32(Rsi, -1);
                a.Lea(Rdx, Rsp, IsNum);
                a.CallAbs((nint)LuaApi.tointegerx);
                a.Store64(Rsp, Result, Rax);
                a.CmpMem32Imm(Rsp, IsNum, 0);
                a.Jcc(Cond.E, bad);
                TypeOfTop();
                a.CmpImm32(Rax, LuaApi.TNUMBER);
                a.Jcc(Cond.NE, bad);
                break;
            case var _ when k.IsFloat():
                TypeOfTop();
                a.CmpImm32(Rax, LuaApi.TNUMBER);
                a.Jcc(Cond.NE, bad);
                a.MovRR(Rdi, R13);
                a.MovImm32(Rsi, -1);
                a.Lea(Rdx, Rsp, IsNum);
                a.CallAbs((nint)LuaApi.tonumberx);
                if (k == ScalarKind.F32)
                {
                    a.Cvtsd2ssXmm0();
                    a.MovssStore(Rsp, Result, 0);
                }
                else a.MovsdStore(Rsp, Result, 0);
                break;
            case ScalarKind.Bool:
                TypeOfTop();
                a.CmpImm32(Rax, LuaApi.TBOOLEAN);
                a.Jcc(Cond.E, ok);
                a.CmpImm32(Rax, LuaApi.TNIL);
                a.Jcc(Cond.NE, bad);
                a.Mark(ok);
                ok = a.NewLabel();
                a.MovRR(Rdi, R13);
                a.MovImm32(Rsi, -1);
                a.CallAbs((nint)LuaApi.toboolean);
                a.Store64(Rsp, Result, Rax);
                break;
            case ScalarKind.Pointer:
            {
                // A light userdata, nil (NULL), or an ffi object (its address, asked of C#).
                var notLight = a.NewLabel();
                TypeOfTop();
                a.CmpImm32(Rax, LuaApi.TNIL);
                a.Jcc(Cond.E, ok);
                a.CmpImm32(Rax, LuaApi.TLIGHTUSERDATA);
                a.Jcc(Cond.NE, notLight);
                a.MovRR(Rdi, R13);
                a.MovImm32(Rsi, -1);
                a.CallAbs((nint)LuaApi.touserdata);
                a.Store64(Rsp, Result, Rax);
                a.Jmp(ok);
                a.Mark(notLight);
                a.CmpImm32(Rax, LuaApi.TUSERDATA);
                a.Jcc(Cond.NE, bad);
                a.MovRR(Rdi, R13);
                a.MovImm32(Rsi, -1);
                a.Lea(Rdx, Rsp, Result);
                a.CallAbs(Calls.NativeCallSupport.ObjectAddressAddress);
                a.Test32(Rax, Rax);
                a.Jcc(Cond.E, bad);
                break;
            }
            default:
                throw new NotSupportedException($"callback result type {k}");
        }
        a.Mark(ok);
    }
}
