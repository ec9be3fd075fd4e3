namespace Lunet.Ffi.Layout;

/// <summary>
/// Windows x64 layout (Microsoft's compiler, and mingw-w64's gcc, which uses the same
/// bitfield rules by default). Bitfields are allocated in units of their declared type:
/// consecutive bitfields whose types have the same size share a unit while bits remain,
/// a field that does not fit starts the next unit; a bitfield of a different type size,
/// or any other member, closes the unit (its unused bits stay padding) and is aligned
/// anew; a last bitfield pads the record to the end of its unit. A zero-width bitfield
/// closes the unit and counts in the record's alignment only right after a bitfield;
/// elsewhere it is ignored. A packed bitfield is aligned to a byte and does not count in
/// the record's alignment. Non-bitfield members follow the same rules as System V.
/// </summary>
public sealed class MsvcLayout : ILayoutRules
{
    public static MsvcLayout Instance { get; } = new();

    public string Name => "Windows x64";

    public ScalarShape Scalar(CScalar type) => DataModels.Windows(type);

    public ScalarShape EnumStorage(Int128 min, Int128 max, bool packed) => Layout.EnumStorage.Gcc(min, max, packed);

    /// <summary>The bitfield whose unit is open: its type's size in bits, and whether it was zero-width.</summary>
    readonly record struct OpenUnit(long TypeBits, bool ZeroWidth);

    public RecordLayout Lay(RecordShape shape)
    {
        var b = new LayoutBuilder(shape);
        var union = shape.Kind == RecordKind.Union;
        var pack = shape.Pack;
        long pos = 0, unionBits = 0, remaining = 0;
        OpenUnit? open = null;
        for (var i = 0; i < shape.Members.Count; i++)
        {
            var m = shape.Members[i];
            var typeAlign = m.Type.Alignment;
            var packed = m.Packed || shape.Packed;
            var width = m.BitWidth ?? 0;
            var typeBits = LayoutBuilder.BitsOf(m.Type);
            var isBitfield = m.IsBitfield;

            // The alignment the member asks for, in bits (a zero-width bitfield: only its own aligned(n)).
            // The record's alignment is raised before the member is placed: a zero-width
            // bitfield counts only right after a non-zero one, a packed bitfield never.
            long desired = !isBitfield ? SysVLayout.MemberAlignment(m, packed, typeAlign, pack) * 8L
                : width == 0 ? (m.Aligned > 0 ? (pack != 0 ? Math.Min(m.Aligned, pack) : m.Aligned) * 8L : 1)
                : LayoutBuilder.BitfieldAlignmentBits(m, width, union ? 0 : pos, packed, pack, out _);

            if (union)
            {
                if (!isBitfield || (width != 0 && !packed))
                    b.RaiseAlignment((int)(RecordAlignment(isBitfield, packed, typeAlign, desired, pack) / 8));
                unionBits = Math.Max(unionBits, isBitfield ? (width + 7) / 8 * 8L : typeBits);
                b.Place(m, 0);
                continue;
            }

            var counts = !isBitfield || (width != 0 ? !packed : open is { ZeroWidth: false });
            if (counts) b.RaiseAlignment((int)(RecordAlignment(isBitfield, packed, typeAlign, desired, pack) / 8));

            var known = pos == 0 ? long.MaxValue : pos & -pos;
            if (open is null && known < desired) pos = LayoutBuilder.RoundUp(pos, desired);

            var previous = open;   // which unit the new-unit test below compares with
            if (open is OpenUnit prev)
            {
                var realign = known < desired;
                if (isBitfield && width != 0 && !prev.ZeroWidth && typeBits == prev.TypeBits)
                {
                    if (remaining < width)
                    {
                        pos = LayoutBuilder.Add(pos, remaining);   // next unit of the same type
                        open = new OpenUnit(typeBits, false);
                        remaining = typeBits - width;
                    }
                    else
                    {
                        remaining -= width;
                        realign = false;
                    }
                }
                else
                {
                    if (!prev.ZeroWidth) pos = LayoutBuilder.Add(pos, remaining);  // close the unit
                    else previous = null;
                    if (!isBitfield || width == 0) open = null;
                }
                if (realign) pos = LayoutBuilder.RoundUp(pos, desired);
            }

            if (!isBitfield || (previous is OpenUnit p ? typeBits != p.TypeBits : width != 0))
            {
                // A new unit, or an ordinary member: align for its type.
                remaining = isBitfield ? typeBits - width : 0;
                long align = packed ? 8 : typeAlign * 8L;
                if (pack != 0) align = Math.Min(align, pack * 8L);
                pos = LayoutBuilder.RoundUp(pos, align);
                open = null;
            }

            b.Place(m, pos);
            if (open is null && isBitfield) open = new OpenUnit(typeBits, width == 0);
            pos = LayoutBuilder.Add(pos, isBitfield ? width : typeBits);
            if (isBitfield && width != 0 && i == shape.Members.Count - 1)
                pos = LayoutBuilder.Add(pos, remaining);
        }
        return b.Finish(union ? unionBits : pos);
    }

    /// <summary>How much a member raises the record's alignment, in bits (packed non-bitfields: only their own).</summary>
    static long RecordAlignment(bool isBitfield, bool packed, int typeAlign, long desired, int pack)
    {
        var a = !isBitfield && packed ? desired : Math.Max(typeAlign * 8L, desired);
        return pack != 0 ? Math.Min(a, pack * 8L) : a;
    }
}
