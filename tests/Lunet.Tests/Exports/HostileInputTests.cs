using System.Buffers.Binary;
using System.Diagnostics;
using Lunet.Ffi.Libraries.Exports;

namespace Lunet.Tests.Exports;

/// <summary>
/// Damaged and hostile files: every outcome must be a result or an ExportFormatException,
/// quickly and without large allocations.
/// </summary>
public class HostileInputTests
{
    private const int VariantsPerFile = 2000;
    private const long MaxBytesPerVariant = 64L << 20;

    public static TheoryData<string> SampleFiles => new() { "libz.so.1", "exports_test.so", "macho" };

    /// <summary>The PE sample needs the cross compiler: a test of its own, so it can be skipped.</summary>
    [MingwFact]
    public void MutatedPeFilesGiveAResultOrExportFormatException() => MutatedFilesGiveAResultOrExportFormatException("exports_test_pe.dll");

    [Theory]
    [MemberData(nameof(SampleFiles))]
    public void MutatedFilesGiveAResultOrExportFormatException(string sample)
    {
        byte[] original = LoadSample(sample);
        Assert.NotEmpty(ExportReader.Read(original)); // the unmodified file is readable

        var random = new Random(20240611 + sample.Length);
        var buffer = new byte[original.Length];
        var failures = new List<string>();
        int results = 0, rejections = 0;
        var clock = Stopwatch.StartNew();
        for (int variant = 0; variant < VariantsPerFile; variant++)
        {
            original.CopyTo(buffer, 0);
            int length = Mutate(buffer, random, out string description);

            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                ExportReader.Read(new ReadOnlyMemory<byte>(buffer, 0, length));
                results++;
            }
            catch (ExportFormatException e)
            {
                rejections++;
                if (string.IsNullOrWhiteSpace(e.Message)) failures.Add($"{description}: empty message");
            }
            catch (Exception e)
            {
                failures.Add($"{description}: {e.GetType().Name}: {e.Message}");
            }
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            if (allocated > MaxBytesPerVariant) failures.Add($"{description}: allocated {allocated} bytes");
        }
        Assert.True(failures.Count == 0, $"{failures.Count} bad outcomes, e.g.:\n{string.Join("\n", failures.Take(10))}");
        // Both outcomes must occur, or the mutations are not reaching the parser.
        Assert.True(results > 0 && rejections > 0, $"{results} results, {rejections} rejections");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"{VariantsPerFile} variants took {clock.Elapsed}");
    }

    /// <summary>Applies one random damage to buffer; returns the length to read.</summary>
    private static int Mutate(byte[] buffer, Random random, out string description)
    {
        int headerArea = Math.Min(buffer.Length, 4096);
        switch (random.Next(5))
        {
            case 0:
                int length = random.Next(buffer.Length);
                description = $"truncated to {length}";
                return length;
            case 1:
                int flips = random.Next(1, 9);
                for (int i = 0; i < flips; i++) buffer[random.Next(buffer.Length)] ^= (byte)random.Next(1, 256);
                description = $"{flips} random byte flips";
                return buffer.Length;
            case 2:
                // Headers and tables sit near the start: damage there reaches more code paths.
                int at = random.Next(headerArea);
                buffer[at] ^= (byte)random.Next(1, 256);
                description = $"header byte flip at 0x{at:X}";
                return buffer.Length;
            case 3:
                // A huge count, size or offset in a 32-bit field near the start.
                int field = random.Next(headerArea / 4) * 4;
                uint[] hostile = [0xFFFFFFFF, 0x7FFFFFFF, 0x80000000, (uint)buffer.Length, (uint)buffer.Length + 1, 0x10000];
                uint value = hostile[random.Next(hostile.Length)];
                BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(field), value);
                description = $"0x{value:X} written at 0x{field:X}";
                return buffer.Length;
            default:
                // Same, anywhere in the file (string tables, symbol tables, tries live further in).
                int anywhere = random.Next(buffer.Length / 4) * 4;
                BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(anywhere), (uint)random.Next());
                description = $"random 32-bit value at 0x{anywhere:X}";
                return buffer.Length;
        }
    }

    private static byte[] LoadSample(string sample) => sample switch
    {
        "exports_test.so" => File.ReadAllBytes(NativeTools.BuildElfTestLibrary()),
        "exports_test_pe.dll" => File.ReadAllBytes(NativeTools.BuildPeTestLibrary()),
        "macho" => MachOImages.BuildThin(
            [new("_foo", MachOExportKind.Function), new("_foobar", MachOExportKind.Function), new("_fob", MachOExportKind.Function),
             new("_data", MachOExportKind.Data), new("_reexported", MachOExportKind.Reexport)], MachOExportSource.ExportsTrie),
        _ => File.ReadAllBytes(NativeTools.SystemLibrary(sample)),
    };

    [Fact]
    public void ElfSectionHeaderTableOffsetPastTheEnd()
    {
        byte[] elf = ElfImages.Build(is64: true, bigEndian: false);
        BinaryPrimitives.WriteUInt64LittleEndian(elf.AsSpan(40), 0x7FFF_FFFF_0000);
        var error = Assert.Throws<ExportFormatException>(() => ExportReader.Read(elf));
        Assert.StartsWith("ELF: section header table at offset 0x7FFFFFFF0000", error.Message);
        Assert.Contains("runs past end of file", error.Message);
    }

    [Fact]
    public void ElfDynamicSymbolSectionWithAbsurdSize()
    {
        byte[] elf = ElfImages.Build(is64: true, bigEndian: false);
        long shoff = (long)BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan(40));
        // Section 2 is .dynsym; sh_size is at +32 in a 64-bit section header.
        BinaryPrimitives.WriteUInt64LittleEndian(elf.AsSpan((int)shoff + 2 * 64 + 32), 0x0000_1000_0000_0000);
        var error = Assert.Throws<ExportFormatException>(() => ExportReader.Read(elf));
        Assert.Contains("runs past end of file", error.Message);
    }

    [Fact]
    public void ElfHashTableWithAbsurdSymbolCount()
    {
        byte[] elf = ElfImages.WithoutSectionHeaders(ElfImages.Build(is64: false, bigEndian: true));
        // Find DT_HASH's target by its known contents: nbucket = 1 followed by nchain = 11 (big-endian).
        int hash = elf.AsSpan().IndexOf(new byte[] { 0, 0, 0, 1, 0, 0, 0, 11 });
        Assert.True(hash > 0);
        BinaryPrimitives.WriteUInt32BigEndian(elf.AsSpan(hash + 4), 0x7FFFFFFF);
        var error = Assert.Throws<ExportFormatException>(() => ExportReader.Read(elf));
        Assert.Contains("dynamic symbol table: count 2147483647 is impossible", error.Message);
    }

    [MingwFact]
    public void PeSignatureOffsetPastTheEnd()
    {
        byte[] dll = File.ReadAllBytes(NativeTools.BuildPeTestLibrary());
        BinaryPrimitives.WriteUInt32LittleEndian(dll.AsSpan(0x3C), 0x7FFFFFF0);
        var error = Assert.Throws<ExportFormatException>(() => ExportReader.Read(dll));
        Assert.Contains("no \"PE\\0\\0\" signature", error.Message);
    }

    [MingwFact]
    public void PeExportDirectoryWithAbsurdFunctionCount()
    {
        byte[] dll = File.ReadAllBytes(NativeTools.BuildPeTestLibrary());
        int directory = PeExportDirectoryFileOffset(dll);
        BinaryPrimitives.WriteUInt32LittleEndian(dll.AsSpan(directory + 20), 0x40000000); // NumberOfFunctions
        var error = Assert.Throws<ExportFormatException>(() => ExportReader.Read(dll));
        Assert.Contains("export address table: count 1073741824 is impossible", error.Message);
    }

    [Fact]
    public void MachOWithAbsurdLoadCommandCount()
    {
        byte[] macho = MachOImages.BuildThin([new("_foo", MachOExportKind.Function)], MachOExportSource.ExportsTrie);
        BinaryPrimitives.WriteUInt32LittleEndian(macho.AsSpan(16), 0xFFFFFFFF); // ncmds
        var error = Assert.Throws<ExportFormatException>(() => ExportReader.Read(macho));
        Assert.Contains("cannot fit in sizeofcmds", error.Message);
    }

    [Fact]
    public void FatSliceOffsetPastTheEnd()
    {
        byte[] slice = MachOImages.BuildThin([new("_foo", MachOExportKind.Function)], MachOExportSource.ExportsTrie);
        byte[] fat = MachOImages.BuildFat([(MachOImages.CpuTypeX86_64, slice), (MachOImages.CpuTypeArm64, slice)]);
        BinaryPrimitives.WriteUInt32BigEndian(fat.AsSpan(8 + 8), 0x7FFF0000);
        BinaryPrimitives.WriteUInt32BigEndian(fat.AsSpan(28 + 8), 0x7FFF0000);
        var error = Assert.Throws<ExportFormatException>(() => ExportReader.Read(fat));
        Assert.Contains("runs past end of file", error.Message);
    }

    [Theory]
    [InlineData(new byte[0], "too short")]
    [InlineData(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }, "unknown file format")]
    [InlineData(new byte[] { 0x7F, (byte)'E', (byte)'L', (byte)'F', 9, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, "unknown ELF class 9")]
    public void UnrecognisedFiles(byte[] file, string message)
    {
        var error = Assert.Throws<ExportFormatException>(() => ExportReader.Read(file));
        Assert.Contains(message, error.Message);
    }

    /// <summary>Locates the export directory in the test DLL (data directory 0 mapped through the section table).</summary>
    private static int PeExportDirectoryFileOffset(byte[] dll)
    {
        int pe = BinaryPrimitives.ReadInt32LittleEndian(dll.AsSpan(0x3C));
        int optional = pe + 24;
        int sectionCount = BinaryPrimitives.ReadUInt16LittleEndian(dll.AsSpan(pe + 6));
        int optionalSize = BinaryPrimitives.ReadUInt16LittleEndian(dll.AsSpan(pe + 20));
        uint rva = BinaryPrimitives.ReadUInt32LittleEndian(dll.AsSpan(optional + 112)); // PE32+ data directory 0
        for (int i = 0; i < sectionCount; i++)
        {
            int s = optional + optionalSize + i * 40;
            uint va = BinaryPrimitives.ReadUInt32LittleEndian(dll.AsSpan(s + 12));
            uint rawSize = BinaryPrimitives.ReadUInt32LittleEndian(dll.AsSpan(s + 16));
            uint raw = BinaryPrimitives.ReadUInt32LittleEndian(dll.AsSpan(s + 20));
            if (rva >= va && rva < va + rawSize) return (int)(raw + rva - va);
        }
        throw new InvalidOperationException("export directory not found in the test DLL");
    }
}
