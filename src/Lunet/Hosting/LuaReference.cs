namespace Lunet;

/// <summary>
/// A Lua value held for C# (<see cref="LuaTable"/>, <see cref="LuaFunction"/>): a reference in
/// the state's registry keeps the value alive until <see cref="Dispose"/>. A reference the host
/// forgets to dispose is released when the garbage collector finalizes it (at the runtime's
/// next use), or when the runtime is disposed. Its calls follow the runtime's rule: one thread at a time.
/// </summary>
public abstract class LuaReference : IDisposable
{
    readonly int reference;
    bool disposed;

    private protected LuaReference(LuaRuntime runtime, int reference)
    {
        Runtime = runtime;
        this.reference = reference;
    }

    /// <summary>The runtime the value lives in; it can only be handed back to this runtime.</summary>
    public LuaRuntime Runtime { get; }

    /// <summary>The registry slot, checked: a disposed reference (or one of a disposed runtime) names no value.</summary>
    internal int Reference => disposed ? throw new ObjectDisposedException(GetType().Name) : reference;

    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        Runtime.ReleaseReference(reference);
        GC.SuppressFinalize(this);
    }

    // Finalizers run on another thread: the slot is only queued, and freed on the runtime's thread.
    ~LuaReference() => Runtime.ReleaseReference(reference);
}
