using Lunet.Ffi.Types;
using Lunet.Ffi.Libraries;

namespace Lunet.Ffi.Calls;

/// <summary>
/// A C function as Lua calls it: the target address, its signature, the shared
/// stub for that signature, and the library it came from (a closed library makes
/// every call an error).
/// </summary>
internal sealed class FunctionBinding
{
    /// <param name="managedOnly">Never the native stub (tests run the portable path on a platform that has both).</param>
    public FunctionBinding(string name, nint target, FunctionType signature, LoadedLibrary? library, bool managedOnly = false)
    {
        Name = name;
        Target = target;
        Signature = signature;
        Library = library;
        NativeStub = managedOnly ? 0 : NativeStubCache.Get(signature);
        PassesRecords = NativeStubCache.PassesRecords(signature);
        // Without a native stub, the managed one carries the structs: refuse now what it cannot.
        if (PassesRecords && NativeStub == 0 && StubCompiler.Refusal(signature) is { } why)
            throw new Lunet.Interop.LuaException($"cannot call '{name}' ({signature.Name}) here: {why}");
    }

    /// <summary>A struct or union crosses by value: only the native stub can make the call.</summary>
    public bool PassesRecords { get; }

    static readonly unsafe nint NeverClosed = (nint)System.Runtime.InteropServices.NativeMemory.AllocZeroed(sizeof(int));

    /// <summary>A closed cell that is never freed and always reads closed (a collected wrapper's slot points here).</summary>
    public static readonly unsafe nint AlwaysClosed = NewClosedCell();

    static unsafe nint NewClosedCell()
    {
        var cell = (int*)System.Runtime.InteropServices.NativeMemory.AllocZeroed(sizeof(int));
        *cell = 1;
        return (nint)cell;
    }

    public string Name { get; }
    public nint Target;
    public FunctionType Signature { get; }
    public LoadedLibrary? Library { get; }
    CallStub? stub;

    /// <summary>The emitted managed stub (lib:call, and platforms without native stubs); compiled on first use.</summary>
    public CallStub Stub => stub ??= StubCache.Get(Signature);

    /// <summary>The native stub's code, or 0 where there is none (see <see cref="NativeStubCompiler"/>).</summary>
    public nint NativeStub { get; }

    /// <summary>When the target is a callback's code: the hold on its slot, whose "freed" flag is this binding's closed cell.</summary>
    public Callbacks.CallbackCells.SlotPin? Callback { get; init; }

    public nint ClosedCell => Callback is { } c ? Callbacks.CallbackCells.FreedFlag(c.Index) : Library?.ClosedCell ?? NeverClosed;

    public unsafe bool IsClosed => Library is { IsClosed: true } || (Callback is { } c && *(int*)Callbacks.CallbackCells.FreedFlag(c.Index) != 0);
}

/// <summary>
/// Reads the Lua arguments from stack index <c>argBase</c> on, calls the target,
/// pushes the result; returns the result count or -1 with an error message pushed.
/// </summary>
internal delegate int CallStub(nint L, FunctionBinding binding, int argBase);
