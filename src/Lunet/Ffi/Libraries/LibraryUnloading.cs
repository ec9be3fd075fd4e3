using System.Runtime.InteropServices;
using Lunet.Ffi.Callbacks;
using Lunet.Interop;
using static Lunet.Interop.X64Assembler;

namespace Lunet.Ffi.Libraries;

/// <summary>
/// A close() while one of the library's functions is running takes effect when the last such
/// call returns. A script runs during an ffi call only inside a callback (the runtime is
/// single-threaded, and a callback runs Lua only on its runtime's thread, inside one of its ffi
/// calls), so while any callback of the runtime is running, a library's code may lie below it
/// on the stack. The trampolines count those (<see cref="Allocator.Counters.CallbacksRunning"/>,
/// two instructions around their lua_pcall: the ordinary call path pays nothing). A close made
/// then marks the library closed at once (every call through it is an error) but keeps the
/// loader's handle in the runtime's pending list and flags the ffi call in progress; the
/// stubs' after-call hook (<see cref="CallbackSupport"/>) unloads the pending libraries once an
/// ffi call returns with no callback running: the outermost call, when no library code is left
/// on the stack.
/// </summary>
internal static unsafe class LibraryUnloading
{
    public static readonly int RunningOffset = (int)Marshal.OffsetOf<Allocator.Counters>(nameof(Allocator.Counters.CallbacksRunning));

    /// <summary>Unloads <paramref name="handle"/> now, or when the ffi calls in progress have returned.</summary>
    public static void Unload(nint L, nint handle)
    {
        var c = Allocator.Of(L);
        if (c == null || c->CallbacksRunning == 0)
        {
            DynamicLoader.Close(handle);
            return;
        }
        FfiContext.Of(L).PendingUnloads.Add(handle);
        Interlocked.Or(ref c->CallbackAttention, CallbackHooks.UnloadBit);
    }

    /// <summary>The after-call hook's part: false while a callback still runs (the flag stays), else the pending libraries are unloaded.</summary>
    public static bool Finish(Allocator.Counters* c)
    {
        if (c->CallbacksRunning != 0) return false;
        if (c->FfiContext != 0) ((FfiContext)GCHandle.FromIntPtr(c->FfiContext).Target!).UnloadPending();
        return true;
    }

    /// <summary>Before a trampoline's lua_pcall (<paramref name="counters"/> holds the counters; rax is free): one more callback running.</summary>
    public static void EmitEnter(X64Assembler a, int counters)
    {
        a.Load64(Rax, counters, RunningOffset);
        a.AddImm32(Rax, 1, wide: true);
        a.Store64(counters, RunningOffset, Rax);
    }

    /// <summary>After it (eax, its status, kept; rcx is free): one fewer.</summary>
    public static void EmitLeave(X64Assembler a, int counters)
    {
        a.Load64(Rcx, counters, RunningOffset);
        a.SubImm32(Rcx, 1, wide: true);
        a.Store64(counters, RunningOffset, Rcx);
    }
}
