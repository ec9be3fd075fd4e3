using Lunet.Ffi.Layout;

namespace Lunet.Tests.Layout;

/// <summary>
/// Random struct and union declarations (fixed seed): scalars of every type, enums,
/// typedefs with aligned(n), arrays (zero-length ones too), nested records, runs of bitfields of every width (zero-width and unnamed
/// ones too), packed and aligned members, packed and aligned records, #pragma pack,
/// flexible array members.
/// </summary>
public static class RandomRecords
{
    static readonly CScalar[] Integers =
    [
        CScalar.Bool, CScalar.Char, CScalar.SignedChar, CScalar.UnsignedChar, CScalar.Short, CScalar.UnsignedShort,
        CScalar.Int, CScalar.UnsignedInt, CScalar.Long, CScalar.UnsignedLong, CScalar.LongLong, CScalar.UnsignedLongLong,
    ];

    static readonly CScalar[] Others = [CScalar.Float, CScalar.Double, CScalar.Pointer, CScalar.Int128, CScalar.UnsignedInt128, CScalar.LongDouble];

    /// <summary>Enums of several ranges, so their storage is 1, 2, 4 or 8 bytes, signed or not.</summary>
    public static readonly EnumDecl[] Enums =
    [
        new("E0", 0, 3, false), new("E1", -1, 1, false), new("E2", 0, 255, true), new("E3", -128, 127, true),
        new("E4", -1, 200, true), new("E5", 0, 70000, true), new("E6", 0, uint.MaxValue, false),
        new("E7", -1, uint.MaxValue, false), new("E8", 0, 1L << 40, false), new("E9", -5, 5, true),
    ];

    /// <summary>Integer typedefs whose aligned(n) lowers or raises the alignment.</summary>
    public static readonly AlignedTypedef[] Typedefs =
    [
        new("Ts1", CScalar.Short, 1), new("Tus1", CScalar.UnsignedShort, 1), new("Ti1", CScalar.Int, 1), new("Ti2", CScalar.Int, 2),
        new("Tu8", CScalar.UnsignedInt, 8), new("Tll2", CScalar.LongLong, 2), new("Tull4", CScalar.UnsignedLongLong, 4),
        new("Tll16", CScalar.LongLong, 16), new("Tc4", CScalar.Char, 4), new("Tuc2", CScalar.UnsignedChar, 2),
    ];

    /// <param name="longDouble">Whether to use long double (Windows compilers disagree on it, so its corpus leaves it out).</param>
    public static CUnit Generate(int count, int seed, bool longDouble = true)
    {
        var rng = new Random(seed);
        var records = new List<RecordDecl>();
        var nestable = new List<RecordDecl>();
        for (var i = 0; i < count; i++)
        {
            var r = One($"R{i}", rng, nestable, longDouble);
            records.Add(r);
            if (r.Members.Count == 0 || r.Members[^1].Type is not ArrayRef { Count: null }) nestable.Add(r);
        }
        return new CUnit(Enums, records, Typedefs);
    }

    static RecordDecl One(string name, Random rng, List<RecordDecl> nestable, bool longDouble)
    {
        var kind = rng.Next(5) == 0 ? RecordKind.Union : RecordKind.Struct;
        var members = new List<MemberDecl>();
        var target = 1 + rng.Next(8);
        while (members.Count < target)
        {
            if (rng.Next(10) < 4)
            {
                // A run of bitfields, often of one type so they share units.
                var runType = Integer(rng);
                var run = 1 + rng.Next(5);
                for (var k = 0; k < run; k++)
                {
                    var type = rng.Next(3) == 0 ? Integer(rng) : runType;
                    var max = MaxWidth(type);
                    var roll = rng.Next(12);
                    int width = roll == 0 ? 0 : roll == 1 ? max : 1 + rng.Next(max);
                    var named = width != 0 && rng.Next(8) != 0;
                    members.Add(new MemberDecl(named ? $"m{members.Count}" : null, type, width,
                        Packed: rng.Next(10) == 0, Aligned: rng.Next(25) == 0 ? 1 << rng.Next(5) : 0));
                }
                continue;
            }
            members.Add(new MemberDecl($"m{members.Count}", Plain(rng, nestable, longDouble),
                Packed: rng.Next(10) == 0, Aligned: rng.Next(12) == 0 ? 1 << rng.Next(6) : 0));
        }
        if (kind == RecordKind.Struct && rng.Next(12) == 0 && members.Any(m => m.Name is not null))
            members.Add(new MemberDecl($"m{members.Count}", new ArrayRef(new ScalarRef(Pick(rng, Integers)), null)));
        var pack = rng.Next(7) == 0 ? 1 << rng.Next(5) : 0;
        return new RecordDecl(name, kind, members,
            Packed: rng.Next(8) == 0, Aligned: rng.Next(10) == 0 ? 1 << rng.Next(1, 6) : 0, Pack: pack);
    }

    static TypeRef Integer(Random rng) => rng.Next(12) switch
    {
        < 2 => new EnumRef(Pick(rng, Enums)),
        2 => Pick(rng, Typedefs),
        _ => new ScalarRef(Pick(rng, Integers)),
    };

    static int MaxWidth(TypeRef t) => t switch
    {
        ScalarRef { Type: CScalar.Bool } => 1,
        // Windows long is 4 bytes: keep long bitfields within what both ABIs allow.
        ScalarRef { Type: CScalar.Long or CScalar.UnsignedLong } => 32,
        ScalarRef s => SysVLayout.Instance.Scalar(s.Type).MaxBitWidth,
        EnumRef e => (int)SysVLayout.Instance.EnumStorage(e.Enum.Min, e.Enum.Max, e.Enum.Packed).Size * 8,
        AlignedTypedef d => SysVLayout.Instance.Scalar(d.Base).MaxBitWidth,
        _ => throw new ArgumentException(t.ToString()),
    };

    static TypeRef Plain(Random rng, List<RecordDecl> nestable, bool longDouble)
    {
        TypeRef element = rng.Next(10) switch
        {
            < 5 => Integer(rng),
            < 8 => new ScalarRef(PickOther(rng, longDouble)),
            _ => nestable.Count > 0 ? new RecordRef(nestable[rng.Next(Math.Max(0, nestable.Count - 40), nestable.Count)]) : Integer(rng),
        };
        // [0] is a GNU extension; an over-aligned typedef cannot be an array element.
        var arrayable = element is not AlignedTypedef d || SysVLayout.Instance.Scalar(d.Base).Size % d.Alignment == 0;
        return arrayable && rng.Next(5) == 0 ? new ArrayRef(element, rng.Next(5)) : element;
    }

    static CScalar PickOther(Random rng, bool longDouble)
    {
        var t = Pick(rng, Others);
        return t == CScalar.LongDouble && !longDouble ? CScalar.Double : t;
    }

    static T Pick<T>(Random rng, T[] items) => items[rng.Next(items.Length)];
}
