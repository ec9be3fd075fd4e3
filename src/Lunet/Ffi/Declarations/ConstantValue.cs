namespace Lunet.Ffi.Declarations;

/// <summary>An integer type as constant arithmetic sees it: its width in bits and signedness (1 bit is _Bool).</summary>
public readonly record struct IntegerType(int Bits, bool Unsigned)
{
    public static readonly IntegerType Int = new(32, false);
    public static readonly IntegerType UnsignedInt = new(32, true);
    public static readonly IntegerType LongLong = new(64, false);
    public static readonly IntegerType UnsignedLongLong = new(64, true);

    public override string ToString() => (Unsigned ? "u" : "i") + Bits;
}

/// <summary>Size and alignment of a type in bytes.</summary>
public readonly record struct TypeLayout(long Size, long Alignment);

/// <summary>
/// The value of an integer constant expression: its bits and its C type (always int-wide or
/// wider, as after the integer promotions), kept normalised to that width.
/// </summary>
public readonly record struct ConstantValue
{
    public ulong Bits { get; }
    public IntegerType Type { get; }

    public ConstantValue(ulong bits, IntegerType type)
    {
        Type = type;
        Bits = Normalize(bits, type);
    }

    public static ConstantValue Int(long value) => new((ulong)value, IntegerType.Int);

    /// <summary>Wraps <paramref name="bits"/> to the width of <paramref name="type"/>, sign- or zero-extended to 64 bits.</summary>
    public static ulong Normalize(ulong bits, IntegerType type) => type.Bits switch
    {
        >= 64 => bits,
        1 => bits != 0 ? 1UL : 0UL,
        _ => type.Unsigned
            ? bits & ((1UL << type.Bits) - 1)
            : (ulong)((long)(bits << (64 - type.Bits)) >> (64 - type.Bits)),
    };

    /// <summary>The value read as signed when the type is signed, else its bits as a non-negative number (wrapped).</summary>
    public long AsInt64 => (long)Bits;

    public bool IsNegative => !Type.Unsigned && (long)Bits < 0;

    public bool IsZero => Bits == 0;

    public override string ToString() => Type.Unsigned ? Bits.ToString() : ((long)Bits).ToString();
}

/// <summary>
/// What a constant expression may refer to that the parser cannot know: named constants and
/// the layout of types. The type layer implements it; <see cref="DeclaredConstants"/> is one
/// that knows the builtin types and what one parsed text declares.
/// </summary>
public interface IConstantEnvironment
{
    /// <summary>Width of C's long: 64 on LP64 systems, 32 on Windows.</summary>
    int LongBits { get; }
    /// <summary>Width of a pointer and of size_t.</summary>
    int PointerBits { get; }
    /// <summary>An enum constant or integer constant by name; null when the name is no constant.</summary>
    ConstantValue? Constant(string name);
    /// <summary>Size and alignment of a type; null when not known (an incomplete record, say).</summary>
    TypeLayout? Layout(TypeSyntax type);
    /// <summary>The integer type a cast to <paramref name="type"/> produces; null when it is not an integer, enum or pointer type.</summary>
    IntegerType? IntegerTypeOf(TypeSyntax type);
    /// <summary>Byte offset of a member path in a record type; null when not known.</summary>
    long? OffsetOf(TypeSyntax type, IReadOnlyList<string> designator);
}
