namespace Lunet.Ffi.Declarations;

/// <summary>One top-level declaration, in the order written.</summary>
public abstract record Declaration(SourcePosition Position);

public sealed record TypedefDeclaration(string Name, TypeSyntax Type, AttributeSet Attributes, SourcePosition Position)
    : Declaration(Position);

/// <summary>
/// A struct or union tag declared (<c>struct X;</c>) or defined, at the point it is read: a record
/// defined inside another declaration (a typedef, a member, a parameter) is listed too, before it.
/// Anonymous records are not listed: they are reached through the type that holds them.
/// </summary>
public sealed record RecordDeclaration(RecordSyntax Record, bool IsDefinition, SourcePosition Position)
    : Declaration(Position);

/// <summary>An enum definition, named or not, at the point it is read, so its constants are known from there on.</summary>
public sealed record EnumDeclaration(EnumSyntax Enum, SourcePosition Position) : Declaration(Position);

public enum StorageClass { None, Extern, Static }

/// <summary>A function declared or defined (its body skipped); AsmName is the symbol of an <c>__asm__("name")</c> label.</summary>
public sealed record FunctionDeclaration(
    string Name,
    FunctionSyntax Type,
    string? AsmName,
    StorageClass Storage,
    bool Inline,
    bool HasBody,
    AttributeSet Attributes,
    SourcePosition Position) : Declaration(Position);

/// <summary>
/// A variable: extern data, or a constant (<c>static const int N = 4;</c>) whose Initializer is an
/// expression. A braced initialiser is skipped (HasInitializer true, Initializer null).
/// </summary>
public sealed record VariableDeclaration(
    string Name,
    TypeSyntax Type,
    string? AsmName,
    StorageClass Storage,
    Expression? Initializer,
    bool HasInitializer,
    AttributeSet Attributes,
    SourcePosition Position) : Declaration(Position);

public enum PackAction { Set, Reset, Push, Pop, Show }

/// <summary>A "#pragma pack" line; Value is the packing in effect after it (null: the default).</summary>
public sealed record PackPragma(PackAction Action, int? Argument, int? Value, SourcePosition Position) : Declaration(Position);

/// <summary>What one parse found, in order.</summary>
public sealed record DeclarationList(IReadOnlyList<Declaration> Declarations)
{
    public IEnumerable<T> OfType<T>() where T : Declaration => Declarations.OfType<T>();

    public FunctionDeclaration? Function(string name) => Declarations.OfType<FunctionDeclaration>().FirstOrDefault(f => f.Name == name);

    public TypedefDeclaration? Typedef(string name) => Declarations.OfType<TypedefDeclaration>().LastOrDefault(t => t.Name == name);

    /// <summary>The record with this tag, complete if any declaration in the text completed it.</summary>
    public RecordSyntax? Record(string tag) =>
        Declarations.OfType<RecordDeclaration>().Select(r => r.Record).FirstOrDefault(r => r.Tag == tag);
}
