namespace Lunet.Ffi.Libraries.Exports;

/// <summary>
/// Lists the functions in an ELF file's dynamic symbol table (32/64-bit, either byte order),
/// and for lib:value every defined symbol with its kind and size.
/// The table is found through the SHT_DYNSYM section header, or, when section headers are
/// missing (stripped with e.g. sstrip), through PT_DYNAMIC: DT_SYMTAB/DT_STRTAB/DT_STRSZ with
/// the symbol count taken from DT_HASH or by walking DT_GNU_HASH.
/// Listed: defined symbols of type FUNC or GNU_IFUNC, binding GLOBAL or WEAK, visibility
/// DEFAULT or PROTECTED. Symbol versions live in separate tables, so versioned duplicates
/// (memcpy@GLIBC_2.2.5, memcpy@@GLIBC_2.14) already share one plain name here.
/// </summary>
internal static class ElfExportReader
{
    private const uint ShtDynsym = 11;
    private const uint PtLoad = 1;
    private const uint PtDynamic = 2;
    private const long DtNull = 0, DtHash = 4, DtStrtab = 5, DtSymtab = 6, DtStrsz = 10, DtSyment = 11;
    private const long DtGnuHash = 0x6ffffef5;
    private const int SttObject = 1, SttFunc = 2, SttCommon = 5, SttTls = 6, SttGnuIfunc = 10;
    private const int StbGlobal = 1, StbWeak = 2;
    private const int StvDefault = 0, StvProtected = 3;

    private readonly record struct LoadSegment(ulong VirtualAddress, ulong FileSize, ulong FileOffset);

    /// <summary>Where the symbols and their names are, as file offsets.</summary>
    private readonly record struct SymbolTable(long Offset, long Count, long EntrySize, long StringsOffset, long StringsSize);

    public static IReadOnlyList<ExportInfo> Read(ReadOnlyMemory<byte> bytes)
    {
        var exports = new ExportListBuilder(Open(bytes, out bool is64, out var table));
        // Add charges the names it keeps against the budget.
        ForEachDefined(exports.File, is64, table, _ => { }, (name, type, _) =>
        {
            if (type is SttFunc or SttGnuIfunc) exports.Add(new ExportInfo(name));
        });
        return exports.ToSortedList();
    }

    /// <summary>
    /// The defined, exported symbols of the dynamic symbol table with what they are and their
    /// size (st_size): what lib:value checks a variable against.
    /// </summary>
    public static Dictionary<string, SymbolInfo> ReadSymbols(ReadOnlyMemory<byte> bytes)
    {
        var file = Open(bytes, out bool is64, out var table);
        var symbols = new Dictionary<string, SymbolInfo>(StringComparer.Ordinal);
        var budget = new ExportListBuilder(file);
        ForEachDefined(file, is64, table, budget.ChargeName, (name, type, size) =>
        {
            var kind = type switch
            {
                SttFunc or SttGnuIfunc => SymbolKind.Function,
                SttObject or SttCommon => SymbolKind.Variable,
                SttTls => SymbolKind.ThreadLocal,
                _ => SymbolKind.Other,
            };
            symbols.TryAdd(name, new SymbolInfo(kind, size));
        });
        return symbols;
    }

    private static BinaryView Open(ReadOnlyMemory<byte> bytes, out bool is64, out SymbolTable table)
    {
        var file = new BinaryView(bytes, bigEndian: false, "ELF");
        file.CheckRange(0, 16, "ELF identification");
        byte elfClass = file.U8(4), data = file.U8(5);
        if (elfClass is not (1 or 2)) throw file.Error($"unknown ELF class {elfClass} (expected 1 = 32-bit or 2 = 64-bit)");
        if (data is not (1 or 2)) throw file.Error($"unknown ELF data encoding {data} (expected 1 = little or 2 = big endian)");
        file = file.WithEndianness(data == 2);
        is64 = elfClass == 2;

        var header = ElfHeader.Parse(file, is64);
        table = FindTableInSections(file, header) ?? FindTableThroughDynamic(file, header)
            ?? throw file.Error("no dynamic symbol table: neither an SHT_DYNSYM section nor a PT_DYNAMIC segment with DT_SYMTAB");
        return file;
    }

