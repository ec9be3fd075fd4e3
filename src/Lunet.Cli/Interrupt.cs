using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Lunet.Interop;
using static Lunet.Interop.LuaApi;

namespace Lunet.Cli;

/// <summary>
/// Ctrl-C while Lua runs, as lua.c does it: the signal sets a hook (call, return and every
/// instruction); the hook clears itself and raises "interrupted!", which unwinds to the
/// protected call that runs the script (traceback, exit 1; in the REPL, back to the prompt).
/// lua_sethook only stores into the state, which is why lua.c may call it from a signal
/// handler; .NET runs the handler on another thread, which is the same situation. The hook
/// raises from native code (the error thunk), never lua_error from C#. A second Ctrl-C
/// before the hook ran ends the process, as lua's restored default handler does.
/// </summary>
static unsafe class Interrupt
{

    /// <summary>The hook: the error thunk over <see cref="Raise"/> (a lua_Hook's second argument is ignored).</summary>
    static readonly nint Hook = NativeThunks.ErrorThunk((nint)(delegate* unmanaged[Cdecl]<nint, int>)&Raise);

    static nint state;
    static int pending;
    static PosixSignalRegistration? registration;

    /// <summary>
    /// Ctrl-C interrupts the Lua code of <paramref name="L"/> until the scope ends; outside
    /// one it ends the process, as lua's default handler does between calls.
    /// </summary>
    public static Scope While(nint L)
    {
        registration ??= PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        Volatile.Write(ref pending, 0);
        Volatile.Write(ref state, L);
        return new Scope(L);
    }

    public readonly struct Scope(nint L) : IDisposable
    {
        public void Dispose()
        {
            Volatile.Write(ref state, 0);
            // A Ctrl-C that came as the code ended leaves no hook for the next run.
            if (Interlocked.Exchange(ref pending, 0) == 1) sethook(L, 0, 0, 0);
        }
    }

    static void OnSignal(PosixSignalContext context)
    {
        var L = Volatile.Read(ref state);
        if (L == 0 || Interlocked.Exchange(ref pending, 1) == 1) return; // not cancelled: the process ends
        context.Cancel = true;
        sethook(L, Hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    static int Raise(nint L)
    {
        using var frame = ProtectedCall.Enter(L);
        sethook(L, 0, 0, 0);
        Volatile.Write(ref pending, 0);
        where(L, 1);
        LuaOps.PushString(L, "interrupted!");
        concat(L, 2);
        return -1;
    }
}
