using Lunet.Ffi.Layout;
using C = Lunet.Ffi.Layout.CScalar;

namespace Lunet.Tests.Layout;

/// <summary>
/// One case per layout rule, each checked against cc (System V) and the mingw-w64
/// cross compiler (Windows): the expected numbers come from the compilers, not from
/// this file. All cases go into one compile per ABI.
/// </summary>
public class HandWrittenLayoutTests
{
    static TypeRef T(C s) => new ScalarRef(s);
    static TypeRef Arr(TypeRef t, long? n) => new ArrayRef(t, n);
    static TypeRef Rec(RecordDecl r) => new RecordRef(r);
    static TypeRef En(int i) => new EnumRef(RandomRecords.Enums[i]);
    static MemberDecl M(string name, TypeRef t, bool packed = false, int aligned = 0) => new(name, t, null, packed, aligned);
    static MemberDecl B(string? name, C t, int width, bool packed = false, int aligned = 0) => new(name, T(t), width, packed, aligned);
    static RecordDecl S(string name, params MemberDecl[] m) => new(name, RecordKind.Struct, m);
    static RecordDecl U(string name, params MemberDecl[] m) => new(name, RecordKind.Union, m);

    static readonly AlignedTypedef Int2 = new("int_a2", C.Int, 2), Int16 = new("int_a16", C.Int, 16), LongLong4 = new("llong_a4", C.LongLong, 4),
        LongLong2 = new("llong_a2", C.LongLong, 2), Char4 = new("char_a4", C.Char, 4);

    static readonly RecordDecl Padding = S("Padding", M("c", T(C.Char)), M("i", T(C.Int)), M("d", T(C.Char)), M("x", T(C.Double)));

