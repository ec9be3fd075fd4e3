namespace Lunet.Ffi.Libraries.Exports;

/// <summary>
/// Lists the exported functions of a PE/COFF image (PE32 or PE32+, any machine) from its
/// export directory. The headers are parsed by hand rather than with PEReader so that every
/// read goes through the same bounds checks and error messages.
/// <list type="bullet">
/// <item>Named exports: Name = the export name, Ordinal = Base + index in the address table.</item>
/// <item>Exports by ordinal only (NONAME): Name = "#&lt;ordinal&gt;" (e.g. "#20"), Ordinal set.
/// An empty name would be indistinguishable from a missing one, and "#n" cannot clash with a
/// C identifier.</item>
/// <item>Forwarded exports (address inside the export directory): reported, with ForwardedTo
/// set to the forwarder string such as "KERNEL32.Sleep".</item>
/// <item>Data exports (address in a section that is neither executable nor code) are left out.</item>
/// </list>
/// </summary>
internal static class PeExportReader
{
    private const ushort Pe32Magic = 0x10B, Pe32PlusMagic = 0x20B;
    private const uint ScnCntCode = 0x20, ScnMemExecute = 0x20000000;
    private const int SectionHeaderSize = 40, ExportDirectorySize = 40;

    private readonly record struct PeSection(uint VirtualAddress, uint VirtualSize, uint RawSize, uint RawOffset, uint Characteristics)
    {
        public bool ContainsRva(uint rva) => rva >= VirtualAddress && rva - VirtualAddress < Math.Max(VirtualSize, RawSize);

        public bool IsCode => (Characteristics & (ScnCntCode | ScnMemExecute)) != 0;
    }

    public static IReadOnlyList<ExportInfo> Read(ReadOnlyMemory<byte> bytes)
    {
        var file = new BinaryView(bytes, bigEndian: false, "PE");
        file.CheckRange(0, 64, "DOS header");
        long peHeader = file.U32(0x3C, "e_lfanew");
        if (!file.Contains(peHeader, 24) || file.U32(peHeader) != 0x00004550)
            throw file.Error($"no \"PE\\0\\0\" signature at e_lfanew offset 0x{peHeader:X}");

        long coff = peHeader + 4;
        int sectionCount = file.U16(coff + 2, "NumberOfSections");
        int optionalHeaderSize = file.U16(coff + 16, "SizeOfOptionalHeader");
        long optional = coff + 20;
        ushort magic = file.U16(optional, "optional header magic");
        if (magic is not (Pe32Magic or Pe32PlusMagic))
            throw file.Error($"unknown optional header magic 0x{magic:X} (expected 0x10B or 0x20B)");
        bool plus = magic == Pe32PlusMagic;
        uint headersSize = file.U32(optional + 60, "SizeOfHeaders");
        uint directoryCount = file.U32(optional + (plus ? 108 : 92), "NumberOfRvaAndSizes");
        long directories = optional + (plus ? 112 : 96);
        if (directoryCount == 0 || directories + 8 > optional + optionalHeaderSize)
            return Array.Empty<ExportInfo>(); // no export directory entry at all

        uint exportRva = file.U32(directories, "export directory RVA");
        uint exportSize = file.U32(directories + 4, "export directory size");
        if (exportRva == 0) return Array.Empty<ExportInfo>();

        var sections = ReadSections(file, optional + optionalHeaderSize, sectionCount);
        var image = new ImageMap(file, sections, headersSize);
        long dir = image.ToFileOffset(exportRva, ExportDirectorySize, "export directory");

        uint ordinalBase = file.U32(dir + 16);
        uint functionCount = file.U32(dir + 20);
        uint nameCount = file.U32(dir + 24);
        long functions = image.ToFileOffsetOfArray(file.U32(dir + 28), functionCount, 4, "export address table");
        long names = image.ToFileOffsetOfArray(file.U32(dir + 32), nameCount, 4, "export name pointer table");
        long nameOrdinals = image.ToFileOffsetOfArray(file.U32(dir + 36), nameCount, 2, "export ordinal table");

        var namesByIndex = new List<string>?[functionCount];
        var exports = new ExportListBuilder(file);
        for (long i = 0; i < nameCount; i++)
        {
            ushort index = file.U16(nameOrdinals + i * 2);
            if (index >= functionCount)
                throw file.Error($"export name {i} refers to function index {index}, but there are only {functionCount} functions");
            long nameOffset = image.ToFileOffset(file.U32(names + i * 4), 1, $"export name {i}");
            string name = file.CString(nameOffset, image.EndOfContainingData(nameOffset), $"export name {i}");
            exports.ChargeName(name.Length);
            (namesByIndex[index] ??= new List<string>()).Add(name);
        }

        for (long index = 0; index < functionCount; index++)
        {
            uint rva = file.U32(functions + index * 4);
            if (rva == 0) continue; // unused slot between ordinals
            int ordinal = unchecked((int)(ordinalBase + (uint)index));
            string? forwardedTo = null;
            if (rva >= exportRva && rva - exportRva < exportSize)
            {
                long at = image.ToFileOffset(rva, 1, $"forwarder string of ordinal {ordinal}");
                forwardedTo = file.CString(at, image.EndOfContainingData(at), $"forwarder string of ordinal {ordinal}");
            }
            else if (!image.IsCode(rva))
            {
                continue; // a data export
            }
            foreach (var name in namesByIndex[index] ?? [$"#{ordinal}"])
                exports.Add(new ExportInfo(name, ordinal, forwardedTo));
        }
        return exports.ToSortedList();
    }

