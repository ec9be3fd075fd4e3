using Lunet.Ffi.Layout;

namespace Lunet.Tests.Layout;

/// <summary>
/// Descriptions C does not allow, or too large to lay out, are refused with a message
/// naming the member; the bitfield access units are the declared type where possible.
/// </summary>
public class RecordShapeTests
{
    static readonly ILayoutRules SysV = SysVLayout.Instance;
    static ScalarShape Int => SysV.Scalar(CScalar.Int);

    static string Refused(Func<object> build) => Assert.Throws<LayoutException>(build).Message;

    static RecordShape Struct(params LayoutMember[] members) => new(RecordKind.Struct, members);

    static LayoutMember F(string? name, FieldShape type, int? width = null, int Aligned = 0) => new(name, type, width, Aligned: Aligned);

    [Fact]
    public void BitfieldsOnlyOnIntegersAndWithinTheirWidth()
    {
        Assert.Contains("'f': a bitfield must have an integer", Refused(() => Struct(F("f", SysV.Scalar(CScalar.Double), 3))));
        Assert.Contains("'p': a bitfield must have an integer", Refused(() => Struct(F("p", SysV.Scalar(CScalar.Pointer), 3))));
        Assert.Contains("'a': bitfield width 33 exceeds its type (32 bits)", Refused(() => Struct(F("a", Int, 33))));
        Assert.Contains("'b': bitfield width 2 exceeds its type (1 bits)", Refused(() => Struct(F("b", SysV.Scalar(CScalar.Bool), 2))));
        Assert.Contains("must not be negative", Refused(() => Struct(F("a", Int, -1))));
        Assert.Contains("(got -2147483648)", Refused(() => Struct(F("a", Int, int.MinValue))));
        Assert.Contains("'z': a zero-width bitfield must be unnamed", Refused(() => Struct(F("z", Int, 0))));
        Assert.Contains("member #1: only a bitfield may be unnamed", Refused(() => Struct(F(null, Int))));
        Assert.Contains("wider than 64 bits", Refused(() => Struct(F("w", SysV.Scalar(CScalar.Int128), 70))));
        var inner = SysV.Lay(Struct(F("x", Int)));
        Assert.Contains("a bitfield must have an integer", Refused(() => Struct(F("r", FieldShape.Record(inner), 1))));
    }

    [Fact]
    public void FlexibleArraysOnlyLastInAStructAfterANamedMember()
    {
        var flexible = FieldShape.Flexible(Int);
        Assert.Contains("must be the last member", Refused(() => Struct(F("a", Int), F("f", flexible), F("b", Int))));
        Assert.Contains("not allowed in a union", Refused(() => new RecordShape(RecordKind.Union, [F("a", Int), F("f", flexible)])));
        Assert.Contains("needs another named member", Refused(() => Struct(F("f", flexible))));
        Assert.Contains("needs another named member", Refused(() => Struct(F(null, Int, 3), F("f", flexible))));
        var withFlexible = SysV.Lay(Struct(F("n", Int), F("f", flexible)));
        Assert.True(withFlexible.HasFlexibleArray);
        Assert.Equal(4, withFlexible.Size);
        Assert.Contains("cannot be nested", Refused(() => FieldShape.Record(withFlexible)));
        Assert.Contains("element cannot be a flexible array", Refused(() => FieldShape.Array(flexible, 2)));
    }

    [Fact]
    public void SizesNearTheLimitsAreRefusedNotWrapped()
    {
        Assert.Contains("too large", Refused(() => FieldShape.Array(Int, 1L << 62)));
        Assert.Contains("too large", Refused(() => FieldShape.Array(Int, long.MaxValue)));
        Assert.Contains("must not be negative", Refused(() => FieldShape.Array(Int, -1)));
        // An over-aligned typedef (int aligned(8)) cannot be an array element; gcc refuses it too.
        Assert.Contains("array element of 4 bytes is not a multiple of its alignment (8)",
            Refused(() => FieldShape.Flexible(FieldShape.Scalar(4, 8, ScalarClass.Signed))));
        Assert.Equal(8, FieldShape.Array(FieldShape.Scalar(4, 2, ScalarClass.Signed), 2).Size);
        var big = FieldShape.Array(SysV.Scalar(CScalar.UnsignedChar), RecordShape.MaxSize / 2 + 1);
        Assert.Contains("too large", Refused(() => FieldShape.Array(big, 2)));
        // Each member fits; together they do not.
        Assert.Contains("record is larger", Refused(() => SysV.Lay(Struct(F("a", big), F("b", big)))));
        Assert.Contains("record is larger", Refused(() => MsvcLayout.Instance.Lay(Struct(F("a", big), F("b", big)))));
        // The union of the two is fine: it is only as large as one.
        Assert.Equal(RecordShape.MaxSize / 2 + 1, SysV.Lay(new RecordShape(RecordKind.Union, [F("a", big), F("b", big)])).Size);
        Assert.Contains("record is larger", Refused(() => SysV.Lay(Struct(F("a", big), F("c", Int, Aligned: 1 << 28), F("d", big)))));
    }