    /// <summary>Case name → the records it declares (nested ones first). The bool: also checked for Windows.</summary>
    static readonly Dictionary<string, (bool Windows, RecordDecl[] Records)> Cases = new()
    {
        ["alignment and padding"] = (true, [Padding]),
        ["every scalar"] = (true, [S("Scalars", M("b", T(C.Bool)), M("c", T(C.Char)), M("s", T(C.Short)), M("i", T(C.Int)), M("l", T(C.Long)),
            M("ll", T(C.LongLong)), M("f", T(C.Float)), M("d", T(C.Double)), M("p", T(C.Pointer)), M("c2", T(C.Char)), M("q", T(C.Int128)), M("c3", T(C.Char)))]),
        ["long double"] = (false, [S("LongDouble", M("c", T(C.Char)), M("ld", T(C.LongDouble)), M("c2", T(C.Char)))]),
        ["nested records and arrays of them"] = (true, [Padding, S("Nested", M("c", T(C.Char)), M("p", Rec(Padding)), M("s", T(C.Short)), M("arr", Arr(Rec(Padding), 3)), M("t", T(C.Char)))]),
        ["arrays"] = (true, [S("Arrays", M("c", Arr(T(C.Char), 3)), M("s", Arr(T(C.Short), 5)), M("d", Arr(Arr(T(C.Int), 2), 3)), M("e", T(C.Char)))]),
        ["union"] = (true, [U("Union", M("c", Arr(T(C.Char), 5)), M("i", T(C.Int)), M("d", T(C.Double)))]),
        ["union of bitfields"] = (true, [U("UnionBits", B("a", C.Int, 3), B("b", C.LongLong, 40), B(null, C.Int, 0), B("c", C.Char, 2))]),
        ["flexible array member"] = (true, [S("Flexible", M("n", T(C.Short)), M("data", Arr(T(C.Int), null))),
            S("FlexibleDouble", M("c", T(C.Char)), M("d", Arr(T(C.Double), null)))]),
        ["enums as members"] = (true, [S("Enums", M("c", T(C.Char)), M("e6", En(6)), M("e2", En(2)), M("e8", En(8)), M("e4", En(4)))]),
        ["bitfields share a unit"] = (true, [S("Bits", B("a", C.Int, 3), B("b", C.Int, 5), B("c", C.UnsignedInt, 24))]),
        ["a bitfield that does not fit starts a new unit"] = (true, [S("NoFit", B("a", C.Int, 30), B("b", C.Int, 5), B("c", C.Char, 7), B("d", C.Char, 2))]),
        ["signed and unsigned bitfields"] = (true, [S("Signs", B("s", C.Int, 4), B("u", C.UnsignedInt, 4), B("cs", C.Char, 3), B("cu", C.UnsignedChar, 3), B("ls", C.LongLong, 33), B("lu", C.UnsignedLongLong, 33))]),
        ["64-bit containers"] = (true, [S("Wide", B("a", C.UnsignedLongLong, 64), M("c", T(C.Char)), B("b", C.LongLong, 1), B("d", C.LongLong, 63))]),
        ["bitfield after a char straddles into a long long"] = (true, [S("Straddle", M("c", T(C.Char)), B("x", C.LongLong, 60))]),
        ["zero-width bitfield"] = (true, [S("ZeroWidth", M("a", T(C.Char)), B(null, C.Int, 0), M("b", T(C.Char))),
            S("ZeroWidthLong", B("a", C.Char, 3), B(null, C.LongLong, 0), B("b", C.Char, 2))]),
        ["zero-width bitfield after a bitfield"] = (true, [S("ZeroAfterBits", B("a", C.Int, 3), B(null, C.Int, 0), B("b", C.Int, 3)),
            S("ZeroAfterBitsShort", B("a", C.Short, 3), B(null, C.LongLong, 0), B("b", C.Short, 3))]),
        ["unnamed bitfield"] = (true, [S("Unnamed", M("c", T(C.Char)), B(null, C.Int, 7), M("d", T(C.Char))),
            S("UnnamedOnly", B(null, C.LongLong, 9), M("d", T(C.Char)))]),
        ["change of bitfield type size"] = (true, [S("TypeChange", B("a", C.Char, 4), B("b", C.Int, 4), B("c", C.Char, 4), B("d", C.UnsignedInt, 4))]),
        ["same size, other type"] = (true, [S("SameSize", B("a", C.Int, 20), B("b", C.UnsignedInt, 10), B("c", C.Long, 2))]),
        ["_Bool bitfields"] = (true, [S("Bools", B("a", C.Bool, 1), B("b", C.Bool, 1), B("c", C.Int, 2), B("d", C.Bool, 1))]),
        ["enum bitfields"] = (true, [S("EnumBits", new MemberDecl("a", En(1), 2), new MemberDecl("b", En(2), 8), new MemberDecl("c", En(8), 41), new MemberDecl("d", En(3), 5))]),
        ["a last bitfield and the record's end"] = (true, [S("LastBits", M("c", T(C.Char)), B("b", C.Int, 1)), S("LastBitsLong", B("a", C.LongLong, 3))]),
        ["packed record"] = (true, [new RecordDecl("Packed", RecordKind.Struct, [M("c", T(C.Char)), M("i", T(C.Int)), M("s", T(C.Short)), M("d", T(C.Double))], Packed: true)]),
        ["packed record with bitfields"] = (true, [new RecordDecl("PackedBits", RecordKind.Struct,
            [B("c", C.Char, 3), B("x", C.Int, 30), B("y", C.LongLong, 40), B("z", C.Char, 7), B("w", C.UnsignedChar, 6)], Packed: true)]),
        ["a packed bitfield spanning nine bytes"] = (true, [new RecordDecl("NineBytes", RecordKind.Struct, [B("c", C.Char, 3), B("x", C.UnsignedLongLong, 63), B("y", C.LongLong, 62)], Packed: true)]),
        ["packed member"] = (true, [S("PackedMember", M("c", T(C.Char)), M("i", T(C.Int), packed: true), M("d", T(C.Char)), M("l", T(C.LongLong), packed: true))]),
        ["packed bitfield"] = (true, [S("PackedBitfield", M("c", T(C.Char)), B("x", C.Int, 30, packed: true), B("y", C.Char, 5, packed: true))]),
        ["packed and aligned member"] = (true, [S("PackedAligned", M("c", T(C.Char)), M("x", T(C.Int), packed: true, aligned: 2), M("y", T(C.Double), packed: true, aligned: 4))]),
        ["aligned member"] = (true, [S("AlignedMember", M("c", T(C.Char)), M("x", T(C.Int), aligned: 16), M("y", T(C.Double), aligned: 2))]),
        ["aligned bitfield"] = (true, [S("AlignedBitfield", M("a", T(C.Char)), B("x", C.Int, 3, aligned: 8), B("y", C.Int, 3))]),
        ["aligned record"] = (true, [new RecordDecl("AlignedRecord", RecordKind.Struct, [M("c", T(C.Char))], Aligned: 32),
            new RecordDecl("AlignedLow", RecordKind.Struct, [M("d", T(C.Double))], Aligned: 2)]),
        ["packed and aligned record"] = (true, [new RecordDecl("PackedAlignedRecord", RecordKind.Struct, [M("c", T(C.Char)), M("i", T(C.Int))], Packed: true, Aligned: 4)]),
        ["#pragma pack"] = (true, [new RecordDecl("Pack2", RecordKind.Struct, [M("c", T(C.Char)), M("i", T(C.Int)), M("d", T(C.Double))], Pack: 2)]),
        ["#pragma pack with bitfields"] = (true, [new RecordDecl("Pack1Bits", RecordKind.Struct, [M("c", T(C.Char)), B("b", C.Int, 31), B("e", C.Short, 9)], Pack: 1),
            new RecordDecl("Pack4Bits", RecordKind.Struct, [M("c", T(C.Char)), B("b", C.LongLong, 62), B("e", C.Int, 9)], Pack: 4)]),
        ["#pragma pack caps an aligned member"] = (true, [new RecordDecl("PackAligned", RecordKind.Struct, [M("c", T(C.Char)), M("x", T(C.Int), aligned: 16)], Pack: 4)]),
        ["#pragma pack leaves the record's aligned"] = (true, [new RecordDecl("PackRecordAligned", RecordKind.Struct, [M("c", T(C.Char)), M("x", T(C.Int))], Aligned: 16, Pack: 1)]),
        ["#pragma pack and a zero-width bitfield"] = (true, [new RecordDecl("PackZero", RecordKind.Struct, [M("a", T(C.Char)), B(null, C.Int, 0), M("b", T(C.Char))], Pack: 1),
            new RecordDecl("PackZeroBits", RecordKind.Struct, [B("a", C.Char, 2), B(null, C.Int, 0), M("b", T(C.Char))], Pack: 1)]),
        ["empty record"] = (true, [S("Empty")]),
        ["typedefs that lower or raise alignment"] = (true, [S("TypedefAligned", M("c", T(C.Char)), M("x", Int2), M("d", T(C.Char)), M("y", Int16), M("e", T(C.Char)), M("z", LongLong4)),
            new RecordDecl("TypedefPacked", RecordKind.Struct, [M("c", T(C.Char)), M("y", Int16)], Packed: true),
            S("TypedefBitfield", M("c", T(C.Char)), new MemberDecl("b", Int2, 25), new MemberDecl("l", LongLong4, 40))]),
        ["a bitfield as wide as an integer, on a multiple of its width"] = (true, [S("ModeWide", new MemberDecl("a", LongLong2, 64), new MemberDecl("b", LongLong2, 27)),
            S("ModeAtFour", M("c", Arr(T(C.Char), 4)), new MemberDecl("x", LongLong2, 32)),
            S("ModeOffFour", M("c", Arr(T(C.Char), 3)), new MemberDecl("x", LongLong2, 32)),
            S("ModeUnnamed", M("c", Arr(T(C.Char), 4)), new MemberDecl(null, LongLong2, 32)),
            U("ModeUnion", new MemberDecl("a", LongLong2, 32), M("c", T(C.Char))),
            // An over-aligned char bitfield always moves to its alignment, except when it is a whole byte on a byte.
            S("ModeNoStraddle", B(null, C.Long, 16), new MemberDecl("a", Char4, 6), B("b", C.Char, 8), new MemberDecl("c", Char4, 8), new MemberDecl("d", Char4, 8))]),
    };

