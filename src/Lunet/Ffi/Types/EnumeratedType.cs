namespace Lunet.Ffi.Types;

/// <summary>
/// An enum: a tag, its constants, and the integer type the compiler stores it as; a value
/// crosses the boundary as that integer.
/// </summary>
public sealed class EnumeratedType : CType
{
    internal EnumeratedType(string? tag, ScalarType storage, IReadOnlyList<KeyValuePair<string, long>> constants)
    {
        Tag = tag;
        Storage = storage;
        Constants = constants;
    }

    public string? Tag { get; }
    public ScalarType Storage { get; }
    public IReadOnlyList<KeyValuePair<string, long>> Constants { get; }

    /// <summary>What names an anonymous enum in messages: the typedef that named it, else its definition as written.</summary>
    internal string? AnonymousName { get; set; }

    public override string Name => Tag != null ? "enum " + Tag : AnonymousName ?? "enum <anonymous>";
    public override TypeKind Kind => TypeKind.Enum;
    public override int Size => Storage.Size;
    public override int Alignment => Storage.Alignment;
    public override ScalarKind Scalar => Storage.Scalar;
}
