namespace Lunet.Ffi.Calls;

/// <summary>One compiled stub per distinct signature, shared by every function (and runtime) with it.</summary>
internal static class StubCache
{
    static readonly Dictionary<Signature, CallStub> Stubs = new();

    public static int Count { get { lock (Stubs) return Stubs.Count; } }

    public static CallStub Get(Signature signature)
    {
        lock (Stubs)
        {
            if (!Stubs.TryGetValue(signature, out var stub))
                Stubs[signature] = stub = StubCompiler.Compile(signature);
            return stub;
        }
    }
}