    public static TheoryData<string> CaseNames => new(Cases.Keys);

    static readonly Lazy<LayoutOracle.Result> SysV = new(() =>
        LayoutOracle.CheckSysV(new CUnit(RandomRecords.Enums, Distinct(Cases.Values.SelectMany(c => c.Records)), [Int2, Int16, LongLong4, LongLong2, Char4])));

    static readonly Lazy<LayoutOracle.Result> Windows = new(() =>
        LayoutOracle.CheckWindows(new CUnit(RandomRecords.Enums, Distinct(Cases.Values.Where(c => c.Windows).SelectMany(c => c.Records)), [Int2, Int16, LongLong4, LongLong2, Char4])));

    static List<RecordDecl> Distinct(IEnumerable<RecordDecl> records) => records.Distinct(ReferenceEqualityComparer.Instance).Cast<RecordDecl>().ToList();

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void MatchesCc(string rule) => AssertCase(rule, SysV.Value);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void MatchesMingwForWindows(string rule)
    {
        if (!Cases[rule].Windows) return;  // a System V type (Windows compilers differ on long double)
        AssertCase(rule, Windows.Value);
    }

    static void AssertCase(string rule, LayoutOracle.Result result)
    {
        var names = Cases[rule].Records.Select(r => r.Name).ToHashSet();
        var wrong = result.Mismatches.Where(m => names.Contains(m.Record)).ToList();
        Assert.True(wrong.Count == 0, $"{rule}:\n" + string.Join("\n", wrong));
    }
}
