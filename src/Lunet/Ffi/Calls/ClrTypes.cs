using Lunet.Ffi.Types;

namespace Lunet.Ffi.Calls;

/// <summary>The .NET type that carries a C type through an unmanaged calli, per the platform ABI.</summary>
internal static class ClrTypes
{
    public static Type For(CType t) => t.Scalar != ScalarKind.None
        ? Crossing.Of(t.Scalar).Clr
        : throw new NotSupportedException($"type {t.Name} cannot be passed by value yet");
}