    private static List<PeSection> ReadSections(BinaryView file, long at, int count)
    {
        file.CheckArray(at, count, SectionHeaderSize, "section table");
        var sections = new List<PeSection>(count);
        for (int i = 0; i < count; i++)
        {
            long s = at + i * SectionHeaderSize;
            sections.Add(new PeSection(file.U32(s + 12), file.U32(s + 8), file.U32(s + 16), file.U32(s + 20), file.U32(s + 36)));
        }
        return sections;
    }

    /// <summary>Maps relative virtual addresses to file offsets through the section table.</summary>
    private sealed class ImageMap(BinaryView file, List<PeSection> sections, uint headersSize)
    {
        public bool IsCode(uint rva)
        {
            foreach (var s in sections)
                if (s.ContainsRva(rva)) return s.IsCode;
            return false;
        }

        public long ToFileOffset(uint rva, long length, string what)
        {
            foreach (var s in sections)
            {
                if (!s.ContainsRva(rva)) continue;
                long delta = rva - s.VirtualAddress;
                if (delta + length > s.RawSize)
                    throw file.Error($"{what} at RVA 0x{rva:X} is not backed by file data of its section (raw size 0x{s.RawSize:X})");
                long offset = s.RawOffset + delta;
                file.CheckRange(offset, length, what);
                return offset;
            }
            if (rva < headersSize)
            {
                file.CheckRange(rva, length, what);
                return rva;
            }
            throw file.Error($"{what} at RVA 0x{rva:X} is not inside any section");
        }

        public long ToFileOffsetOfArray(uint rva, uint count, long itemSize, string what)
        {
            if (count == 0) return 0;
            if (count > file.Length / itemSize)
                throw file.Error($"{what}: count {count} is impossible for a file of {file.Length} bytes");
            return ToFileOffset(rva, count * itemSize, what);
        }

        /// <summary>End of the section's file data holding offset, so strings stop at section end.</summary>
        public long EndOfContainingData(long offset)
        {
            foreach (var s in sections)
                if (offset >= s.RawOffset && offset - s.RawOffset < s.RawSize)
                    return Math.Min((long)s.RawOffset + s.RawSize, file.Length);
            return file.Length;
        }
    }
}