    [Fact]
    public void AlignmentsArePowersOfTwoAndPackIsOneOfGccs()
    {
        Assert.Contains("record alignment must be a power of two", Refused(() => new RecordShape(RecordKind.Struct, [], aligned: 3)));
        Assert.Contains("record alignment must be a power of two", Refused(() => new RecordShape(RecordKind.Struct, [], aligned: 1 << 29)));
        Assert.Contains("record alignment must be a power of two", Refused(() => new RecordShape(RecordKind.Struct, [], aligned: -4)));
        Assert.Contains("alignment of member 'a' must be a power of two", Refused(() => Struct(F("a", Int, Aligned: 6))));
        Assert.Contains("#pragma pack value must be 1, 2, 4, 8 or 16 (got 32)", Refused(() => new RecordShape(RecordKind.Struct, [], pack: 32)));
        Assert.Contains("#pragma pack value", Refused(() => new RecordShape(RecordKind.Struct, [], pack: 3)));
        Assert.Contains("scalar size must be positive", Refused(() => FieldShape.Scalar(0, 1, ScalarClass.Signed)));
        Assert.Contains("scalar alignment must be a power of two", Refused(() => FieldShape.Scalar(4, 3, ScalarClass.Signed)));
    }

    [Fact]
    public void BitfieldUnitsAreTheDeclaredTypeWhereTheyFit()
    {
        var l = SysV.Lay(Struct(F("a", Int, 3), F("b", Int, 5), F("c", SysV.Scalar(CScalar.UnsignedInt), 24)));
        var c = l.Find("c")!.Bitfield!;
        Assert.Equal((0L, 4, 8, 24, false), (c.UnitOffset, c.UnitSize, c.Shift, c.Width, c.Signed));
        Assert.True(l.Find("a")!.Bitfield!.Signed);

        // A packed 63-bit field starting at bit 3 needs nine bytes.
        var packed = SysV.Lay(new RecordShape(RecordKind.Struct,
            [F("c", SysV.Scalar(CScalar.Char), 3), F("x", SysV.Scalar(CScalar.UnsignedLongLong), 63)], packed: true));
        var x = packed.Find("x")!.Bitfield!;
        Assert.Equal((9L, 0L, 9, 3), (packed.Size, x.UnitOffset, x.UnitSize, x.Shift));
        var bytes = new byte[9];
        Array.Fill(bytes, (byte)0xA5);
        BitfieldAccess.Write(bytes, x, 0x7FFF_FFFF_FFFF_FFFE);
        Assert.Equal(0x7FFF_FFFF_FFFF_FFFEUL, BitfieldAccess.ReadBits(bytes, x));
        Assert.Equal(5, bytes[0] & 7);            // c's bits untouched
        Assert.Equal(0xA5 & ~3, bytes[8] & ~3);   // and the bits after x
        Assert.Throws<ArgumentOutOfRangeException>(() => BitfieldAccess.ReadBits(bytes.AsSpan(0, 8), x));
    }

    [Fact]
    public void SignedBitfieldsReadSignExtended()
    {
        var l = SysV.Lay(Struct(F("s", SysV.Scalar(CScalar.LongLong), 64), F("t", Int, 5)));
        var bytes = new byte[l.Size];
        BitfieldAccess.Write(bytes, l.Find("t")!.Bitfield!, unchecked((ulong)-3));
        Assert.Equal(-3, BitfieldAccess.Read(bytes, l.Find("t")!.Bitfield!));
        Assert.Equal(29UL, BitfieldAccess.ReadBits(bytes, l.Find("t")!.Bitfield!));
        BitfieldAccess.Write(bytes, l.Find("s")!.Bitfield!, 1UL << 63);
        Assert.Equal(long.MinValue, BitfieldAccess.Read(bytes, l.Find("s")!.Bitfield!));
    }
}