    private sealed record ElfHeader(bool Is64, long ProgramHeaders, long ProgramHeaderSize, long ProgramHeaderCount,
        long SectionHeaders, long SectionHeaderSize, long SectionHeaderCount)
    {
        public static ElfHeader Parse(BinaryView file, bool is64)
        {
            file.CheckRange(0, is64 ? 64 : 52, "ELF header");
            long phoff = (long)Math.Min(file.Word(is64 ? 32 : 28, is64), long.MaxValue);
            long shoff = (long)Math.Min(file.Word(is64 ? 40 : 32, is64), long.MaxValue);
            long at = is64 ? 54 : 42;
            long phentsize = file.U16(at), phnum = file.U16(at + 2);
            long shentsize = file.U16(at + 4), shnum = file.U16(at + 6);
            // Extended numbering: more than 0xff00 sections puts the count in section 0's sh_size.
            if (shoff != 0 && shnum == 0 && shentsize > 0)
            {
                file.CheckRange(shoff, shentsize, "section header 0");
                shnum = (long)Math.Min(file.Word(shoff + (is64 ? 32 : 20), is64), long.MaxValue);
            }
            return new ElfHeader(is64, phoff, phentsize, phnum, shoff, shentsize, shnum);
        }
    }

    private static SymbolTable? FindTableInSections(BinaryView file, ElfHeader h)
    {
        if (h.SectionHeaders == 0 || h.SectionHeaderCount == 0) return null;
        long minSize = h.Is64 ? 64 : 40;
        if (h.SectionHeaderSize < minSize)
            throw file.Error($"section header size {h.SectionHeaderSize} is smaller than {minSize}");
        if (!file.Contains(h.SectionHeaders, 0) || h.SectionHeaderCount > file.Length / h.SectionHeaderSize
            || !file.Contains(h.SectionHeaders, h.SectionHeaderCount * h.SectionHeaderSize))
        {
            throw file.Error($"section header table at offset 0x{h.SectionHeaders:X} ({h.SectionHeaderCount} entries of {h.SectionHeaderSize} bytes) runs past end of file (size {file.Length})");
        }

        for (long i = 0; i < h.SectionHeaderCount; i++)
        {
            long sh = h.SectionHeaders + i * h.SectionHeaderSize;
            if (file.U32(sh + 4) != ShtDynsym) continue;
            var dynsym = Section.Parse(file, h.Is64, sh);
            if (dynsym.Link >= h.SectionHeaderCount)
                throw file.Error($"SHT_DYNSYM section {i} links to string table section {dynsym.Link}, but there are only {h.SectionHeaderCount} sections");
            var strings = Section.Parse(file, h.Is64, h.SectionHeaders + dynsym.Link * h.SectionHeaderSize);
            long entrySize = dynsym.EntrySize != 0 ? dynsym.EntrySize : SymbolSize(h.Is64);
            CheckEntrySize(file, h.Is64, entrySize);
            return new SymbolTable(dynsym.Offset, dynsym.Size / entrySize, entrySize, strings.Offset, strings.Size);
        }
        return null;
    }

    private readonly record struct Section(long Offset, long Size, long Link, long EntrySize)
    {
        public static Section Parse(BinaryView file, bool is64, long sh)
        {
            ulong offset = file.Word(sh + (is64 ? 24 : 16), is64, "sh_offset");
            ulong size = file.Word(sh + (is64 ? 32 : 20), is64, "sh_size");
            uint link = file.U32(sh + (is64 ? 40 : 24), "sh_link");
            ulong entsize = file.Word(sh + (is64 ? 56 : 36), is64, "sh_entsize");
            if (!file.Contains((long)Math.Min(offset, long.MaxValue), (long)Math.Min(size, long.MaxValue)))
                throw file.Error($"section at offset 0x{offset:X} with size 0x{size:X} runs past end of file (size {file.Length})");
            if (entsize > (ulong)file.Length)
                throw file.Error($"section entry size {entsize} is larger than the file");
            return new Section((long)offset, (long)size, link, (long)entsize);
        }
    }

