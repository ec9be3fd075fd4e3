namespace Lunet.Ffi.Layout;

public enum RecordKind { Struct, Union }

/// <summary>
/// One member as declared: its type, an optional bitfield width (0 is a zero-width
/// bitfield, which must be unnamed), and its own <c>packed</c> and <c>aligned(n)</c>
/// attributes (0: none). A null name is an unnamed bitfield.
/// </summary>
public sealed record LayoutMember(string? Name, FieldShape Type, int? BitWidth = null, bool Packed = false, int Aligned = 0)
{
    public bool IsBitfield => BitWidth is not null;
}

/// <summary>
/// A struct or union as declared: members in order, the record's <c>packed</c> and
/// <c>aligned(n)</c> attributes, and the <c>#pragma pack(n)</c> value in effect (0: none).
/// The constructor rejects what C rejects, with a message naming the member.
/// </summary>
public sealed class RecordShape
{
    /// <summary>Sizes stay below this so that every bit position fits in a long.</summary>
    public const long MaxSize = long.MaxValue / 16;

    public RecordShape(RecordKind kind, IReadOnlyList<LayoutMember> members, bool packed = false, int aligned = 0, int pack = 0)
    {
        ArgumentNullException.ThrowIfNull(members);
        CheckAlignment(aligned, "record alignment", allowZero: true);
        if (pack is not (0 or 1 or 2 or 4 or 8 or 16))
            throw new LayoutException($"#pragma pack value must be 1, 2, 4, 8 or 16 (got {pack})");
        Kind = kind;
        Members = members.ToArray();
        Packed = packed;
        Aligned = aligned;
        Pack = pack;
        for (var i = 0; i < Members.Count; i++) Check(Members[i], i);
    }

    public RecordKind Kind { get; }
    public IReadOnlyList<LayoutMember> Members { get; }
    public bool Packed { get; }
    public int Aligned { get; }
    public int Pack { get; }

    void Check(LayoutMember m, int index)
    {
        ArgumentNullException.ThrowIfNull(m);
        ArgumentNullException.ThrowIfNull(m.Type);
        var what = m.Name is null ? $"member #{index + 1}" : $"member '{m.Name}'";
        CheckAlignment(m.Aligned, $"alignment of {what}", allowZero: true);
        if (m.Type is ArrayShape { IsFlexible: true })
        {
            if (Kind == RecordKind.Union) throw new LayoutException($"{what}: a flexible array member is not allowed in a union");
            if (index != Members.Count - 1) throw new LayoutException($"{what}: a flexible array member must be the last member");
            if (!Members.Take(index).Any(x => x.Name is not null))
                throw new LayoutException($"{what}: a flexible array member needs another named member before it");
        }
        if (m.BitWidth is not int width)
        {
            if (m.Name is null) throw new LayoutException($"{what}: only a bitfield may be unnamed");
            return;
        }
        if (m.Type is not ScalarShape { MaxBitWidth: > 0 } scalar)
            throw new LayoutException($"{what}: a bitfield must have an integer, enum or _Bool type (got {m.Type})");
        if (scalar.Size > 8)
            throw new LayoutException($"{what}: bitfields of types wider than 64 bits are not supported (got {scalar.Size * 8}-bit type)");
        if (width < 0) throw new LayoutException($"{what}: bitfield width must not be negative (got {width})");
        if (width > scalar.MaxBitWidth)
            throw new LayoutException($"{what}: bitfield width {width} exceeds its type ({scalar.MaxBitWidth} bits)");
        if (width == 0 && m.Name is not null) throw new LayoutException($"{what}: a zero-width bitfield must be unnamed");
    }

    internal static void CheckAlignment(int value, string what, bool allowZero)
    {
        if (value == 0 && allowZero) return;
        if (value <= 0 || (value & (value - 1)) != 0 || value > 1 << 28)
            throw new LayoutException($"{what} must be a power of two up to 2^28 (got {value})");
    }
}
