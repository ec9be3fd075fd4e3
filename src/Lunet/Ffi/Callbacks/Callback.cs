using Lunet.Ffi.Types;

namespace Lunet.Ffi.Callbacks;

/// <summary>
/// One Lua function made a C function pointer: its signature, its code slot (cell number and
/// address), the registry reference that keeps the function alive, and its mode for calls
/// from other threads. Lives until free() or until its runtime is disposed.
/// </summary>
internal sealed class Callback(FunctionType signature, CallbackRegistry registry, bool queue)
{
    public FunctionType Signature { get; } = signature;
    public CallbackRegistry Registry { get; } = registry;
    /// <summary>Invocations from other threads are queued for the runtime's thread (else reported as an error).</summary>
    public bool Queue { get; } = queue;
    public int Cell { get; set; } = -1;
    public nint Code { get; set; }
    public int Reference { get; set; }
    public volatile bool IsFreed;
    /// <summary>The FfiCallback object's hold on the slot (<see cref="CallbackCells.Pin"/>), while that object lives.</summary>
    public CallbackCells.SlotPin? Pin { get; set; }

    /// <summary>free(): the slot goes to the freed entry, the function to the collector.</summary>
    public void Release()
    {
        if (IsFreed) return;
        Registry.Drop(Reference);
        IsFreed = true;
        CallbackCells.Release(Cell);
    }

    /// <summary>"callback 'i32 (i32)'": how messages name it.</summary>
    public string Describe() => $"callback '{Signature.Name}'";
}