    private static SymbolTable? FindTableThroughDynamic(BinaryView file, ElfHeader h)
    {
        if (h.ProgramHeaders == 0 || h.ProgramHeaderCount == 0) return null;
        long minSize = h.Is64 ? 56 : 32;
        if (h.ProgramHeaderSize < minSize)
            throw file.Error($"program header size {h.ProgramHeaderSize} is smaller than {minSize}");
        file.CheckArray(h.ProgramHeaders, h.ProgramHeaderCount, h.ProgramHeaderSize, "program header table");

        var loads = new List<LoadSegment>();
        long dynamicOffset = -1, dynamicSize = 0;
        for (long i = 0; i < h.ProgramHeaderCount; i++)
        {
            long ph = h.ProgramHeaders + i * h.ProgramHeaderSize;
            uint type = file.U32(ph);
            ulong offset = file.Word(ph + (h.Is64 ? 8 : 4), h.Is64, "p_offset");
            ulong vaddr = file.Word(ph + (h.Is64 ? 16 : 8), h.Is64, "p_vaddr");
            ulong filesz = file.Word(ph + (h.Is64 ? 32 : 16), h.Is64, "p_filesz");
            if (type == PtLoad) loads.Add(new LoadSegment(vaddr, filesz, offset));
            else if (type == PtDynamic)
            {
                if (!file.Contains((long)Math.Min(offset, long.MaxValue), (long)Math.Min(filesz, long.MaxValue)))
                    throw file.Error($"PT_DYNAMIC at offset 0x{offset:X} (0x{filesz:X} bytes) runs past end of file (size {file.Length})");
                dynamicOffset = (long)offset;
                dynamicSize = (long)filesz;
            }
        }
        if (dynamicOffset < 0) return null;

        ulong? symtab = null, strtab = null, strsz = null, hash = null, gnuHash = null, syment = null;
        long entry = h.Is64 ? 16 : 8;
        for (long at = dynamicOffset; at + entry <= dynamicOffset + dynamicSize; at += entry)
        {
            long tag = h.Is64 ? (long)file.U64(at) : (int)file.U32(at);
            ulong value = file.Word(at + entry / 2, h.Is64, "d_val");
            if (tag == DtNull) break;
            switch (tag)
            {
                case DtSymtab: symtab = value; break;
                case DtStrtab: strtab = value; break;
                case DtStrsz: strsz = value; break;
                case DtHash: hash = value; break;
                case DtGnuHash: gnuHash = value; break;
                case DtSyment: syment = value; break;
            }
        }
        if (symtab is null) return null;
        if (strtab is null || strsz is null) throw file.Error("PT_DYNAMIC has DT_SYMTAB but no DT_STRTAB/DT_STRSZ");

        long entrySize = syment is { } s ? (long)Math.Min(s, long.MaxValue) : SymbolSize(h.Is64);
        CheckEntrySize(file, h.Is64, entrySize);
        long symbolsOffset = ToFileOffset(file, loads, symtab.Value, "DT_SYMTAB");
        long stringsOffset = ToFileOffset(file, loads, strtab.Value, "DT_STRTAB");
        if (strsz.Value > (ulong)(file.Length - stringsOffset))
            throw file.Error($"DT_STRSZ {strsz.Value} runs past end of file (size {file.Length}) from offset 0x{stringsOffset:X}");

        long count;
        if (hash is { } hashAddress)
        {
            // DT_HASH: nbucket, nchain, ...; nchain equals the number of symbols.
            long at = ToFileOffset(file, loads, hashAddress, "DT_HASH");
            count = file.U32(at + 4, "DT_HASH nchain");
        }
        else if (gnuHash is { } gnuHashAddress)
        {
            count = CountFromGnuHash(file, h.Is64, ToFileOffset(file, loads, gnuHashAddress, "DT_GNU_HASH"));
        }
        else throw file.Error("PT_DYNAMIC has neither DT_HASH nor DT_GNU_HASH, so the symbol count is unknown");

        return new SymbolTable(symbolsOffset, count, entrySize, stringsOffset, (long)strsz.Value);
    }

