using System.Buffers.Binary;

namespace Lunet.Ffi.Layout;

/// <summary>Reads and writes a bitfield in a record's bytes: one load of its unit, a shift and a mask, one store.</summary>
public static class BitfieldAccess
{
    /// <summary>The field's bits, zero-extended.</summary>
    public static ulong ReadBits(ReadOnlySpan<byte> record, BitfieldLayout f)
    {
        if (f.Width == 0) return 0;
        var unit = Load(record, f);
        return (ulong)(unit >> f.Shift) & Mask(f.Width);
    }

    /// <summary>The field's value, sign-extended when its type is signed.</summary>
    public static long Read(ReadOnlySpan<byte> record, BitfieldLayout f)
    {
        var bits = ReadBits(record, f);
        if (!f.Signed || f.Width == 0) return (long)bits;
        var unused = 64 - f.Width;
        return (long)(bits << unused) >> unused;
    }

    /// <summary>Stores the low <see cref="BitfieldLayout.Width"/> bits of the value, leaving the unit's other bits as they were.</summary>
    public static void Write(Span<byte> record, BitfieldLayout f, ulong value)
    {
        if (f.Width == 0) return;
        var mask = (UInt128)Mask(f.Width) << f.Shift;
        var unit = Load(record, f);
        unit = (unit & ~mask) | (((UInt128)value << f.Shift) & mask);
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128LittleEndian(bytes, unit);
        bytes[..f.UnitSize].CopyTo(record.Slice(Start(record, f), f.UnitSize));
    }

    static UInt128 Load(ReadOnlySpan<byte> record, BitfieldLayout f)
    {
        Span<byte> bytes = stackalloc byte[16];
        bytes.Clear();
        record.Slice(Start(record, f), f.UnitSize).CopyTo(bytes);
        return BinaryPrimitives.ReadUInt128LittleEndian(bytes);
    }

    static int Start(ReadOnlySpan<byte> record, BitfieldLayout f) =>
        f.UnitOffset >= 0 && f.UnitOffset + f.UnitSize <= record.Length
            ? (int)f.UnitOffset
            : throw new ArgumentOutOfRangeException(nameof(record), $"bitfield unit at {f.UnitOffset} (+{f.UnitSize}) is outside the {record.Length} bytes given");

    static ulong Mask(int width) => width >= 64 ? ulong.MaxValue : (1UL << width) - 1;
}
