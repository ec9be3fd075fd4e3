namespace Lunet.Ffi.Calls;

/// <summary>
/// One compiled stub per distinct signature, shared by every function (and runtime) with it.
/// Signatures are chosen by scripts, so at most <see cref="Limit"/> are kept; past that a stub
/// is compiled for its binding alone and collected with it.
/// </summary>
internal static class StubCache
{
    public const int Limit = 4096;

    static readonly Dictionary<Signature, CallStub> Stubs = new();

    public static int Count { get { lock (Stubs) return Stubs.Count; } }

    public static CallStub Get(Signature signature)
    {
        lock (Stubs)
        {
            if (Stubs.TryGetValue(signature, out var stub)) return stub;
            stub = StubCompiler.Compile(signature);
            if (Stubs.Count < Limit) Stubs[signature] = stub;
            return stub;
        }
    }
}
