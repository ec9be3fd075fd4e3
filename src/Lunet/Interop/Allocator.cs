using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Lunet.Interop;

/// <summary>
/// The lua_Alloc of every state: the C allocator with a byte count and an optional
/// limit. A Lua allocation that fails raises "not enough memory" with a longjmp, which
/// must never cross a .NET frame, so the limit only applies while no C# code is on the
/// state's stack (<see cref="Counters.ManagedDepth"/> is 0): an allocation made for C#
/// always succeeds (unless the C allocator itself has nothing left), and the next one
/// made from Lua fails instead. Shrinking and freeing never fail.
///
/// On x86-64 System V the allocator is a few dozen bytes of machine code calling libc
/// realloc and free directly (what Lua's own allocator calls; no managed transition per
/// allocation); elsewhere it is the C# <see cref="ManagedAlloc"/>, which does the same with
/// a reverse P/Invoke, allocating through the state's original allocator.
/// </summary>
internal static unsafe class Allocator
{
    /// <summary>The allocator's user data, one per state, in native memory (the native code reads it).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Counters
    {
        /// <summary>Bytes Lua holds now.</summary>
        public long Used;
        /// <summary>Growing past this fails while <see cref="ManagedDepth"/> is 0 (long.MaxValue: no limit).</summary>
        public long Limit;
        /// <summary>How many C# frames (host API calls, C# functions called from Lua) are on the state's stack.</summary>
        public long ManagedDepth;
        /// <summary>
        /// The allocator the state was made with (Lua's own) and its user data: the C# version
        /// allocates through it, so every block of the state comes from one C library's heap
        /// even where the runtime's and liblua's C libraries differ. 0: NativeMemory.
        /// </summary>
        public nint Underlying, UnderlyingData;
        /// <summary>
        /// A GCHandle to the state's ffi context (0: none). Kept here rather than in the
        /// registry, which a script with the debug library can rewrite.
        /// </summary>
        public nint FfiContext;
        /// <summary>The state's native ffi.new cache (Ffi/Memory/InstanceTypes.cs), 0 until first used: found here for the same reason.</summary>
        public nint InstanceNew;
        /// <summary>
        /// Callbacks (Ffi/Callbacks): the lua_State of the ffi call in progress and the thread
        /// pointer of the OS thread making it (both 0 when none), written by the call stubs.
        /// </summary>
        public nint CallState, CallThread;
        /// <summary>Callbacks: what the next ffi call's return must look at (an error waits, a foreign or freed call, queued calls); any thread sets bits.</summary>
        public long CallbackAttention;
        /// <summary>Callbacks: a GCHandle to the state's callback registry (0: none made yet).</summary>
        public nint Callbacks;
        /// <summary>
        /// errno (Ffi/Calls/ErrnoCell.cs): its value when the last ffi call returned (what ffi.errno
        /// reads), and non-zero when ffi.errno(v) set it, so the next call stores it into errno first.
        /// </summary>
        public long Errno, ErrnoPending;
        /// <summary>Callbacks: how many callback invocations are nested on the runtime's thread now (Ffi/Callbacks/CallbackNesting.cs).</summary>
        public long CallbackLevels;
        /// <summary>
        /// Callbacks: the id (Ffi/Callbacks/CallbackCells.cs, Cell.Id) of the callback whose message handler and function the ffi call in
        /// progress keeps on top of its stack (0: none yet); reset by every ffi call (Ffi/Callbacks/CallbackTrampoline.cs).
        /// </summary>
        public nint CallbackCacheCell;
        /// <summary>
        /// Callbacks: how many callback invocations of this runtime are running Lua now (raised and
        /// lowered by the trampolines around their lua_pcall): while any is, some ffi call's target is
        /// on the stack below it (Ffi/Libraries/LibraryUnloading.cs).
        /// </summary>
        public long CallbacksRunning;
    }

    const int UsedOffset = 0, LimitOffset = 8, DepthOffset = 16;

    /// <summary>The managed version, usable on every platform.</summary>
    public static readonly nint Managed = (nint)(delegate* unmanaged[Cdecl]<Counters*, void*, nuint, nuint, void*>)&ManagedAlloc;

    /// <summary>The native version where there is one, else <see cref="Managed"/>.</summary>
    public static readonly nint Default = NativeOrManaged();

    public static Counters* NewCounters(long? limit)
    {
        var c = (Counters*)NativeMemory.AllocZeroed((nuint)sizeof(Counters));
        c->Limit = limit is long l and >= 0 ? l : long.MaxValue;
        return c;
    }

    public static void FreeCounters(Counters* c) => NativeMemory.Free(c);

    /// <summary>
    /// The counters of the state <paramref name="L"/> (any of its threads) belongs to; null for
    /// a state with another allocator (Lua's own, whose user data is NULL).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Counters* Of(nint L)
    {
        void* ud;
        var f = LuaApi.getallocf(L, &ud);
        return f == Default || f == Managed ? (Counters*)ud : null;
    }

    /// <summary>
    /// Throws Lua's "not enough memory" when <paramref name="bytes"/> more would take the state
    /// past its limit: for C# that is about to make a large allocation it knows the size of,
    /// which would otherwise succeed (C# is on the stack) and leave the script over its limit.
    /// </summary>
    public static void CheckBudget(nint L, long bytes)
    {
        var c = Of(L);
        if (c == null) return;
        if (bytes < 0 || bytes > c->Limit - c->Used) throw new LuaException("not enough memory") { WithPosition = false };
    }

