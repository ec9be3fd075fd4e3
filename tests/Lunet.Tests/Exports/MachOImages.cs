using System.Text;

namespace Lunet.Tests.Exports;

internal enum MachOExportKind { Function, Data, StubAndResolver, ThreadLocal, Reexport }

internal enum MachOExportSource { ExportsTrie, DyldInfoOnly, SymbolTable }

/// <param name="Name">Symbol name as stored, with the leading underscore.</param>
/// <param name="ImportName">For a re-export: the name in the other dylib ("" = same name).</param>
internal sealed record MachOSymbol(string Name, MachOExportKind Kind, string ImportName = "");

/// <summary>
/// Mach-O images built byte by byte from Apple's format documentation (mach-o/loader.h,
/// mach-o/nlist.h, mach-o/fat.h layouts and the dyld export trie encoding), since there is no
/// Apple toolchain on this machine. A thin image has a __TEXT segment (__text code, __const
/// data), a __DATA segment (__data), one LC_LOAD_DYLIB, and its exports in one of three places.
/// </summary>
internal static class MachOImages
{
    public const uint CpuTypeX86_64 = 0x01000007, CpuTypeArm64 = 0x0100000C, CpuTypePowerPc = 18;
    public const string ReexportedDylib = "/usr/lib/libSystem.B.dylib";
    private const ulong ImageBase = 0x100000000;
    private const ulong TextOffset = 0x1000, ConstOffset = 0x2000, DataOffset = 0x4000;

    public static byte[] BuildThin(IReadOnlyList<MachOSymbol> symbols, MachOExportSource source,
        uint cpuType = CpuTypeX86_64, bool is64 = true, byte[]? trie = null)
    {
        var w = new TestByteWriter(bigEndian: false);
        int segmentSize = is64 ? 72 : 56, sectionSize = is64 ? 80 : 68;
        w.U32(is64 ? 0xFEEDFACF : 0xFEEDFACE);
        w.U32(cpuType); w.U32(3); w.U32(6); // cpusubtype ALL, MH_DYLIB
        int ncmdsAt = w.Position; w.U32(0); w.U32(0); w.U32(0);
        if (is64) w.U32(0);
        int commandsStart = w.Position, commandCount = 0;

        int textFileSizeAt = 0;
        void Segment(string name, ulong offset, ulong size, int protection, (string Name, ulong Offset, uint Flags)[] sections)
        {
            commandCount++;
            w.U32(is64 ? 0x19 : 0x1); w.U32(segmentSize + sections.Length * sectionSize);
            w.FixedString(name, 16);
            w.Word(ImageBase + offset, is64); w.Word(size, is64);
            w.Word(0, is64);
            if (name == "__TEXT") textFileSizeAt = w.Position;
            w.Word(0, is64);                              // filesize, patched for __TEXT
            w.U32(protection); w.U32(protection); w.U32(sections.Length); w.U32(0);
            foreach (var s in sections)
            {
                w.FixedString(s.Name, 16); w.FixedString(name, 16);
                w.Word(ImageBase + s.Offset, is64); w.Word(0x1000, is64);
                w.U32(0); w.U32(4); w.U32(0); w.U32(0); w.U32(s.Flags); w.U32(0); w.U32(0);
                if (is64) w.U32(0);
            }
        }
        Segment("__TEXT", 0, 0x4000, 5, [("__text", TextOffset, 0x80000400), ("__const", ConstOffset, 0)]);
        Segment("__DATA", DataOffset, 0x4000, 3, [("__data", DataOffset, 0)]);

        commandCount++;
        int dylibSize = (24 + Encoding.ASCII.GetByteCount(ReexportedDylib) + 1 + 7) & ~7;
        int dylibStart = w.Position;
        w.U32(0xC); w.U32(dylibSize); w.U32(24); w.U32(2); w.U32(0x10000); w.U32(0x10000);
        w.CString(ReexportedDylib);
        while (w.Position < dylibStart + dylibSize) w.U8(0);

        commandCount++;
        int exportCommand = w.Position;
        switch (source)
        {
            case MachOExportSource.ExportsTrie: w.U32(0x80000033); w.U32(16); w.U32(0); w.U32(0); break;
            case MachOExportSource.DyldInfoOnly: w.U32(0x80000022); w.U32(48); for (int i = 0; i < 10; i++) w.U32(0); break;
            case MachOExportSource.SymbolTable: w.U32(0x2); w.U32(24); for (int i = 0; i < 4; i++) w.U32(0); break;
        }
        w.PatchU32(ncmdsAt, commandCount);
        w.PatchU32(ncmdsAt + 4, w.Position - commandsStart);

        w.AlignTo(16);
        int dataStart = w.Position;
        if (source == MachOExportSource.SymbolTable)
        {
            var (symbolBytes, count, strings) = SymbolTable(symbols, is64);
            w.Bytes(symbolBytes);
            int stringsStart = w.Position;
            w.Bytes(strings);
            w.PatchU32(exportCommand + 8, dataStart); w.PatchU32(exportCommand + 12, count);
            w.PatchU32(exportCommand + 16, stringsStart); w.PatchU32(exportCommand + 20, strings.Length);
        }
        else
        {
            trie ??= BuildTrie(symbols);
            w.Bytes(trie);
            int fieldAt = source == MachOExportSource.ExportsTrie ? exportCommand + 8 : exportCommand + 40;
            w.PatchU32(fieldAt, dataStart); w.PatchU32(fieldAt + 4, trie.Length);
        }
        w.AlignTo(8);
        w.PatchWord(textFileSizeAt, (ulong)w.Position, is64);
        return w.ToArray();
    }

