namespace Lunet.Ffi.Layout;

/// <summary>Where one member went: its byte offset and, for a bitfield, its bits.</summary>
public sealed record MemberLayout(LayoutMember Member, long Offset, BitfieldLayout? Bitfield)
{
    public string? Name => Member.Name;
}

/// <summary>
/// A bitfield's place. <see cref="BitPosition"/> counts from the record's first byte,
/// little-endian (bit 0 is the low bit of byte 0). To read it, load the
/// <see cref="UnitSize"/> bytes at <see cref="UnitOffset"/> as a little-endian
/// integer, shift right by <see cref="Shift"/> and keep <see cref="Width"/> bits
/// (sign-extending if <see cref="Signed"/>). The unit is the field's declared type
/// where that holds the bits inside the record, else the fewest bytes that do
/// (packed records): 1 to 8 bytes, and 9 for a field wider than 56 bits that starts
/// inside a byte.
/// </summary>
public sealed record BitfieldLayout(long BitPosition, int Width, bool Signed, long UnitOffset, int UnitSize)
{
    public int Shift => (int)(BitPosition - UnitOffset * 8);
}

/// <summary>A laid-out struct or union.</summary>
public sealed class RecordLayout
{
    internal RecordLayout(RecordShape shape, long size, int alignment, IReadOnlyList<MemberLayout> members)
    {
        Shape = shape;
        Size = size;
        Alignment = alignment;
        Members = members;
    }

    public RecordShape Shape { get; }
    public RecordKind Kind => Shape.Kind;
    public long Size { get; }
    public int Alignment { get; }
    public IReadOnlyList<MemberLayout> Members { get; }
    public bool HasFlexibleArray => Members.Count > 0 && Members[^1].Member.Type is ArrayShape { IsFlexible: true };

    /// <summary>The named member, or null.</summary>
    public MemberLayout? Find(string name)
    {
        foreach (var m in Members)
            if (m.Name == name) return m;
        return null;
    }
}
