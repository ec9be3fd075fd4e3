using System.Runtime.InteropServices;
using Lunet.Interop;
using static Lunet.Interop.X64Assembler;

namespace Lunet.Ffi.Callbacks;

/// <summary>
/// What every ffi call does for callbacks, around the call of its target. Before: record
/// the calling lua_State and the OS thread (its thread pointer) in the state's
/// <see cref="Allocator.Counters"/>, so a callback the target calls runs on that Lua thread
/// (coroutine) and knows a foreign thread when it sees one. After: clear them, and when a
/// callback left something to report (its error, a call from a foreign thread or through a
/// freed pointer, queued invocations) hand over to <see cref="CallbackSupport.AfterCall"/>,
/// whose error the stub raises with lua_error. The native stubs emit this code
/// (<see cref="EmitBeforeCall"/>, <see cref="EmitAfterCall"/>); the managed stubs call
/// <see cref="BeforeManagedCall"/> and <see cref="AfterManagedCall"/>.
/// </summary>
internal static unsafe class CallbackHooks
{
    public static readonly int CallStateOffset = (int)Marshal.OffsetOf<Allocator.Counters>(nameof(Allocator.Counters.CallState));
    public static readonly int CallThreadOffset = (int)Marshal.OffsetOf<Allocator.Counters>(nameof(Allocator.Counters.CallThread));
    public static readonly int AttentionOffset = (int)Marshal.OffsetOf<Allocator.Counters>(nameof(Allocator.Counters.CallbackAttention));
    public static readonly int DepthOffset = (int)Marshal.OffsetOf<Allocator.Counters>(nameof(Allocator.Counters.ManagedDepth));
    public static readonly int CacheCellOffset = (int)Marshal.OffsetOf<Allocator.Counters>(nameof(Allocator.Counters.CallbackCacheCell));

    /// <summary>Attention bits: a callback's error waits; a callback was called on a foreign thread; a freed one was called; invocations are queued; temporary callbacks wait for release; closed libraries wait to be unloaded (Libraries/LibraryUnloading.cs).</summary>
    public const int ErrorBit = 1, ForeignBit = 2, FreedBit = 4, QueuedBit = 8, TemporaryBit = 16, UnloadBit = 32;

    /// <summary>
    /// Before the target's arguments are loaded (caller-saved registers are free, rsp is
    /// 16-byte aligned and nothing is stored below it yet): CallState = L, CallThread = the thread pointer,
    /// and no callback's function kept on this call's stack yet.
    /// </summary>
    public static void EmitBeforeCall(X64Assembler a, int stateReg)
    {
        var skip = a.NewLabel();
        if (!DirectRead) a.SubImm32(Rsp, 16, wide: true);
        EmitCounters(a, stateReg, skip);
        a.Store64(Rcx, CallStateOffset, stateReg);
        EmitThreadPointer(a, Rdx);
        a.Store64(Rcx, CallThreadOffset, Rdx);
        a.StoreImm64(Rcx, CacheCellOffset, 0);
        a.Mark(skip);
        if (!DirectRead) a.AddImm32(Rsp, 16, wide: true);
    }

    /// <summary>
    /// Right after the target returned (its result in rax, rdx, xmm0 and xmm1 — a struct comes
    /// back in up to two of them — all kept; rsp 16-byte aligned): clears CallState and
    /// CallThread, and if anything waits, calls C# and raises its error.
    /// </summary>
    public static void EmitAfterCall(X64Assembler a, int stateReg)
    {
        var done = a.NewLabel();
        var slow = a.NewLabel();
        var after = a.NewLabel();
        // The result registers are saved only where reading the counters is a call.
        if (!DirectRead) SaveResult(a);
        EmitCounters(a, stateReg, done);
        a.StoreImm64(Rcx, CallStateOffset, 0);
        a.StoreImm64(Rcx, CallThreadOffset, 0);
        a.CmpMem64Imm(Rcx, AttentionOffset, 0);
        a.Jcc(Cond.NE, slow);
        a.Mark(done);
        if (!DirectRead) RestoreResult(a);
        a.Jmp(after);

        a.Mark(slow);
        if (DirectRead) SaveResult(a);
        a.MovRR(Rdi, stateReg);
        a.CallAbs(CallbackSupport.AfterCallAddress);
        a.CmpImm32(Rax, -1);
        var raise = a.NewLabel();
        a.Jcc(Cond.E, raise);
        if (DirectRead)
        {
            RestoreResult(a);
            a.Jmp(after);
        }
        else a.Jmp(done);
        a.Mark(raise);
        a.MovRR(Rdi, stateReg);
        a.CallAbs((nint)LuaApi.error);
        a.Mark(after);
    }

