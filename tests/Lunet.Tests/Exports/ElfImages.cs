namespace Lunet.Tests.Exports;

/// <summary>
/// ELF images for tests. <see cref="Build"/> writes a minimal shared object byte by byte, by
/// hand from the ELF specification (System V gABI), because there is no cross toolchain here
/// for 32-bit or big-endian targets. It has section headers (.text, .dynsym, .dynstr,
/// .hash, .dynamic, .shstrtab) and program headers (one PT_LOAD, one PT_DYNAMIC with DT_HASH).
/// </summary>
internal static class ElfImages
{
    private const ulong LoadAddress = 0x400000;

    private readonly record struct Symbol(string Name, int Type, int Binding, int Visibility, bool Defined);

    /// <summary>Symbols in the built image; the reader must list exactly the four documented ones.</summary>
    private static readonly Symbol[] Symbols =
    [
        new("global_func", Type: 2, Binding: 1, Visibility: 0, Defined: true),
        new("weak_func", 2, 2, 0, true),
        new("protected_func", 2, 1, 3, true),
        new("ifunc_func", 10, 1, 0, true),
        new("global_func", 2, 1, 0, true),     // a second version of the same name: listed once
        new("hidden_func", 2, 1, 2, true),     // STV_HIDDEN
        new("data_object", 1, 1, 0, true),     // STT_OBJECT
        new("imported_func", 2, 1, 0, false),  // SHN_UNDEF
        new("local_func", 2, 0, 0, true),      // STB_LOCAL
        new("unique_func", 2, 10, 0, true),    // STB_GNU_UNIQUE is not GLOBAL/WEAK
    ];

    /// <summary>A byte copy with e_shoff, e_shnum and e_shstrndx zeroed, as section-stripping tools leave it.</summary>
    public static byte[] WithoutSectionHeaders(byte[] elf)
    {
        var copy = (byte[])elf.Clone();
        bool is64 = copy[4] == 2;
        Array.Clear(copy, is64 ? 40 : 32, is64 ? 8 : 4);  // e_shoff
        Array.Clear(copy, is64 ? 60 : 48, 4);             // e_shnum, e_shstrndx
        return copy;
    }

