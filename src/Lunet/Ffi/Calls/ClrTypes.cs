using Lunet.Ffi.Types;

namespace Lunet.Ffi.Calls;

/// <summary>The .NET type that carries a C type through an unmanaged calli, per the platform ABI.</summary>
internal static class ClrTypes
{
    public static Type For(CType t) => t.Scalar switch
    {
        ScalarKind.Void => typeof(void),
        ScalarKind.Bool => typeof(byte),
        ScalarKind.I8 => typeof(sbyte),
        ScalarKind.U8 => typeof(byte),
        ScalarKind.I16 => typeof(short),
        ScalarKind.U16 => typeof(ushort),
        ScalarKind.I32 => typeof(int),
        ScalarKind.U32 => typeof(uint),
        ScalarKind.I64 => typeof(long),
        ScalarKind.U64 => typeof(ulong),
        ScalarKind.F32 => typeof(float),
        ScalarKind.F64 => typeof(double),
        ScalarKind.Pointer or ScalarKind.CString => typeof(nint),
        _ => throw new NotSupportedException($"type {t.Name} cannot be passed by value yet"),
    };
}
