namespace Lunet.Ffi.Layout;

/// <summary>
/// gcc's layout on x86-64 System V (Linux). Bitfields follow the PCC rule: a bitfield
/// never straddles more units of its declared type than the type itself, else it
/// starts at the next unit; named bitfields raise the record's alignment to their type's,
/// unnamed ones (including zero-width) do not, and a zero-width bitfield aligns the next
/// member to its type whatever the packing. <c>packed</c> drops a member's alignment to
/// 1 (an explicit <c>aligned(n)</c> on the member wins, even below the type's) and lets
/// bitfields straddle; <c>#pragma pack(n)</c> caps every member's alignment, aligned ones
/// too, and also lets bitfields straddle. The record's own <c>aligned(n)</c> is a floor.
/// </summary>
public sealed class SysVLayout : ILayoutRules
{
    public static SysVLayout Instance { get; } = new();

    public string Name => "x86-64 System V";

    public ScalarShape Scalar(CScalar type) => DataModels.SysV(type);

    public ScalarShape EnumStorage(Int128 min, Int128 max, bool packed) => Layout.EnumStorage.Gcc(min, max, packed);

    public RecordLayout Lay(RecordShape shape)
    {
        var b = new LayoutBuilder(shape);
        long pos = 0, unionBits = 0;
        var union = shape.Kind == RecordKind.Union;
        foreach (var m in shape.Members)
        {
            var typeAlign = m.Type.Alignment;
            // A packed record packs every member, char bitfields too (they may straddle bytes).
            var packed = m.Packed || shape.Packed;
            long bit;
            if (m.BitWidth is 0)
            {
                // Not affected by packing; not counted in the record's alignment (unnamed).
                if (!union) pos = LayoutBuilder.RoundUp(pos, Math.Max(typeAlign, m.Aligned) * 8L);
                bit = union ? 0 : pos;
            }
            else if (m.BitWidth is int width)
            {
                var desired = LayoutBuilder.BitfieldAlignmentBits(m, width, union ? 0 : pos, packed, shape.Pack, out var asInteger);
                if (m.Name is not null)
                {
                    var unitAlign = shape.Pack != 0 ? Math.Min(typeAlign, shape.Pack) : packed ? 1 : typeAlign;
                    b.RaiseAlignment(Math.Max((int)(desired / 8), unitAlign));
                }
                if (union) bit = 0;
                else
                {
                    pos = LayoutBuilder.RoundUp(pos, desired);
                    if (!packed && shape.Pack == 0 && !asInteger && SpansTooManyUnits(pos, width, typeAlign * 8L, m.Type.Size * 8))
                        pos = LayoutBuilder.RoundUp(pos, typeAlign * 8L);
                    bit = pos;
                    pos = LayoutBuilder.Add(pos, width);
                }
                unionBits = Math.Max(unionBits, (width + 7) / 8 * 8L);
            }
            else
            {
                var desired = MemberAlignment(m, packed, typeAlign, shape.Pack);
                b.RaiseAlignment(desired);
                var bits = LayoutBuilder.BitsOf(m.Type);
                if (union) bit = 0;
                else
                {
                    bit = pos = LayoutBuilder.RoundUp(pos, desired * 8L);
                    pos = LayoutBuilder.Add(pos, bits);
                }
                unionBits = Math.Max(unionBits, bits);
            }
            b.Place(m, bit);
        }
        return b.Finish(union ? unionBits : pos);
    }

    /// <summary>
    /// A non-bitfield member's alignment: its type's, raised by aligned(n); packed makes it 1,
    /// or exactly n when the member also says aligned(n); #pragma pack caps the result.
    /// </summary>
    internal static int MemberAlignment(LayoutMember m, bool packed, int typeAlign, int pack)
    {
        var a = packed ? (m.Aligned > 0 ? m.Aligned : 1) : Math.Max(typeAlign, m.Aligned);
        return pack != 0 ? Math.Min(a, pack) : a;
    }

    /// <summary>Whether bits [pos, pos+width) cross more alignment units than the type has.</summary>
    static bool SpansTooManyUnits(long pos, int width, long alignBits, long typeBits)
    {
        var inUnit = pos % alignBits;
        return (inUnit + width + alignBits - 1) / alignBits > typeBits / alignBits;
    }
}