    /// <summary>A universal file (big-endian fat header) holding the given slices, 256-byte aligned.</summary>
    public static byte[] BuildFat(IReadOnlyList<(uint CpuType, byte[] Slice)> slices, bool fat64 = false)
    {
        var w = new TestByteWriter(bigEndian: true);
        w.U32(fat64 ? 0xCAFEBABF : 0xCAFEBABE); w.U32(slices.Count);
        int entrySize = fat64 ? 32 : 20;
        int offset = (8 + slices.Count * entrySize + 255) & ~255;
        var offsets = new List<int>();
        foreach (var (cpuType, slice) in slices)
        {
            offsets.Add(offset);
            w.U32(cpuType); w.U32(3);
            if (fat64) { w.U64((ulong)offset); w.U64((ulong)slice.Length); w.U32(8); w.U32(0); }
            else { w.U32(offset); w.U32(slice.Length); w.U32(8); }
            offset = (offset + slice.Length + 255) & ~255;
        }
        for (int i = 0; i < slices.Count; i++)
        {
            while (w.Position < offsets[i]) w.U8(0);
            w.Bytes(slices[i].Slice);
        }
        return w.ToArray();
    }

    /// <summary>
    /// Export trie: a radix tree over the symbol names. Each node is ULEB128 terminal size,
    /// terminal info (flags, then address / stub+resolver / dylib ordinal+name), child count,
    /// then per child a NUL-terminated edge label and the ULEB128 offset of the child node.
    /// Child offsets are written as 4-byte padded ULEB128 so node sizes do not depend on them.
    /// </summary>
    public static byte[] BuildTrie(IReadOnlyList<MachOSymbol> symbols)
    {
        var root = new TrieNode();
        for (int i = 0; i < symbols.Count; i++)
            root.Insert(symbols[i].Name, TerminalInfo(symbols[i], i));

        var order = new List<TrieNode>();
        root.CollectPreorder(order);
        int offset = 0;
        foreach (var node in order) { node.Offset = offset; offset += node.Serialize().Length; }
        var w = new TestByteWriter(bigEndian: false);
        foreach (var node in order) w.Bytes(node.Serialize());
        return w.ToArray();
    }

