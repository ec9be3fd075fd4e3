namespace Lunet.Ffi.Types;

/// <summary>
/// A struct or union, known by its tag (or anonymous). It starts incomplete (declared, no
/// body: a pointer to it is all a script can use) and is completed once with its fields and
/// the layout the platform's C compiler gives them; the object stays the same, so every type
/// made from it before (pointers, typedefs) sees it complete.
/// </summary>
public sealed class StructType : CType
{
    internal StructType(string? tag, bool isUnion, string? opaqueName = null)
    {
        Tag = tag;
        IsUnion = isUnion;
        this.opaqueName = opaqueName;
    }

    /// <summary>Set for an undeclared name used only behind a pointer ("FILE*"): never completed.</summary>
    readonly string? opaqueName;

    public bool IsOpaque => opaqueName != null;

    public string? Tag { get; }
    public bool IsUnion { get; }

    /// <summary>The fields in declaration order, or null while incomplete.</summary>
    public IReadOnlyList<StructField>? Fields { get; private set; }

    int size, alignment;

    /// <summary>
    /// What names an anonymous record in messages: the typedef that named it, else its definition
    /// as the script wrote it, so two anonymous records never read alike ("struct <anonymous>" twice).
    /// </summary>
    internal string? AnonymousName { get; set; }

    public override string Name => opaqueName ?? (Tag != null ? (IsUnion ? "union " : "struct ") + Tag : AnonymousName ?? (IsUnion ? "union <anonymous>" : "struct <anonymous>"));
    public override TypeKind Kind => TypeKind.Record;
    public override int Size => size;
    public override int Alignment => alignment;
    public override bool IsComplete => Fields != null;

    /// <summary>The layout engine's result (for records nested in later ones), or null while incomplete.</summary>
    public Layout.RecordLayout? Layout { get; private set; }

    internal void Complete(IReadOnlyList<StructField> fields, Layout.RecordLayout layout)
    {
        if (Fields != null) throw new InvalidOperationException($"{Name} is already complete");
        size = (int)layout.Size;
        alignment = layout.Alignment;
        Layout = layout;
        Fields = fields;
    }

    /// <summary>The named field, looking into anonymous struct and union members as C does; null if none.</summary>
    public StructField? Field(string name)
    {
        if (Fields == null) return null;
        foreach (var f in Fields)
        {
            if (f.Name == name) return f;
            if (f.Name == null && f.Type is StructType inner && inner.Field(name) is { } nested)
                return nested with { Offset = f.Offset + nested.Offset };
        }
        return null;
    }
}

/// <summary>
/// One field: its name (null for an anonymous member or an unnamed bitfield), its type, its
/// byte offset and, for a bitfield, where its bits are.
/// </summary>
public sealed record StructField(string? Name, CType Type, long Offset, FieldBits? Bits);

/// <summary>
/// A bitfield's bits: load <see cref="UnitSize"/> bytes at the field's unit offset
/// (<see cref="UnitOffset"/> from the record's start) as a little-endian integer, shift right by
/// <see cref="Shift"/>, keep <see cref="Width"/> bits, sign-extend if <see cref="Signed"/>.
/// </summary>
public sealed record FieldBits(long UnitOffset, int UnitSize, int Shift, int Width, bool Signed);
