using System.Buffers.Binary;
using System.Text;

namespace Lunet.Tests.Exports;

/// <summary>Growable byte buffer with endianness-aware writes, for building test images by hand.</summary>
internal sealed class TestByteWriter(bool bigEndian)
{
    private readonly List<byte> _bytes = new();

    public int Position => _bytes.Count;

    public byte[] ToArray() => _bytes.ToArray();

    public void U8(int value) => _bytes.Add((byte)value);

    public void U16(int value)
    {
        Span<byte> s = stackalloc byte[2];
        if (bigEndian) BinaryPrimitives.WriteUInt16BigEndian(s, (ushort)value); else BinaryPrimitives.WriteUInt16LittleEndian(s, (ushort)value);
        _bytes.AddRange(s.ToArray());
    }

    public void U32(long value)
    {
        Span<byte> s = stackalloc byte[4];
        if (bigEndian) BinaryPrimitives.WriteUInt32BigEndian(s, (uint)value); else BinaryPrimitives.WriteUInt32LittleEndian(s, (uint)value);
        _bytes.AddRange(s.ToArray());
    }

    public void U64(ulong value)
    {
        Span<byte> s = stackalloc byte[8];
        if (bigEndian) BinaryPrimitives.WriteUInt64BigEndian(s, value); else BinaryPrimitives.WriteUInt64LittleEndian(s, value);
        _bytes.AddRange(s.ToArray());
    }

    /// <summary>A 32- or 64-bit field, as ELF and Mach-O use for addresses and sizes.</summary>
    public void Word(ulong value, bool is64)
    {
        if (is64) U64(value); else U32((long)value);
    }

    public void Bytes(ReadOnlySpan<byte> bytes) => _bytes.AddRange(bytes.ToArray());

    public void CString(string text)
    {
        _bytes.AddRange(Encoding.UTF8.GetBytes(text));
        _bytes.Add(0);
    }

    /// <summary>Writes text NUL-padded to a fixed width (Mach-O segment/section names).</summary>
    public void FixedString(string text, int width)
    {
        var bytes = Encoding.ASCII.GetBytes(text);
        _bytes.AddRange(bytes);
        for (int i = bytes.Length; i < width; i++) _bytes.Add(0);
    }

    public void Uleb128(ulong value)
    {
        do
        {
            byte b = (byte)(value & 0x7F);
            value >>= 7;
            _bytes.Add(value != 0 ? (byte)(b | 0x80) : b);
        } while (value != 0);
    }

    /// <summary>ULEB128 padded to a fixed number of bytes, so offsets can be patched in later.</summary>
    public void PaddedUleb128(ulong value, int width)
    {
        for (int i = 0; i < width; i++)
        {
            byte b = (byte)(value & 0x7F);
            value >>= 7;
            _bytes.Add(i < width - 1 ? (byte)(b | 0x80) : b);
        }
        if (value != 0) throw new ArgumentOutOfRangeException(nameof(value), "does not fit in the padded width");
    }

    public void AlignTo(int alignment)
    {
        while (_bytes.Count % alignment != 0) _bytes.Add(0);
    }

    public void PatchU32(int at, long value)
    {
        Span<byte> s = stackalloc byte[4];
        if (bigEndian) BinaryPrimitives.WriteUInt32BigEndian(s, (uint)value); else BinaryPrimitives.WriteUInt32LittleEndian(s, (uint)value);
        for (int i = 0; i < 4; i++) _bytes[at + i] = s[i];
    }

    public void PatchWord(int at, ulong value, bool is64)
    {
        if (!is64) { PatchU32(at, (long)value); return; }
        Span<byte> s = stackalloc byte[8];
        if (bigEndian) BinaryPrimitives.WriteUInt64BigEndian(s, value); else BinaryPrimitives.WriteUInt64LittleEndian(s, value);
        for (int i = 0; i < 8; i++) _bytes[at + i] = s[i];
    }

    public void PatchU16(int at, int value)
    {
        Span<byte> s = stackalloc byte[2];
        if (bigEndian) BinaryPrimitives.WriteUInt16BigEndian(s, (ushort)value); else BinaryPrimitives.WriteUInt16LittleEndian(s, (ushort)value);
        _bytes[at] = s[0];
        _bytes[at + 1] = s[1];
    }
}