    private static byte[] TerminalInfo(MachOSymbol symbol, int index)
    {
        var w = new TestByteWriter(bigEndian: false);
        switch (symbol.Kind)
        {
            case MachOExportKind.Function: w.Uleb128(0); w.Uleb128(TextOffset + (ulong)index * 16); break;
            case MachOExportKind.Data: w.Uleb128(0); w.Uleb128(DataOffset + (ulong)index * 8); break;
            case MachOExportKind.ThreadLocal: w.Uleb128(1); w.Uleb128(DataOffset + (ulong)index * 8); break;
            case MachOExportKind.StubAndResolver:
                w.Uleb128(0x10); w.Uleb128(TextOffset + (ulong)index * 16); w.Uleb128(TextOffset + 0x800); break;
            case MachOExportKind.Reexport: w.Uleb128(0x08); w.Uleb128(1); w.CString(symbol.ImportName); break;
        }
        return w.ToArray();
    }

    private sealed class TrieNode
    {
        private readonly List<(string Label, TrieNode Child)> _edges = new();
        private byte[]? _terminal;
        public int Offset;

        public void Insert(string rest, byte[] terminal)
        {
            if (rest.Length == 0) { _terminal = terminal; return; }
            for (int i = 0; i < _edges.Count; i++)
            {
                var (label, child) = _edges[i];
                int common = 0;
                while (common < label.Length && common < rest.Length && label[common] == rest[common]) common++;
                if (common == 0) continue;
                if (common < label.Length)
                {
                    // Split the edge: label[..common] leads to a new node that keeps the old tail.
                    var middle = new TrieNode();
                    middle._edges.Add((label[common..], child));
                    _edges[i] = (label[..common], middle);
                    child = middle;
                }
                child.Insert(rest[common..], terminal);
                return;
            }
            var leaf = new TrieNode();
            _edges.Add((rest, leaf));
            leaf.Insert("", terminal);
        }

        public void CollectPreorder(List<TrieNode> order)
        {
            order.Add(this);
            foreach (var (_, child) in _edges) child.CollectPreorder(order);
        }

        public byte[] Serialize()
        {
            var w = new TestByteWriter(bigEndian: false);
            w.Uleb128((ulong)(_terminal?.Length ?? 0));
            if (_terminal != null) w.Bytes(_terminal);
            w.U8(_edges.Count);
            foreach (var (label, child) in _edges) { w.CString(label); w.PaddedUleb128((ulong)child.Offset, 4); }
            return w.ToArray();
        }
    }

    /// <summary>nlist entries for Function and Data symbols, plus a local function and an import that must be ignored.</summary>
    private static (byte[] Symbols, int Count, byte[] Strings) SymbolTable(IReadOnlyList<MachOSymbol> symbols, bool is64)
    {
        var strings = new TestByteWriter(bigEndian: false);
        strings.U8(0);
        var table = new TestByteWriter(bigEndian: false);
        int count = 0;
        void Add(string name, int type, int section, ulong address)
        {
            table.U32(strings.Position); strings.CString(name);
            table.U8(type); table.U8(section); table.U16(0); table.Word(ImageBase + address, is64);
            count++;
        }
        for (int i = 0; i < symbols.Count; i++)
        {
            var s = symbols[i];
            if (s.Kind == MachOExportKind.Function) Add(s.Name, 0x0F, 1, TextOffset + (ulong)i * 16);    // N_SECT|N_EXT in __text
            else if (s.Kind == MachOExportKind.Data) Add(s.Name, 0x0F, 3, DataOffset + (ulong)i * 8);   // in __data
            else throw new ArgumentException($"{s.Kind} cannot be expressed in LC_SYMTAB");
        }
        Add("_local_function", 0x0E, 1, TextOffset);   // N_SECT without N_EXT
        Add("_private_extern", 0x1E, 1, TextOffset);   // N_PEXT
        Add("_imported", 0x01, 0, 0);                  // N_UNDF|N_EXT
        return (table.ToArray(), count, strings.ToArray());
    }
}
