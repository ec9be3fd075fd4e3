using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace Lunet.Ffi.Libraries.Exports;

/// <summary>
/// Lists the exported functions of a Mach-O image: thin 64- or 32-bit files in either byte
/// order, and universal (fat) files, from which the slice for the current process
/// architecture is chosen (x86_64 or arm64), else the first slice.
/// <para>
/// Exports come from the export trie (LC_DYLD_EXPORTS_TRIE, or LC_DYLD_INFO[_ONLY]), falling
/// back to LC_SYMTAB external section symbols when there is no trie. One leading underscore
/// is stripped from each name.
/// </para>
/// <para>
/// Functions are told from data by the section holding the address: a section flagged
/// S_ATTR_PURE_INSTRUCTIONS or S_ATTR_SOME_INSTRUCTIONS is code. For an address outside every
/// section, the segment decides (executable VM protection = code). Stub-and-resolver exports
/// are functions by construction and always listed. Re-exports are listed with ForwardedTo =
/// "&lt;install name of the re-exported dylib&gt;.&lt;symbol&gt;". Thread-local and absolute
/// exports are left out as they are not callable code in this image.
/// </para>
/// </summary>
internal static class MachOExportReader
{
    private const uint MhMagic = 0xFEEDFACE, MhMagic64 = 0xFEEDFACF;
    private const uint FatMagic = 0xCAFEBABE, FatMagic64 = 0xCAFEBABF;
    private const uint CpuTypeX86_64 = 0x01000007, CpuTypeArm64 = 0x0100000C;

    private const uint LcSegment = 0x1, LcSymtab = 0x2, LcSegment64 = 0x19;
    private const uint LcDyldInfo = 0x22, LcDyldInfoOnly = 0x80000022, LcDyldExportsTrie = 0x80000033;
    private const uint LcLoadDylib = 0xC, LcLoadWeakDylib = 0x80000018, LcReexportDylib = 0x8000001F;
    private const uint LcLazyLoadDylib = 0x20, LcLoadUpwardDylib = 0x80000023;

    private const uint SectionAttrPureInstructions = 0x80000000, SectionAttrSomeInstructions = 0x400;
    private const uint VmProtExecute = 4;

    private const ulong ExportKindMask = 0x3, ExportKindRegular = 0;
    private const ulong ExportFlagReexport = 0x8, ExportFlagStubAndResolver = 0x10;

    private const byte NStab = 0xE0, NPext = 0x10, NTypeMask = 0x0E, NSect = 0x0E, NExt = 0x01;

    /// <summary>Longest symbol name accepted from a trie; real names are far shorter.</summary>
    private const int MaxTrieNameBytes = 16 * 1024;

