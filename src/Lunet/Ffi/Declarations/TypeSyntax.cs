namespace Lunet.Ffi.Declarations;

/// <summary>Type qualifiers as written; they do not change a layout but are kept for the type layer.</summary>
[Flags]
public enum Qualifiers
{
    None = 0,
    Const = 1,
    Volatile = 2,
    Restrict = 4,
    Atomic = 8,
}

public enum CallingConvention { Default, Cdecl, Stdcall, Fastcall, Thiscall, Vectorcall }

/// <summary>
/// A type as written, read inside-out from its declarator: <c>int (*(*fp)(int))[4]</c> is
/// Pointer(Function(returns Pointer(Array(Named int, 4)), (int))). The parser does not give
/// it meaning (sizes, typedef resolution): a later step does.
/// </summary>
public abstract record TypeSyntax
{
    /// <summary>Renders the type in C spelling around an optional name, for messages and tests.</summary>
    public override string ToString() => TypePrinter.Print(this, null);
}

/// <summary>A base type: a builtin spelling, a typedef name, a record or an enum.</summary>
public sealed record NamedTypeSyntax(BaseType Base, Qualifiers Qualifiers) : TypeSyntax
{
    public override string ToString() => base.ToString();
}

public sealed record PointerSyntax(TypeSyntax Target, Qualifiers Qualifiers) : TypeSyntax
{
    public override string ToString() => base.ToString();
}

/// <summary>An array; <see cref="Size"/> is null for <c>[]</c>.</summary>
public sealed record ArraySyntax(TypeSyntax Element, Expression? Size) : TypeSyntax
{
    public override string ToString() => base.ToString();
}

public sealed record FunctionSyntax(
    TypeSyntax Return,
    IReadOnlyList<ParameterSyntax> Parameters,
    bool Variadic,
    CallingConvention Convention) : TypeSyntax
{
    public override string ToString() => base.ToString();
}

public sealed record ParameterSyntax(string? Name, TypeSyntax Type, SourcePosition Position);

/// <summary>What a <see cref="NamedTypeSyntax"/> names.</summary>
public abstract record BaseType;

/// <summary>
/// A builtin type in one normalised spelling: every way of writing it maps to one
/// ("short unsigned int" → "unsigned short", "long long int" → "long long",
/// "signed" → "int", "bool" → "_Bool").
/// </summary>
public sealed record BuiltinType(string Spelling) : BaseType;

public sealed record TypedefNameType(string Name) : BaseType;

/// <summary>A struct or union: a reference to <see cref="Record"/>, which may be complete or not.</summary>
public sealed record RecordType(RecordSyntax Record) : BaseType;

public sealed record EnumType(EnumSyntax Enum) : BaseType;

/// <summary><c>__typeof__(type-name)</c>: the named type, qualifiers of the declaration aside.</summary>
public sealed record TypeofType(TypeSyntax Type) : BaseType;

public enum RecordKind { Struct, Union }

/// <summary>
/// One struct or union tag. The same object is shared by every reference to the tag in one
/// parse, so a forward declaration completed later is seen complete everywhere.
/// </summary>
public sealed class RecordSyntax
{
    public RecordKind Kind { get; }
    /// <summary>The tag, or null for an anonymous record.</summary>
    public string? Tag { get; }
    public SourcePosition Position { get; }
    /// <summary>The members, or null while the record is incomplete (declared, not defined).</summary>
    public IReadOnlyList<MemberSyntax>? Members { get; internal set; }
    /// <summary>Attributes written on the record itself (after the keyword or after the closing brace).</summary>
    public AttributeSet Attributes { get; internal set; } = AttributeSet.Empty;
    /// <summary>The "#pragma pack" value in effect where the body was read; null for the default packing.</summary>
    public int? Pack { get; internal set; }
    public SourcePosition? DefinedAt { get; internal set; }

    internal RecordSyntax(RecordKind kind, string? tag, SourcePosition position)
    {
        Kind = kind;
        Tag = tag;
        Position = position;
    }

    public bool IsComplete => Members != null;

    /// <summary>An anonymous record's definition as written ("struct { int a; }"), once its body is parsed.</summary>
    public string? Spelling { get; internal set; }

    public override string ToString() => Tag == null && Spelling != null ? Spelling : (Kind == RecordKind.Struct ? "struct " : "union ") + (Tag ?? "<anonymous>");
}

/// <summary>
/// A record member. Name is null for an anonymous struct or union member and for an unnamed
/// bitfield; BitWidth is null unless the member is a bitfield.
/// </summary>
public sealed record MemberSyntax(string? Name, TypeSyntax Type, Expression? BitWidth, AttributeSet Attributes, SourcePosition Position);

public sealed class EnumSyntax
{
    public string? Tag { get; }
    public SourcePosition Position { get; }
    /// <summary>The constants in order, or null for a reference to an enum defined elsewhere.</summary>
    public IReadOnlyList<EnumeratorSyntax>? Constants { get; internal set; }
    public AttributeSet Attributes { get; internal set; } = AttributeSet.Empty;

    internal EnumSyntax(string? tag, SourcePosition position)
    {
        Tag = tag;
        Position = position;
    }

    public bool IsComplete => Constants != null;

    /// <summary>An anonymous enum's definition as written ("enum { A, B }"), once its body is parsed.</summary>
    public string? Spelling { get; internal set; }

    public override string ToString() => Tag == null && Spelling != null ? Spelling : "enum " + (Tag ?? "<anonymous>");
}

/// <summary>An enum constant; Value is null when it is the previous one plus one (or 0 for the first).</summary>
public sealed record EnumeratorSyntax(string Name, Expression? Value, SourcePosition Position);
