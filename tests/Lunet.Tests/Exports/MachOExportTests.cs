using Lunet.Ffi.Libraries.Exports;

namespace Lunet.Tests.Exports;

/// <summary>
/// Mach-O: there is no Apple toolchain here, so every image is built byte by byte by
/// <see cref="MachOImages"/> from the documented layouts.
/// </summary>
public class MachOExportTests
{
    private static readonly MachOSymbol[] MixedSymbols =
    [
        new("_foo", MachOExportKind.Function),
        new("_foobar", MachOExportKind.Function),
        new("_fob", MachOExportKind.Function),
        new("_counter", MachOExportKind.Data),
        new("_tls_value", MachOExportKind.ThreadLocal),
        new("_resolved", MachOExportKind.StubAndResolver),
        new("_my_write", MachOExportKind.Reexport, ImportName: "_write"),
        new("__double_underscore", MachOExportKind.Function),
    ];

    private static readonly string[] ExpectedFromTrie = ["_double_underscore", "fob", "foo", "foobar", "my_write", "resolved"];

    [Fact]
    public void ExportsTrieWithSharedPrefixes()
    {
        var exports = ExportReader.Read(MachOImages.BuildThin(MixedSymbols, MachOExportSource.ExportsTrie));
        Assert.Equal(ExpectedFromTrie, exports.Select(e => e.Name));
        Assert.Equal($"{MachOImages.ReexportedDylib}.write", exports.Single(e => e.Name == "my_write").ForwardedTo);
        Assert.All(exports.Where(e => e.Name != "my_write"), e => Assert.Null(e.ForwardedTo));
    }

    [Fact]
    public void DyldInfoOnlyExportTrie()
    {
        var exports = ExportReader.Read(MachOImages.BuildThin(MixedSymbols, MachOExportSource.DyldInfoOnly));
        Assert.Equal(ExpectedFromTrie, exports.Select(e => e.Name));
    }

    [Fact]
    public void ThirtyTwoBitImage()
    {
        var exports = ExportReader.Read(MachOImages.BuildThin(MixedSymbols, MachOExportSource.ExportsTrie, is64: false));
        Assert.Equal(ExpectedFromTrie, exports.Select(e => e.Name));
    }

    [Fact]
    public void SymbolTableFallbackWhenThereIsNoTrie()
    {
        MachOSymbol[] symbols =
        [
            new("_alpha", MachOExportKind.Function),
            new("_beta", MachOExportKind.Function),
            new("_gamma_data", MachOExportKind.Data),
        ];
        var exports = ExportReader.Read(MachOImages.BuildThin(symbols, MachOExportSource.SymbolTable));
        Assert.Equal(["alpha", "beta"], exports.Select(e => e.Name));
        var symbols32 = ExportReader.Read(MachOImages.BuildThin(symbols, MachOExportSource.SymbolTable, is64: false));
        Assert.Equal(["alpha", "beta"], symbols32.Select(e => e.Name));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void FatFilePicksTheSliceForThisProcess(bool fat64)
    {
        byte[] intel = MachOImages.BuildThin([new("_only_on_x86_64", MachOExportKind.Function)], MachOExportSource.ExportsTrie);
        byte[] arm = MachOImages.BuildThin([new("_only_on_arm64", MachOExportKind.Function)], MachOExportSource.ExportsTrie,
            MachOImages.CpuTypeArm64);
        byte[] fat = MachOImages.BuildFat([(MachOImages.CpuTypeX86_64, intel), (MachOImages.CpuTypeArm64, arm)], fat64);

        string expected = System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture
            == System.Runtime.InteropServices.Architecture.Arm64 ? "only_on_arm64" : "only_on_x86_64";
        Assert.Equal([expected], ExportReader.Read(fat).Select(e => e.Name));
    }

    [Fact]
    public void FatFileWithoutAMatchingSliceUsesTheFirst()
    {
        byte[] first = MachOImages.BuildThin([new("_first", MachOExportKind.Function)], MachOExportSource.ExportsTrie, MachOImages.CpuTypePowerPc);
        byte[] second = MachOImages.BuildThin([new("_second", MachOExportKind.Function)], MachOExportSource.ExportsTrie, MachOImages.CpuTypePowerPc + 1);
        byte[] fat = MachOImages.BuildFat([(MachOImages.CpuTypePowerPc, first), (MachOImages.CpuTypePowerPc + 1, second)]);
        Assert.Equal(["first"], ExportReader.Read(fat).Select(e => e.Name));
    }

    [Fact]
    public void TrieWithALoopIsRejected()
    {
        // Root: no terminal, one child "_a" whose offset points back at the root.
        byte[] loop = [0x00, 0x01, (byte)'_', (byte)'a', 0x00, 0x00];
        var image = MachOImages.BuildThin([], MachOExportSource.ExportsTrie, trie: loop);
        var error = Assert.Throws<ExportFormatException>(() => ExportReader.Read(image));
        Assert.Contains("reached twice", error.Message);
    }

    [Fact]
    public void TrieChildOffsetPastTheEndIsRejected()
    {
        byte[] trie = [0x00, 0x01, (byte)'_', (byte)'a', 0x00, 0x7F];
        var image = MachOImages.BuildThin([], MachOExportSource.ExportsTrie, trie: trie);
        var error = Assert.Throws<ExportFormatException>(() => ExportReader.Read(image));
        Assert.Contains("past the trie end", error.Message);
    }

    [Fact]
    public void TrieWithAnUnterminatedUlebIsRejected()
    {
        byte[] trie = [0x80, 0x80, 0x80];
        var image = MachOImages.BuildThin([], MachOExportSource.ExportsTrie, trie: trie);
        var error = Assert.Throws<ExportFormatException>(() => ExportReader.Read(image));
        Assert.Contains("ULEB128", error.Message);
    }
}