    public static bool HasMagic(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 4) return false;
        uint le = BinaryPrimitives.ReadUInt32LittleEndian(bytes);
        uint be = BinaryPrimitives.ReverseEndianness(le);
        return le is MhMagic or MhMagic64 || be is MhMagic or MhMagic64 or FatMagic or FatMagic64;
    }

    public static IReadOnlyList<ExportInfo> Read(ReadOnlyMemory<byte> bytes)
    {
        var file = new BinaryView(bytes, bigEndian: true, "Mach-O");
        uint bigEndianMagic = file.U32(0, "magic");
        if (bigEndianMagic is FatMagic or FatMagic64)
            file = PickSlice(file, bigEndianMagic == FatMagic64);
        return ReadThin(file);
    }

    private static BinaryView PickSlice(BinaryView fat, bool is64)
    {
        long count = fat.U32(4, "nfat_arch");
        long entrySize = is64 ? 32 : 20;
        fat.CheckArray(8, count, entrySize, "fat_arch table");
        if (count == 0) throw fat.Error("universal file has no slices");

        uint wanted = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.Arm64 => CpuTypeArm64,
            _ => CpuTypeX86_64,
        };
        long chosen = 0;
        for (long i = 0; i < count; i++)
        {
            if (fat.U32(8 + i * entrySize) == wanted) { chosen = i; break; }
        }
        long entry = 8 + chosen * entrySize;
        ulong offset = is64 ? fat.U64(entry + 8) : fat.U32(entry + 8);
        ulong size = is64 ? fat.U64(entry + 16) : fat.U32(entry + 12);
        if (offset > (ulong)fat.Length || size > (ulong)fat.Length - offset)
            throw fat.Error($"fat slice {chosen} at offset 0x{offset:X} (0x{size:X} bytes) runs past end of file (size {fat.Length})");
        var slice = fat.Slice((long)offset, (long)size, $"fat slice {chosen}");
        if (slice.Length >= 4 && slice.U32(0) is FatMagic or FatMagic64)
            throw fat.Error($"fat slice {chosen} is itself a universal file");
        return slice;
    }

    private readonly record struct MachSection(ulong Address, ulong Size, uint Flags)
    {
        public bool Contains(ulong address) => address >= Address && address - Address < Size;

        public bool IsCode => (Flags & (SectionAttrPureInstructions | SectionAttrSomeInstructions)) != 0;
    }

    private readonly record struct MachSegment(ulong Address, ulong Size, ulong FileOffset, ulong FileSize, uint InitialProtection)
    {
        public bool Contains(ulong address) => address >= Address && address - Address < Size;
    }

    /// <summary>What the load commands tell us; sections are in n_sect order (1-based in nlist).</summary>
    private sealed class Image
    {
        public bool Is64;
        public readonly List<MachSection> Sections = new();
        public readonly List<MachSegment> Segments = new();
        public readonly List<string> Dylibs = new();
        public long TrieOffset = -1, TrieSize;
        public long SymbolsOffset = -1, SymbolCount, StringsOffset, StringsSize;

        /// <summary>Trie addresses are relative to the segment mapped from file offset 0 (__TEXT).</summary>
        public ulong ImageBase => Segments.FirstOrDefault(s => s.FileOffset == 0 && s.FileSize != 0).Address;

        public bool IsCodeAddress(ulong address)
        {
            foreach (var section in Sections)
                if (section.Contains(address)) return section.IsCode;
            foreach (var segment in Segments)
                if (segment.Contains(address)) return (segment.InitialProtection & VmProtExecute) != 0;
            return false;
        }
    }

    private static IReadOnlyList<ExportInfo> ReadThin(BinaryView file)
    {
        uint magic = file.U32(0, "magic");
        if (magic is MhMagic or MhMagic64) { }
        else if (BinaryPrimitives.ReverseEndianness(magic) is MhMagic or MhMagic64)
        {
            file = file.WithEndianness(false);
            magic = file.U32(0);
        }
        else throw file.Error($"unknown Mach-O magic 0x{magic:X8}");

        var image = ReadLoadCommands(file, magic == MhMagic64);
        var exports = new ExportListBuilder(file);
        if (image.TrieOffset >= 0 && image.TrieSize > 0)
            ReadTrie(file, image, exports);
        else if (image.SymbolsOffset >= 0)
            ReadSymbolTable(file, image, exports);
        return exports.ToSortedList();
    }

    private static Image ReadLoadCommands(BinaryView file, bool is64)
    {
        var image = new Image { Is64 = is64 };
        long headerSize = is64 ? 32 : 28;
        file.CheckRange(0, headerSize, "Mach-O header");
        long commandCount = file.U32(16, "ncmds");
        long commandsSize = file.U32(20, "sizeofcmds");
        file.CheckRange(headerSize, commandsSize, "load commands");
        if (commandCount > commandsSize / 8)
            throw file.Error($"ncmds {commandCount} cannot fit in sizeofcmds {commandsSize}");

        long at = headerSize, end = headerSize + commandsSize;
        for (long i = 0; i < commandCount; i++)
        {
            if (at + 8 > end) throw file.Error($"load command {i} at offset 0x{at:X} runs past sizeofcmds");
            uint cmd = file.U32(at), size = file.U32(at + 4);
            if (size < 8 || size > end - at)
                throw file.Error($"load command {i} (0x{cmd:X}) has size {size}, which does not fit in the load commands");
            ReadLoadCommand(file, image, cmd, at, size);
            at += size;
        }
        return image;
    }

    private static void ReadLoadCommand(BinaryView file, Image image, uint cmd, long at, long size)
    {
        switch (cmd)
        {
            case LcSegment64:
            case LcSegment:
                ReadSegment(file, image, at, size, cmd == LcSegment64);
                break;
            case LcDyldExportsTrie:
                RequireSize(file, cmd, size, 16);
                SetTrie(file, image, file.U32(at + 8), file.U32(at + 12), "LC_DYLD_EXPORTS_TRIE");
                break;
            case LcDyldInfo:
            case LcDyldInfoOnly:
                RequireSize(file, cmd, size, 48);
                // An explicit LC_DYLD_EXPORTS_TRIE wins over the older command.
                if (image.TrieOffset < 0) SetTrie(file, image, file.U32(at + 40), file.U32(at + 44), "LC_DYLD_INFO export");
                break;
            case LcSymtab:
                RequireSize(file, cmd, size, 24);
                image.SymbolsOffset = file.U32(at + 8);
                image.SymbolCount = file.U32(at + 12);
                image.StringsOffset = file.U32(at + 16);
                image.StringsSize = file.U32(at + 20);
                break;
            case LcLoadDylib or LcLoadWeakDylib or LcReexportDylib or LcLazyLoadDylib or LcLoadUpwardDylib:
                RequireSize(file, cmd, size, 24);
                uint nameOffset = file.U32(at + 8);
                image.Dylibs.Add(nameOffset < size ? file.CString(at + nameOffset, at + size, "dylib name") : "");
                break;
        }
    }

    private static void RequireSize(BinaryView file, uint cmd, long size, long needed)
    {
        if (size < needed) throw file.Error($"load command 0x{cmd:X} is {size} bytes, needs at least {needed}");
    }

    private static void SetTrie(BinaryView file, Image image, long offset, long size, string what)
    {
        file.CheckRange(offset, size, what + " trie");
        image.TrieOffset = offset;
        image.TrieSize = size;
    }

    private static void ReadSegment(BinaryView file, Image image, long at, long size, bool is64)
    {
        long headerSize = is64 ? 72 : 56, sectionSize = is64 ? 80 : 68;
        RequireSize(file, is64 ? LcSegment64 : LcSegment, size, headerSize);
        ulong vmaddr = file.Word(at + 24, is64), vmsize = file.Word(at + (is64 ? 32 : 28), is64);
        ulong fileoff = file.Word(at + (is64 ? 40 : 32), is64), filesize = file.Word(at + (is64 ? 48 : 36), is64);
        uint initprot = file.U32(at + (is64 ? 60 : 44));
        long sectionCount = file.U32(at + (is64 ? 64 : 48), "nsects");
        image.Segments.Add(new MachSegment(vmaddr, vmsize, fileoff, filesize, initprot));
        if (sectionCount > (size - headerSize) / sectionSize)
            throw file.Error($"segment at offset 0x{at:X} claims {sectionCount} sections but its command holds only {(size - headerSize) / sectionSize}");
        for (long i = 0; i < sectionCount; i++)
        {
            long s = at + headerSize + i * sectionSize;
            ulong address = file.Word(s + 32, is64), length = file.Word(s + (is64 ? 40 : 36), is64);
            uint flags = file.U32(s + (is64 ? 64 : 56));
            image.Sections.Add(new MachSection(address, length, flags));
        }
    }

    /// <summary>
    /// Walks the export trie depth-first with an explicit stack. A well-formed trie is a tree,
    /// so reaching a node twice means a loop or shared node: that is rejected. Names are built
    /// in one shared buffer and only turned into strings at terminal nodes.
    /// </summary>
    private static void ReadTrie(BinaryView file, Image image, ExportListBuilder exports)
    {
        long start = image.TrieOffset, end = image.TrieOffset + image.TrieSize;
        var visited = new HashSet<long>();
        var name = new List<byte>();
        // Each entry: a node to visit, the length of its parent's name, and the edge label leading to it.
        var pending = new Stack<(long Node, int ParentNameLength, long LabelAt, int LabelLength)>();
        pending.Push((0, 0, 0, 0));
        ulong imageBase = image.ImageBase;

        while (pending.Count > 0)
        {
            var (node, parentNameLength, labelAt, labelLength) = pending.Pop();
            if (!visited.Add(node))
                throw file.Error($"export trie node at trie offset 0x{node:X} is reached twice (a loop or shared node)");
            name.RemoveRange(parentNameLength, name.Count - parentNameLength);
            foreach (byte b in file.Span(labelAt, labelLength, "export trie edge label")) name.Add(b);

            long at = start + node;
            ulong terminalSize = file.Uleb128(ref at, end, "export trie terminal size");
            if (terminalSize > (ulong)(end - at))
                throw file.Error($"export trie node at trie offset 0x{node:X} has terminal size {terminalSize} past the trie end");
            long childrenAt = at + (long)terminalSize;
            if (terminalSize > 0)
                ReadTerminal(file, image, exports, imageBase, name, at, childrenAt);

            at = childrenAt;
            if (at >= end) throw file.Error($"export trie node at trie offset 0x{node:X} has no child count before the trie end");
            int childCount = file.U8(at++);
            for (int c = 0; c < childCount; c++)
            {
                long labelEnd = at;
                while (true)
                {
                    if (labelEnd >= end) throw file.Error($"export trie edge label at offset 0x{at:X} is not NUL-terminated before the trie end");
                    if (file.U8(labelEnd) == 0) break;
                    labelEnd++;
                }
                long length = labelEnd - at;
                if (length == 0) throw file.Error($"export trie edge at offset 0x{at:X} has an empty label");
                if (name.Count + length > MaxTrieNameBytes)
                    throw file.Error($"export trie name grows past {MaxTrieNameBytes} bytes (loop or corrupt trie)");
                long childLabelAt = at;
                at = labelEnd + 1;
                ulong child = file.Uleb128(ref at, end, "export trie child offset");
                if (child >= (ulong)image.TrieSize)
                    throw file.Error($"export trie child offset 0x{child:X} is past the trie end (size 0x{image.TrieSize:X})");
                pending.Push(((long)child, name.Count, childLabelAt, (int)length));
            }
        }
    }

    private static void ReadTerminal(BinaryView file, Image image, ExportListBuilder exports, ulong imageBase,
        List<byte> nameBytes, long at, long end)
    {
        ulong flags = file.Uleb128(ref at, end, "export trie flags");
        string name = SymbolName(nameBytes);
        exports.ChargeName(name.Length);
        if ((flags & ExportFlagReexport) != 0)
        {
            ulong ordinal = file.Uleb128(ref at, end, "re-export dylib ordinal");
            string importName = file.CString(at, end, "re-export import name");
            if (ordinal == 0 || ordinal > (ulong)image.Dylibs.Count)
                throw file.Error($"re-export of \"{name}\" names dylib ordinal {ordinal}, but only {image.Dylibs.Count} dylibs are loaded");
            string target = importName.Length == 0 ? name : StripUnderscore(importName);
            exports.Add(new ExportInfo(name, ForwardedTo: $"{image.Dylibs[(int)ordinal - 1]}.{target}"));
            return;
        }
        ulong address = file.Uleb128(ref at, end, "export address");
        if ((flags & ExportFlagStubAndResolver) != 0)
        {
            exports.Add(new ExportInfo(name));
            return;
        }
        if ((flags & ExportKindMask) != ExportKindRegular) return; // thread-local or absolute
        if (image.IsCodeAddress(unchecked(imageBase + address)))
            exports.Add(new ExportInfo(name));
    }

    private static void ReadSymbolTable(BinaryView file, Image image, ExportListBuilder exports)
    {
        long entrySize = image.Is64 ? 16 : 12;
        file.CheckArray(image.SymbolsOffset, image.SymbolCount, entrySize, "LC_SYMTAB symbol table");
        file.CheckRange(image.StringsOffset, image.StringsSize, "LC_SYMTAB string table");
        long stringsEnd = image.StringsOffset + image.StringsSize;
        for (long i = 0; i < image.SymbolCount; i++)
        {
            long entry = image.SymbolsOffset + i * entrySize;
            uint nameOffset = file.U32(entry);
            byte type = file.U8(entry + 4), section = file.U8(entry + 5);
            if ((type & NStab) != 0 || (type & NPext) != 0 || (type & NExt) == 0) continue;
            if ((type & NTypeMask) != NSect || section == 0) continue;
            if (section > image.Sections.Count)
                throw file.Error($"symbol {i} is in section {section}, but there are only {image.Sections.Count} sections");
            if (!image.Sections[section - 1].IsCode) continue;
            if (nameOffset >= image.StringsSize)
                throw file.Error($"symbol {i} name offset 0x{nameOffset:X} is past the end of the string table (size {image.StringsSize})");
            string name = StripUnderscore(file.CString(image.StringsOffset + nameOffset, stringsEnd, $"name of symbol {i}"));
            if (name.Length > 0) exports.Add(new ExportInfo(name));
        }
    }

    private static string SymbolName(List<byte> bytes) =>
        StripUnderscore(Encoding.UTF8.GetString(CollectionsMarshal.AsSpan(bytes)));

    private static string StripUnderscore(string name) => name.StartsWith('_') ? name[1..] : name;
}
