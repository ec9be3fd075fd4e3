namespace Lunet.Ffi.Layout;

/// <summary>Scalar sizes: LP64 for x86-64 System V, LLP64 for Windows x64.</summary>
static class DataModels
{
    /// <summary>x86-64 System V: long is 8 bytes, long double is the 80-bit x87 type in 16.</summary>
    public static ScalarShape SysV(CScalar type) => Common(type) ?? type switch
    {
        CScalar.Long => new(8, 8, ScalarClass.Signed),
        CScalar.UnsignedLong => new(8, 8, ScalarClass.Unsigned),
        CScalar.LongDouble => new(16, 16, ScalarClass.Float),
        _ => throw new LayoutException($"unknown scalar {type}"),
    };

    /// <summary>
    /// Windows x64 as Microsoft's compiler has it: long is 4 bytes and long double is double.
    /// (mingw-w64's gcc keeps the 16-byte x87 long double; Windows libraries do not use it.)
    /// </summary>
    public static ScalarShape Windows(CScalar type) => Common(type) ?? type switch
    {
        CScalar.Long => new(4, 4, ScalarClass.Signed),
        CScalar.UnsignedLong => new(4, 4, ScalarClass.Unsigned),
        CScalar.LongDouble => new(8, 8, ScalarClass.Float),
        _ => throw new LayoutException($"unknown scalar {type}"),
    };

    static ScalarShape? Common(CScalar type) => type switch
    {
        CScalar.Bool => new(1, 1, ScalarClass.Bool),
        CScalar.Char or CScalar.SignedChar => new(1, 1, ScalarClass.Signed),
        CScalar.UnsignedChar => new(1, 1, ScalarClass.Unsigned),
        CScalar.Short => new(2, 2, ScalarClass.Signed),
        CScalar.UnsignedShort => new(2, 2, ScalarClass.Unsigned),
        CScalar.Int => new(4, 4, ScalarClass.Signed),
        CScalar.UnsignedInt => new(4, 4, ScalarClass.Unsigned),
        CScalar.LongLong => new(8, 8, ScalarClass.Signed),
        CScalar.UnsignedLongLong => new(8, 8, ScalarClass.Unsigned),
        CScalar.Int128 => new(16, 16, ScalarClass.Signed),
        CScalar.UnsignedInt128 => new(16, 16, ScalarClass.Unsigned),
        CScalar.Float => new(4, 4, ScalarClass.Float),
        CScalar.Double => new(8, 8, ScalarClass.Float),
        CScalar.Pointer => new(8, 8, ScalarClass.Pointer),
        _ => null,
    };
}