    public static byte[] Build(bool is64, bool bigEndian)
    {
        var w = new TestByteWriter(bigEndian);
        int headerSize = is64 ? 64 : 52, phSize = is64 ? 56 : 32, shSize = is64 ? 64 : 40, symSize = is64 ? 24 : 16;
        int wordSize = is64 ? 8 : 4;

        // ELF header; offsets patched at the end.
        w.Bytes([0x7F, (byte)'E', (byte)'L', (byte)'F', (byte)(is64 ? 2 : 1), (byte)(bigEndian ? 2 : 1), 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        w.U16(3);                       // ET_DYN
        w.U16(is64 ? 21 : 20);          // EM_PPC64 / EM_PPC, both used big-endian
        w.U32(1);                       // EV_CURRENT
        w.Word(0, is64);                // e_entry
        int phoffAt = w.Position; w.Word(0, is64);
        int shoffAt = w.Position; w.Word(0, is64);
        w.U32(0);                       // e_flags
        w.U16(headerSize); w.U16(phSize); w.U16(2); w.U16(shSize);
        int shnumAt = w.Position; w.U16(0); w.U16(0);

        int phoff = w.Position;
        w.PatchWord(phoffAt, (ulong)phoff, is64);
        for (int i = 0; i < 2 * phSize; i++) w.U8(0); // program headers, filled in below

        w.AlignTo(16);
        int text = w.Position;
        for (int i = 0; i < 16; i++) w.U8(0xCC);

        // .dynstr
        int dynstr = w.Position;
        var nameOffsets = new Dictionary<string, int>();
        w.U8(0);
        foreach (var s in Symbols)
        {
            if (nameOffsets.ContainsKey(s.Name)) continue;
            nameOffsets[s.Name] = w.Position - dynstr;
            w.CString(s.Name);
        }
        int dynstrSize = w.Position - dynstr;

        // .dynsym: the reserved null symbol, then ours. Defined ones live in section 1 (.text).
        w.AlignTo(8);
        int dynsym = w.Position;
        for (int i = 0; i < symSize; i++) w.U8(0);
        foreach (var s in Symbols)
        {
            int info = (s.Binding << 4) | s.Type;
            int shndx = s.Defined ? 1 : 0;
            ulong value = s.Defined ? LoadAddress + (ulong)text : 0;
            w.U32(nameOffsets[s.Name]);
            if (is64) { w.U8(info); w.U8(s.Visibility); w.U16(shndx); w.U64(value); w.U64(4); }
            else { w.U32((long)value); w.U32(4); w.U8(info); w.U8(s.Visibility); w.U16(shndx); }
        }
        int symbolCount = Symbols.Length + 1;
        int dynsymSize = w.Position - dynsym;

        // .hash: nbucket = 1, nchain = symbol count; the reader only needs nchain.
        w.AlignTo(8);
        int hash = w.Position;
        w.U32(1); w.U32(symbolCount); w.U32(0);
        for (int i = 0; i < symbolCount; i++) w.U32(0);

        // .dynamic
        w.AlignTo(8);
        int dynamic = w.Position;
        void Dyn(long tag, ulong value) { w.Word((ulong)tag, is64); w.Word(value, is64); }
        Dyn(4, LoadAddress + (ulong)hash);
        Dyn(5, LoadAddress + (ulong)dynstr);
        Dyn(6, LoadAddress + (ulong)dynsym);
        Dyn(10, (ulong)dynstrSize);
        Dyn(11, (ulong)symSize);
        Dyn(0, 0);
        int dynamicSize = w.Position - dynamic;

        int shstrtab = w.Position;
        string[] sectionNames = ["", ".text", ".dynsym", ".dynstr", ".hash", ".dynamic", ".shstrtab"];
        var sectionNameOffsets = new List<int>();
        foreach (var n in sectionNames) { sectionNameOffsets.Add(w.Position - shstrtab); w.CString(n); }
        int shstrtabSize = w.Position - shstrtab;

        w.AlignTo(8);
        int shoff = w.Position;
        void Section(int index, int type, int offset, int size, int link, int entsize)
        {
            bool isNull = index == 0;
            w.U32(sectionNameOffsets[index]); w.U32(type);
            w.Word(isNull ? 0UL : 2UL, is64);                                  // SHF_ALLOC
            w.Word(isNull ? 0 : LoadAddress + (ulong)offset, is64);
            w.Word((ulong)offset, is64); w.Word((ulong)size, is64);
            w.U32(link); w.U32(type == 11 ? 1 : 0);
            w.Word(isNull ? 0UL : (ulong)wordSize, is64); w.Word((ulong)entsize, is64);
        }
        Section(0, 0, 0, 0, 0, 0);
        Section(1, 1, text, 16, 0, 0);                          // SHT_PROGBITS
        Section(2, 11, dynsym, dynsymSize, 3, symSize);         // SHT_DYNSYM, linked to .dynstr
        Section(3, 3, dynstr, dynstrSize, 0, 0);                // SHT_STRTAB
        Section(4, 5, hash, 4 * (2 + 1 + symbolCount), 2, 4);   // SHT_HASH
        Section(5, 6, dynamic, dynamicSize, 3, 2 * wordSize);   // SHT_DYNAMIC
        Section(6, 3, shstrtab, shstrtabSize, 0, 0);

        w.PatchWord(shoffAt, (ulong)shoff, is64);
        w.PatchU16(shnumAt, sectionNames.Length);
        w.PatchU16(shnumAt + 2, sectionNames.Length - 1);

        // Program headers: PT_LOAD mapping the whole file at LoadAddress, and PT_DYNAMIC.
        int fileSize = w.Position;
        var ph = new TestByteWriter(bigEndian);
        void Program(int type, int offset, int size, int flags)
        {
            ph.U32(type);
            if (is64) ph.U32(flags);
            ph.Word((ulong)offset, is64); ph.Word(LoadAddress + (ulong)offset, is64); ph.Word(LoadAddress + (ulong)offset, is64);
            ph.Word((ulong)size, is64); ph.Word((ulong)size, is64);
            if (!is64) ph.U32(flags);
            ph.Word(type == 1 ? 0x1000UL : (ulong)wordSize, is64);
        }
        Program(1, 0, fileSize, 5);
        Program(2, dynamic, dynamicSize, 6);
        var bytes = w.ToArray();
        ph.ToArray().CopyTo(bytes, phoff);
        return bytes;
    }
}
