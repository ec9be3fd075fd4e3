namespace Lunet.Ffi.Layout;

/// <summary>The C scalar types whose size and alignment depend on the ABI.</summary>
public enum CScalar
{
    Bool, Char, SignedChar, UnsignedChar, Short, UnsignedShort, Int, UnsignedInt,
    Long, UnsignedLong, LongLong, UnsignedLongLong, Int128, UnsignedInt128,
    Float, Double, LongDouble, Pointer,
}

/// <summary>
/// One ABI's rules for laying out C records, and the scalar sizes that go with them.
/// <see cref="SysVLayout"/> is gcc on x86-64 Linux, <see cref="MsvcLayout"/> is Windows x64.
/// </summary>
public interface ILayoutRules
{
    string Name { get; }

    /// <summary>Lays the record out; throws <see cref="LayoutException"/> if it would be too large.</summary>
    RecordLayout Lay(RecordShape shape);

    ScalarShape Scalar(CScalar type);

    /// <summary>
    /// The integer type an enum with these smallest and largest enumerator values is stored
    /// as; <paramref name="packed"/> is <c>__attribute__((packed))</c> on the enum.
    /// </summary>
    ScalarShape EnumStorage(Int128 min, Int128 max, bool packed);
}
