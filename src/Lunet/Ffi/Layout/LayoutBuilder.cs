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