    /// <summary>48 bytes below rsp (alignment kept): [0] scratch for lua_getallocf, then rax, rdx, xmm0, xmm1.</summary>
    static void SaveResult(X64Assembler a)
    {
        a.SubImm32(Rsp, 48, wide: true);
        a.Store64(Rsp, 8, Rax);
        a.Store64(Rsp, 16, Rdx);
        a.MovsdStore(Rsp, 24, 0);
        a.MovsdStore(Rsp, 32, 1);
    }

    static void RestoreResult(X64Assembler a)
    {
        a.Load64(Rax, Rsp, 8);
        a.Load64(Rdx, Rsp, 16);
        a.MovsdLoad(0, Rsp, 24);
        a.MovsdLoad(1, Rsp, 32);
        a.AddImm32(Rsp, 48, wide: true);
    }

    /// <summary>
    /// rcx = the counters of the state in <paramref name="stateReg"/>, or a jump to <paramref name="none"/>.
    /// Reads L->l_G->frealloc and ->ud where those offsets were checked against lua_getallocf
    /// (rcx, r10, r11 only: never a result register); else calls lua_getallocf with [rsp] for the user data.
    /// </summary>
    internal static void EmitCounters(X64Assembler a, int stateReg, Label none)
    {
        var ours = a.NewLabel();
        if (DirectRead)
        {
            a.Load64(R10, stateReg, GlobalOffset);
            a.Load64(Rcx, R10, UserDataOffset);
            a.Load64(R10, R10, AllocOffset);
        }
        else
        {
            a.MovRR(Rdi, stateReg);
            a.MovRR(Rsi, Rsp);
            a.CallAbs((nint)LuaApi.getallocf);
            a.MovRR(R10, Rax);
            a.Load64(Rcx, Rsp, 0);
        }
        a.MovImm64(R11, Allocator.Default);
        a.CmpRR(R10, R11);
        a.Jcc(Cond.E, ours);
        a.MovImm64(R11, Allocator.Managed);
        a.CmpRR(R10, R11);
        a.Jcc(Cond.NE, none);
        a.Mark(ours);
    }

    // Lua 5.4's lua_State.l_G and global_State.frealloc / .ud on x86-64: lua_getallocf reads exactly these.
    const int GlobalOffset = 24, AllocOffset = 0, UserDataOffset = 8;

    /// <summary>Whether this liblua54's layout has those offsets: checked once on a state of its own.</summary>
    static readonly bool DirectRead = CheckDirectRead();

    static bool CheckDirectRead()
    {
        if (!Calls.NativeStubCompiler.IsSupported) return false;
        return ScratchState.Run(L =>
        {
            void* ud;
            var f = LuaApi.getallocf(L, &ud);
            var marker = (void*)0x5EC7_1DEA;            // a user data no state has: found where we look, or not
            LuaApi.setallocf(L, f, marker);
            var g = *(nint*)(L + GlobalOffset);
            // The main thread's global_State follows it in one block (LG): anything else is not l_G.
            bool same = g > L && g - L < 4096 && *(nint*)(g + AllocOffset) == f && *(nint*)(g + UserDataOffset) == (nint)marker;
            LuaApi.setallocf(L, f, ud);
            return same;
        }, false);
    }

    /// <summary>The managed stubs' <see cref="EmitBeforeCall"/>.</summary>
    public static void BeforeManagedCall(nint L)
    {
        var c = Allocator.Of(L);
        if (c == null || ThreadPointer == null) return;
        c->CallState = L;
        c->CallThread = ThreadPointer();
        c->CallbackCacheCell = 0;
    }

    /// <summary>The managed stubs' <see cref="EmitAfterCall"/>: true when an error message was pushed (the stub returns -1).</summary>
    public static bool AfterManagedCall(nint L)
    {
        var c = Allocator.Of(L);
        if (c == null) return false;
        c->CallState = 0;
        c->CallThread = 0;
        return Volatile.Read(ref c->CallbackAttention) != 0 && CallbackSupport.AfterCallManaged(L) == -1;
    }

    /// <summary>
    /// A value unique to the running OS thread while it lives, in one instruction: fs:[0] (the
    /// TCB's self pointer) on Linux and the BSDs, gs:[0] (the thread's pthread) on macOS.
    /// </summary>
    public static void EmitThreadPointer(X64Assembler a, int dst)
    {
        if (OperatingSystem.IsMacOS()) a.LoadGs0(dst);
        else a.LoadFs0(dst);
    }

    /// <summary>The thread pointer as the native code reads it (null where callbacks are not native code).</summary>
    public static readonly delegate* unmanaged[Cdecl, SuppressGCTransition]<nint> ThreadPointer = MakeThreadPointer();

    static delegate* unmanaged[Cdecl, SuppressGCTransition]<nint> MakeThreadPointer()
    {
        if (!Calls.NativeStubCompiler.IsSupported) return null;
        var a = new X64Assembler();
        EmitThreadPointer(a, Rax);
        a.Ret();
        return (delegate* unmanaged[Cdecl, SuppressGCTransition]<nint>)ExecutableMemory.Write(a.ToArray());
    }
}
