using Lunet.Ffi.Libraries;

namespace Lunet.Ffi.Calls;

/// <summary>
/// A C function as Lua calls it: the target address, its signature, the shared
/// stub for that signature, and the library it came from (a closed library makes
/// every call an error).
/// </summary>
internal sealed class FunctionBinding
{
    public FunctionBinding(string name, nint target, Signature signature, LoadedLibrary? library)
    {
        Name = name;
        Target = target;
        Signature = signature;
        Library = library;
        Stub = StubCache.Get(signature);
    }

    public string Name { get; }
    public nint Target;
    public Signature Signature { get; }
    public LoadedLibrary? Library { get; }
    public readonly CallStub Stub;

    public bool IsClosed => Library is { IsClosed: true };
}

/// <summary>
/// Reads the Lua arguments from stack index <c>argBase</c> on, calls the target,
/// pushes the result; returns the result count or -1 with an error message pushed.
/// </summary>
internal delegate int CallStub(nint L, FunctionBinding binding, int argBase);