    /// <summary>The rule, in C#; the native code below is this method instruction by instruction.</summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    static void* ManagedAlloc(Counters* c, void* block, nuint oldSize, nuint newSize)
    {
        if (newSize == 0)
        {
            if (block != null)
            {
                c->Used -= (long)oldSize;
                Reallocate(c, block, oldSize, 0);
            }
            return null;
        }
        nuint old = block == null ? 0 : oldSize; // for a new block, oldSize is the kind of object
        if (newSize > old && c->ManagedDepth == 0)
        {
            ulong total = (ulong)c->Used + (newSize - old);
            if (total < (ulong)c->Used || total > (ulong)c->Limit) return null;
        }
        var p = Reallocate(c, block, oldSize, newSize);
        if (p != null) c->Used += (long)newSize - (long)old;
        return p;
    }

    static void* Reallocate(Counters* c, void* block, nuint oldSize, nuint newSize)
    {
        if (c->Underlying != 0)
            return ((delegate* unmanaged[Cdecl]<nint, void*, nuint, nuint, void*>)c->Underlying)(c->UnderlyingData, block, oldSize, newSize);
        if (newSize == 0)
        {
            NativeMemory.Free(block);
            return null;
        }
        return NativeMemory.Realloc(block, newSize);
    }

    static nint NativeOrManaged()
    {
        if (RuntimeInformation.ProcessArchitecture != Architecture.X64 || OperatingSystem.IsWindows() || LibC.Handle == 0)
            return Managed;
        if (!NativeLibrary.TryGetExport(LibC.Handle, "realloc", out var realloc) ||
            !NativeLibrary.TryGetExport(LibC.Handle, "free", out var free))
            return Managed;
        return ExecutableMemory.Write(NativeCode(realloc, free));
    }

    /// <summary>x86-64 System V: rdi = counters, rsi = block, rdx = old size, rcx = new size.</summary>
    internal static byte[] NativeCode(nint realloc, nint free)
    {
        const int Rax = X64Assembler.Rax, Rcx = X64Assembler.Rcx, Rdx = X64Assembler.Rdx, Rbx = X64Assembler.Rbx,
            Rsi = X64Assembler.Rsi, Rdi = X64Assembler.Rdi, R12 = X64Assembler.R12, R13 = X64Assembler.R13;
        var a = new X64Assembler();
        var freeing = a.NewLabel();
        var newBlock = a.NewLabel();
        var allocate = a.NewLabel();
        var fail = a.NewLabel();
        var done = a.NewLabel();
        // Three pushes keep the stack 16-byte aligned for the calls; rbx, r12, r13 survive them.
        a.Push(Rbx); a.Push(R12); a.Push(R13);
        a.MovRR(Rbx, Rdi);                                      // rbx = counters
        a.Test64(Rcx, Rcx); a.Jcc(X64Assembler.Cond.E, freeing);
        a.Xor32(R12, R12);                                      // r12 = old size (0 for a new block)
        a.Test64(Rsi, Rsi); a.Jcc(X64Assembler.Cond.E, newBlock);
        a.MovRR(R12, Rdx);
        a.Mark(newBlock);
        a.MovRR(R13, Rcx);                                      // r13 = new size
        a.CmpRR(R13, R12); a.Jcc(X64Assembler.Cond.BE, allocate);          // shrinking never fails
        a.CmpMem64Imm(Rbx, DepthOffset, 0); a.Jcc(X64Assembler.Cond.NE, allocate); // C# on the stack: let it succeed
        a.MovRR(Rax, R13); a.SubRR(Rax, R12);                   // rax = growth
        a.Load64(Rdx, Rbx, UsedOffset);
        a.AddRR(Rax, Rdx); a.Jcc(X64Assembler.Cond.B, fail);    // wrapped around
        a.CmpRMem64(Rax, Rbx, LimitOffset); a.Jcc(X64Assembler.Cond.A, fail);
        a.Mark(allocate);
        a.MovRR(Rdi, Rsi); a.MovRR(Rsi, R13);
        a.CallAbs(realloc);
        a.Test64(Rax, Rax); a.Jcc(X64Assembler.Cond.E, done);
        a.Load64(Rcx, Rbx, UsedOffset); a.AddRR(Rcx, R13); a.SubRR(Rcx, R12); a.Store64(Rbx, UsedOffset, Rcx);
        a.Jmp(done);
        a.Mark(freeing);
        a.Test64(Rsi, Rsi); a.Jcc(X64Assembler.Cond.E, fail);   // free(NULL): nothing to count
        a.Load64(Rcx, Rbx, UsedOffset); a.SubRR(Rcx, Rdx); a.Store64(Rbx, UsedOffset, Rcx);
        a.MovRR(Rdi, Rsi);
        a.CallAbs(free);
        a.Mark(fail);
        a.Xor32(Rax, Rax);
        a.Mark(done);
        a.Pop(R13); a.Pop(R12); a.Pop(Rbx);
        a.Ret();
        return a.ToArray();
    }
}
