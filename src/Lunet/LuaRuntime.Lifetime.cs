using Lunet.Interop;
using static Lunet.Interop.LuaApi;

namespace Lunet;

// Who may use the runtime when, and when its state is freed. Every host entry point runs inside
// Use(): one thread at a time, and a Dispose that comes while a call runs (from that call or from
// another thread) is carried out by the outermost call as it returns, never under a running call.
public sealed unsafe partial class LuaRuntime
{
    readonly Lock gate = new();
    /// <summary>The managed thread running host calls now (0: none) and how many are on its stack.</summary>
    int ownerThread, runningDepth;
    /// <summary>Dispose was called (or the finalizer ran): no new host call starts.</summary>
    bool disposeRequested;
    /// <summary>The state's size when it was made, announced to the collector (GC.AddMemoryPressure) until it is closed.</summary>
    long nativePressure;

    const string OneThreadRule =
        "this LuaRuntime is running on another thread: a runtime is used by one thread at a time (docs/embedding.md)";

    /// <summary>
    /// Enters a host call: <c>using var use = Use();</c> first in every public entry point, so that the
    /// scope ends after everything else the call does with the state.
    /// </summary>
    internal UseScope Use()
    {
        lock (gate)
        {
            if (disposeRequested) throw new ObjectDisposedException(nameof(LuaRuntime));
            EnterLocked();
        }
        return new UseScope(this);
    }

    /// <summary>
    /// Enters a registered function called from Lua: the same thread rule, but a Dispose already
    /// asked for does not stop it (the script it serves runs on to the end of the host call).
    /// </summary>
    UseScope UseFromLua()
    {
        lock (gate) EnterLocked();
        return new UseScope(this);
    }

    void EnterLocked()
    {
        int me = Environment.CurrentManagedThreadId;
        if (runningDepth > 0 && ownerThread != me) throw new InvalidOperationException(OneThreadRule);
        ownerThread = me;
        runningDepth++;
    }

    void Leave()
    {
        lock (gate)
        {
            if (--runningDepth > 0) return;
            ownerThread = 0;
            if (!disposeRequested || state == 0) return;
        }
        // The outermost call of a runtime whose Dispose came while it ran: free it now.
        Close();
        GC.SuppressFinalize(this);
    }

    internal readonly ref struct UseScope
    {
        readonly LuaRuntime runtime;
        internal UseScope(LuaRuntime r) => runtime = r;
        public void Dispose() => runtime.Leave();
    }

    /// <summary>
    /// Frees the state. Called while a host call runs (from a registered function, an ffi callback or
    /// another thread), it returns at once and the outermost call frees the state as it returns; every
    /// host call made after Dispose throws <see cref="ObjectDisposedException"/>.
    /// </summary>
    public void Dispose()
    {
        lock (gate)
        {
            if (disposeRequested) return;
            disposeRequested = true;
            if (runningDepth > 0) return;
        }
        Close();
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// A runtime nobody disposed. Nothing runs it (each host call keeps it reachable), so the state is
    /// closed on a thread-pool thread, not here: lua_close runs the script's __gc functions, which may
    /// take any time, and the finalizer thread is the whole process's. The runtime is already out of
    /// the table <see cref="Of"/> reads, so what those __gc functions call finds no runtime: no
    /// registered delegate and no Output writer (objects the collector may have finalized) is reached.
    /// </summary>
    ~LuaRuntime()
    {
        lock (gate)
        {
            if (disposeRequested || runningDepth > 0 || state == 0) return;
            disposeRequested = true;
        }
        if (memory != null) lock (ByCounters) ByCounters.Remove((nint)memory);
        ThreadPool.UnsafeQueueUserWorkItem(static runtime =>
        {
            runtime.Close();
            Interlocked.Increment(ref closedUndisposed);
        }, this, preferLocal: false);
    }

    static long closedUndisposed;

    /// <summary>How many runtimes nobody disposed this process has closed (for tests: forgotten runtimes are freed).</summary>
    internal static long ClosedUndisposed => Interlocked.Read(ref closedUndisposed);

    /// <summary>Closes the state (its __gc functions run in lua_close, as a host call of their own) and frees what goes with it.</summary>
    void Close()
    {
        lock (gate)
        {
            ownerThread = Environment.CurrentManagedThreadId;
            runningDepth = 1;
        }
        // lua_close runs the __gc finalizers, each in a protected call of Lua's own (an error
        // there is a warning); with C# on the stack nothing it allocates can fail.
        memory->ManagedDepth++;
        close(state);
        lock (gate)
        {
            state = 0;
            runningDepth = 0;
            ownerThread = 0;
        }
        lock (ByCounters) ByCounters.Remove((nint)memory);
        hostFunctions.Clear();
        Allocator.FreeCounters(memory);
        Ffi?.Release();
        if (nativePressure > 0) GC.RemoveMemoryPressure(nativePressure);
    }
}
