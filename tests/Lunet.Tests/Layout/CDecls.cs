using System.Text;
using Lunet.Ffi.Layout;

namespace Lunet.Tests.Layout;

/// <summary>A member's type as the tests declare it: both the C spelling and what layout needs.</summary>
public abstract record TypeRef;
public sealed record ScalarRef(CScalar Type) : TypeRef;
public sealed record EnumRef(EnumDecl Enum) : TypeRef;
public sealed record RecordRef(RecordDecl Record) : TypeRef;
public sealed record ArrayRef(TypeRef Element, long? Count) : TypeRef;
/// <summary>A scalar typedef with <c>__attribute__((aligned(n)))</c>, which may raise or lower its alignment.</summary>
public sealed record AlignedTypedef(string Name, CScalar Base, int Alignment) : TypeRef;

public sealed record EnumDecl(string Name, Int128 Min, Int128 Max, bool Packed);

public sealed record MemberDecl(string? Name, TypeRef Type, int? Width = null, bool Packed = false, int Aligned = 0);

/// <summary>A struct or union declared twice over: as C text and as Lunet's <see cref="RecordShape"/>.</summary>
public sealed record RecordDecl(string Name, RecordKind Kind, IReadOnlyList<MemberDecl> Members, bool Packed = false, int Aligned = 0, int Pack = 0)
{
    public string CType => (Kind == RecordKind.Union ? "union " : "struct ") + Name;

    /// <summary>Lays this record out (and what it nests, once each) with the given rules.</summary>
    public RecordLayout Lay(ILayoutRules rules, Dictionary<RecordDecl, RecordLayout> done)
    {
        if (done.TryGetValue(this, out var known)) return known;
        var members = Members.Select(m => new LayoutMember(m.Name, Shape(m.Type, rules, done), m.Width, m.Packed, m.Aligned)).ToList();
        return done[this] = rules.Lay(new RecordShape(Kind, members, Packed, Aligned, Pack));
    }

    static FieldShape Shape(TypeRef t, ILayoutRules rules, Dictionary<RecordDecl, RecordLayout> done) => t switch
    {
        ScalarRef s => rules.Scalar(s.Type),
        EnumRef e => rules.EnumStorage(e.Enum.Min, e.Enum.Max, e.Enum.Packed),
        RecordRef r => FieldShape.Record(r.Record.Lay(rules, done)),
        ArrayRef a => new ArrayShape(Shape(a.Element, rules, done), a.Count),
        AlignedTypedef d => rules.Scalar(d.Base) is var s ? FieldShape.Scalar((int)s.Size, d.Alignment, s.Class) : null!,
        _ => throw new ArgumentException(t.ToString()),
    };

    /// <summary>The C definition (with its #pragma pack around it).</summary>
    public string ToC()
    {
        var sb = new StringBuilder();
        if (Pack != 0) sb.Append($"#pragma pack(push, {Pack})\n");
        sb.Append(Kind == RecordKind.Union ? "union" : "struct");
        var attrs = Attributes(Packed, Aligned);
        if (attrs != "") sb.Append(' ').Append(attrs);
        sb.Append(' ').Append(Name).Append(" {\n");
        foreach (var m in Members)
        {
            var (baseName, suffix) = Spell(m.Type);
            sb.Append("  ").Append(baseName);
            if (m.Name is not null) sb.Append(' ').Append(m.Name);
            sb.Append(suffix);
            if (m.Width is int w) sb.Append(" : ").Append(w);
            var ma = Attributes(m.Packed, m.Aligned);
            if (ma != "") sb.Append(' ').Append(ma);
            sb.Append(";\n");
        }
        sb.Append("};\n");
        if (Pack != 0) sb.Append("#pragma pack(pop)\n");
        return sb.ToString();
    }

    static string Attributes(bool packed, int aligned)
    {
        var list = new List<string>();
        if (packed) list.Add("packed");
        if (aligned != 0) list.Add($"aligned({aligned})");
        return list.Count == 0 ? "" : $"__attribute__(({string.Join(", ", list)}))";
    }

    static (string Base, string Suffix) Spell(TypeRef t) => t switch
    {
        ScalarRef s => (CName(s.Type), ""),
        EnumRef e => ("enum " + e.Enum.Name, ""),
        RecordRef r => (r.Record.CType, ""),
        ArrayRef a => Spell(a.Element) is var (b, s) ? (b, $"[{a.Count}]" + s) : default,
        AlignedTypedef d => (d.Name, ""),
        _ => throw new ArgumentException(t.ToString()),
    };

    public static string CName(CScalar t) => t switch
    {
        CScalar.Bool => "_Bool",
        CScalar.Char => "char",
        CScalar.SignedChar => "signed char",
        CScalar.UnsignedChar => "unsigned char",
        CScalar.Short => "short",
        CScalar.UnsignedShort => "unsigned short",
        CScalar.Int => "int",
        CScalar.UnsignedInt => "unsigned int",
        CScalar.Long => "long",
        CScalar.UnsignedLong => "unsigned long",
        CScalar.LongLong => "long long",
        CScalar.UnsignedLongLong => "unsigned long long",
        CScalar.Int128 => "__int128",
        CScalar.UnsignedInt128 => "unsigned __int128",
        CScalar.Float => "float",
        CScalar.Double => "double",
        CScalar.LongDouble => "long double",
        CScalar.Pointer => "void *",
        _ => throw new ArgumentException(t.ToString()),
    };

    public static string EnumToC(EnumDecl e) =>
        $"enum {(e.Packed ? "__attribute__((packed)) " : "")}{e.Name} {{ {e.Name}_min = {Literal(e.Min)}, {e.Name}_max = {Literal(e.Max)} }};\n";

    // The most negative long long has no literal of its own.
    static string Literal(Int128 v) => v == long.MinValue ? "(-9223372036854775807LL - 1)" : v < 0 ? $"{v}LL" : $"{v}ULL";
}

/// <summary>A translation unit: enums, then records in dependency order.</summary>
public sealed record CUnit(IReadOnlyList<EnumDecl> Enums, IReadOnlyList<RecordDecl> Records, IReadOnlyList<AlignedTypedef>? Typedefs = null)
{
    public string Declarations()
    {
        var sb = new StringBuilder("#include <stddef.h>\n#include <string.h>\n#include <stdio.h>\n");
        foreach (var e in Enums) sb.Append(RecordDecl.EnumToC(e));
        foreach (var t in Typedefs ?? [])
            sb.Append($"typedef {RecordDecl.CName(t.Base)} {t.Name} __attribute__((aligned({t.Alignment})));\n");
        foreach (var r in Records) sb.Append(r.ToC());
        return sb.ToString();
    }

    public Dictionary<RecordDecl, RecordLayout> Lay(ILayoutRules rules)
    {
        var done = new Dictionary<RecordDecl, RecordLayout>(ReferenceEqualityComparer.Instance);
        foreach (var r in Records) r.Lay(rules, done);
        return done;
    }
}
