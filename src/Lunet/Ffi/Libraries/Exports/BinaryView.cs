using System.Buffers.Binary;
using System.Text;

namespace Lunet.Ffi.Libraries.Exports;

/// <summary>
/// Bounds-checked, endianness-aware reads over a file image. Every offset is a long so
/// that 64-bit file fields can be checked before use; any read outside the image throws
/// <see cref="ExportFormatException"/> prefixed with the format name.
/// </summary>
internal readonly struct BinaryView
{
    private readonly ReadOnlyMemory<byte> _bytes;

    public BinaryView(ReadOnlyMemory<byte> bytes, bool bigEndian, string formatName)
    {
        _bytes = bytes;
        BigEndian = bigEndian;
        FormatName = formatName;
    }

    public bool BigEndian { get; }

    public string FormatName { get; }

    public long Length => _bytes.Length;

    public BinaryView WithEndianness(bool bigEndian) => new(_bytes, bigEndian, FormatName);

    /// <summary>A view of part of this one (a Mach-O slice of a fat file), offsets restart at 0.</summary>
    public BinaryView Slice(long offset, long length, string what)
    {
        CheckRange(offset, length, what);
        return new BinaryView(_bytes.Slice((int)offset, (int)length), BigEndian, FormatName);
    }

    public ExportFormatException Error(string message) => new($"{FormatName}: {message}");

    /// <summary>True when [offset, offset+length) lies inside the image; safe against overflow.</summary>
    public bool Contains(long offset, long length) =>
        offset >= 0 && length >= 0 && offset <= Length && length <= Length - offset;

    public void CheckRange(long offset, long length, string what)
    {
        if (!Contains(offset, length))
        {
            throw Error(offset < 0 || offset > Length
                ? $"{what} at offset 0x{offset:X} is outside the file (size {Length})"
                : $"{what} at offset 0x{offset:X} (0x{length:X} bytes) runs past end of file (size {Length})");
        }
    }

    /// <summary>Checks that count items of itemSize bytes fit at offset; also caps absurd counts.</summary>
    public void CheckArray(long offset, long count, long itemSize, string what)
    {
        if (count < 0 || itemSize <= 0 || count > Length / itemSize)
            throw Error($"{what}: count {count} is impossible for a file of {Length} bytes");
        CheckRange(offset, count * itemSize, what);
    }

    public ReadOnlySpan<byte> Span(long offset, long length, string what)
    {
        CheckRange(offset, length, what);
        return _bytes.Span.Slice((int)offset, (int)length);
    }

    public byte U8(long offset, string what = "byte") => Span(offset, 1, what)[0];

    public ushort U16(long offset, string what = "16-bit field")
    {
        var s = Span(offset, 2, what);
        return BigEndian ? BinaryPrimitives.ReadUInt16BigEndian(s) : BinaryPrimitives.ReadUInt16LittleEndian(s);
    }

    public uint U32(long offset, string what = "32-bit field")
    {
        var s = Span(offset, 4, what);
        return BigEndian ? BinaryPrimitives.ReadUInt32BigEndian(s) : BinaryPrimitives.ReadUInt32LittleEndian(s);
    }

    public ulong U64(long offset, string what = "64-bit field")
    {
        var s = Span(offset, 8, what);
        return BigEndian ? BinaryPrimitives.ReadUInt64BigEndian(s) : BinaryPrimitives.ReadUInt64LittleEndian(s);
    }

    /// <summary>A 32- or 64-bit unsigned field, as for ELF/Mach-O "word size" fields.</summary>
    public ulong Word(long offset, bool is64, string what = "address field") =>
        is64 ? U64(offset, what) : U32(offset, what);

    /// <summary>
    /// A NUL-terminated string starting at offset whose terminator must come before limit
    /// (the end of the string table it belongs to).
    /// </summary>
    public string CString(long offset, long limit, string what)
    {
        if (limit > Length) limit = Length;
        if (offset < 0 || offset >= limit)
            throw Error($"{what} at offset 0x{offset:X} is outside its table (ends at 0x{limit:X})");
        var rest = _bytes.Span.Slice((int)offset, (int)(limit - offset));
        int nul = rest.IndexOf((byte)0);
        if (nul < 0)
            throw Error($"{what} at offset 0x{offset:X} is not NUL-terminated before 0x{limit:X}");
        return Encoding.UTF8.GetString(rest[..nul]);
    }

    /// <summary>Fixed-size, NUL-padded name field (Mach-O segment and section names).</summary>
    public string FixedString(long offset, int size, string what)
    {
        var s = Span(offset, size, what);
        int nul = s.IndexOf((byte)0);
        return Encoding.ASCII.GetString(nul < 0 ? s : s[..nul]);
    }

    /// <summary>Reads a ULEB128 value that must end before limit; returns the offset after it.</summary>
    public ulong Uleb128(ref long offset, long limit, string what)
    {
        ulong value = 0;
        int shift = 0;
        while (true)
        {
            if (offset >= limit || offset >= Length || offset < 0)
                throw Error($"{what}: ULEB128 at offset 0x{offset:X} runs past its table (ends at 0x{limit:X})");
            byte b = _bytes.Span[(int)offset++];
            if (shift >= 64 || (shift == 63 && (b & 0x7E) != 0))
                throw Error($"{what}: ULEB128 value does not fit in 64 bits");
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return value;
            shift += 7;
        }
    }
}
