namespace Lunet.Ffi.Layout;

/// <summary>
/// What both ABIs share: bit arithmetic that cannot overflow unnoticed, the
/// per-member results, and the final size (the bits used, in whole bytes, rounded
/// up to the alignment) with each bitfield's access unit.
/// </summary>
sealed class LayoutBuilder(RecordShape shape)
{
    const long MaxBits = RecordShape.MaxSize * 8;

    readonly List<(LayoutMember Member, long Bit)> placed = new();

    public RecordShape Shape { get; } = shape;

    /// <summary>The record's alignment so far, in bytes: at least its own aligned(n).</summary>
    public int Alignment { get; private set; } = Math.Max(1, shape.Aligned);

    public void RaiseAlignment(int bytes) => Alignment = Math.Max(Alignment, bytes);

    public void Place(LayoutMember member, long bit) => placed.Add((member, bit));

    public static long RoundUp(long bits, long alignBits)
    {
        if (alignBits <= 1) return bits;
        var r = (bits + alignBits - 1) / alignBits * alignBits;
        return r <= MaxBits ? r : throw TooLarge();
    }

    public static long Add(long bits, long more)
    {
        var r = bits + more;
        return more <= MaxBits && r <= MaxBits ? r : throw TooLarge();
    }

    public static long BitsOf(FieldShape type) =>
        type.Size <= RecordShape.MaxSize ? type.Size * 8 : throw TooLarge();

    /// <summary>
    /// The alignment a non-zero bitfield asks for, in bits: its own aligned(n), else a bit.
    /// Like gcc, a field exactly 8, 16, 32 or 64 bits wide that already sits on a multiple
    /// of its width is laid out as an integer of that size (<paramref name="asInteger"/>):
    /// it asks for that alignment, and System V's straddling rule no longer applies to it.
    /// Both only show when the declared type is aligned other than its size (a typedef
    /// with aligned(n)). Packed fields wider than a byte are never taken as integers.
    /// packed (without aligned(n)) caps the alignment at a byte, #pragma pack at its value.
    /// </summary>
    public static long BitfieldAlignmentBits(LayoutMember m, int width, long pos, bool packed, int pack, out bool asInteger)
    {
        long bits = m.Aligned > 0 ? m.Aligned * 8L : 1;
        var known = pos == 0 ? long.MaxValue : pos & -pos;
        asInteger = width is 8 or 16 or 32 or 64 && !(width > 8 && packed) && known >= width;
        if (asInteger) bits = Math.Max(bits, width);
        if (packed && m.Aligned == 0) bits = Math.Min(bits, 8);
        if (pack != 0) bits = Math.Min(bits, pack * 8L);
        return bits;
    }

    static LayoutException TooLarge() => new($"record is larger than {RecordShape.MaxSize} bytes");

    public RecordLayout Finish(long usedBits)
    {
        var size = RoundUp((usedBits + 7) / 8 * 8, Alignment * 8L) / 8;
        var members = new MemberLayout[placed.Count];
        for (var i = 0; i < placed.Count; i++)
        {
            var (m, bit) = placed[i];
            members[i] = new MemberLayout(m, bit / 8, m.BitWidth is int w ? Unit(m, bit, w, size) : null);
        }
        return new RecordLayout(Shape, size, Alignment, members);
    }

    static BitfieldLayout Unit(LayoutMember m, long bit, int width, long recordSize)
    {
        var scalar = (ScalarShape)m.Type;
        var typeSize = (long)scalar.Size;
        var start = bit / (typeSize * 8) * typeSize;
        if (width == 0) return new BitfieldLayout(bit, 0, scalar.IsSigned, bit / 8, 0);
        if ((bit + width <= (start + typeSize) * 8 && start + typeSize <= recordSize))
            return new BitfieldLayout(bit, width, scalar.IsSigned, start, (int)typeSize);
        var first = bit / 8;
        var bytes = (int)((bit % 8 + width + 7) / 8);
        return new BitfieldLayout(bit, width, scalar.IsSigned, first, bytes);
    }
}