    /// <summary>
    /// DT_GNU_HASH only covers symbols from symoffset on; the highest index is found by taking the
    /// largest bucket start and following its chain to the entry whose low bit marks the end.
    /// </summary>
    private static long CountFromGnuHash(BinaryView file, bool is64, long at)
    {
        long bucketCount = file.U32(at, "DT_GNU_HASH nbuckets");
        long symOffset = file.U32(at + 4, "DT_GNU_HASH symoffset");
        long bloomCount = file.U32(at + 8, "DT_GNU_HASH bloom_size");
        long bloomBytes = is64 ? 8 : 4;
        file.CheckArray(at + 16, bloomCount, bloomBytes, "DT_GNU_HASH bloom filter");
        long buckets = at + 16 + bloomCount * bloomBytes;
        file.CheckArray(buckets, bucketCount, 4, "DT_GNU_HASH buckets");

        long highestStart = 0;
        for (long i = 0; i < bucketCount; i++)
            highestStart = Math.Max(highestStart, file.U32(buckets + i * 4));
        if (highestStart == 0) return symOffset;
        if (highestStart < symOffset)
            throw file.Error($"DT_GNU_HASH bucket points at symbol {highestStart}, below symoffset {symOffset}");

        long chains = buckets + bucketCount * 4;
        long index = highestStart;
        // Each step reads 4 fresh bytes, so the file size bounds the walk.
        while ((file.U32(chains + (index - symOffset) * 4, "DT_GNU_HASH chain") & 1) == 0) index++;
        return index + 1;
    }

    private static long ToFileOffset(BinaryView file, List<LoadSegment> loads, ulong address, string what)
    {
        foreach (var load in loads)
        {
            if (address >= load.VirtualAddress && address - load.VirtualAddress < load.FileSize)
            {
                ulong offset = load.FileOffset + (address - load.VirtualAddress);
                if (offset < load.FileOffset || offset >= (ulong)file.Length)
                    throw file.Error($"{what} address 0x{address:X} maps to file offset 0x{offset:X}, past end of file (size {file.Length})");
                return (long)offset;
            }
        }
        throw file.Error($"{what} address 0x{address:X} is not inside any PT_LOAD segment's file data");
    }

    private static long SymbolSize(bool is64) => is64 ? 24 : 16;

    private static void CheckEntrySize(BinaryView file, bool is64, long entrySize)
    {
        if (entrySize < SymbolSize(is64) || entrySize > 1024)
            throw file.Error($"symbol entry size {entrySize} is invalid (expected {SymbolSize(is64)})");
    }

    /// <summary>Calls <paramref name="visit"/>(name, type, size) for each defined global or weak symbol of default or protected visibility.</summary>
    private static void ForEachDefined(BinaryView file, bool is64, SymbolTable t, Action<long> chargeName, Action<string, int, ulong> visit)
    {
        file.CheckArray(t.Offset, t.Count, t.EntrySize, "dynamic symbol table");
        file.CheckRange(t.StringsOffset, t.StringsSize, "dynamic string table");
        long stringsEnd = t.StringsOffset + t.StringsSize;
        // Entry 0 is always the reserved undefined symbol.
        for (long i = 1; i < t.Count; i++)
        {
            long sym = t.Offset + i * t.EntrySize;
            uint nameOffset = file.U32(sym);
            byte info = file.U8(sym + (is64 ? 4 : 12));
            byte other = file.U8(sym + (is64 ? 5 : 13));
            ushort sectionIndex = file.U16(sym + (is64 ? 6 : 14));
            int type = info & 0xF, binding = info >> 4, visibility = other & 3;
            if (sectionIndex == 0) continue; // SHN_UNDEF: imported, not exported
            if (binding is not (StbGlobal or StbWeak)) continue;
            if (visibility is not (StvDefault or StvProtected)) continue;
            if (nameOffset >= t.StringsSize)
                throw file.Error($"symbol {i} name offset 0x{nameOffset:X} is past the end of the string table (size {t.StringsSize})");
            string name = file.CString(t.StringsOffset + nameOffset, stringsEnd, $"name of symbol {i}");
            if (name.Length == 0) continue;
            chargeName(name.Length);
            ulong size = is64 ? file.Word(sym + 16, true) : file.U32(sym + 8);
            visit(name, type, size);
        }
    }
}
