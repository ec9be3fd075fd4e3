using Lunet.Ffi.Types;
namespace Lunet.Ffi.Calls;

/// <summary>
/// One compiled stub per distinct signature, shared by every function (and runtime) with it.
/// Signatures are chosen by scripts, so at most <see cref="Limit"/> are kept; past that a stub
/// is compiled for its binding alone and collected with it.
/// </summary>
internal static class StubCache
{
    public const int Limit = 4096;

    static readonly Dictionary<CallShape, CallStub> Stubs = new();

    public static int Count { get { lock (Stubs) return Stubs.Count; } }

    public static CallStub Get(FunctionType signature)
    {
        lock (Stubs)
        {
            // The stub depends only on how values cross (the shape), never on one runtime's type objects.
            if (Stubs.TryGetValue(signature.Shape, out var stub)) return stub;
            // A NativeAOT build has no run-time IL; it reaches here only past the native stubs' limit.
            if (!System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeSupported)
                throw new Lunet.Interop.LuaException(
                    $"no call stub for {signature.Name}: this build cannot generate code at run time and has made all the native stubs it may ({NativeStubCache.Limit})");
            stub = StubCompiler.Compile(signature);
            if (Stubs.Count < Limit) Stubs[signature.Shape] = stub;
            return stub;
        }
    }
}
