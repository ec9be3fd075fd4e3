using System.Text.Json;
using Lunet.Tests.Support;

namespace Lunet.Tests.Cli;

/// <summary><c>lunet exports LIB [--json]</c>: the names nm -D lists, sorted, or JSON entries.</summary>
public class ExportsCommandTests
{
    [Fact]
    public void ListsTheTestLibrarySortedAsNmDoes()
    {
        var r = CliRunner.Run("exports", Lua.TestLib);
        Assert.True(r.ExitCode == 0, r.ToString());
        var names = r.Stdout.TrimEnd('\n').Split('\n');
        Assert.Equal(Exports.ElfExportTests.NmDefinedFunctions(Lua.TestLib), names.ToList());
        Assert.Contains("add", names);
        Assert.Contains("id_str", names);
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
    }

    [Fact]
    public void JsonIsAnArrayOfNamedEntries()
    {
        var r = CliRunner.Run("exports", Lua.TestLib, "--json");
        Assert.True(r.ExitCode == 0, r.ToString());
        using var doc = JsonDocument.Parse(r.Stdout);
        var entries = doc.RootElement.EnumerateArray().ToList();
        Assert.Contains(entries, e => e.GetProperty("name").GetString() == "add");
        if (OperatingSystem.IsLinux()) // ELF has no ordinals or forwarders: absent fields are left out, not null
            Assert.All(entries, e =>
            {
                Assert.False(e.TryGetProperty("ordinal", out _));
                Assert.False(e.TryGetProperty("forwardedTo", out _));
            });
    }

    [Fact]
    public void MissingLibraryIsAnError()
    {
        var r = CliRunner.Run("exports", "no-such-library-" + Guid.NewGuid().ToString("N"));
        Assert.Equal(1, r.ExitCode);
        Assert.StartsWith("lunet: ", r.Stderr);
    }

    [Exports.MingwFact]
    public void FilesOfOtherPlatformsAreReadWithoutLoading()
    {
        var dll = Exports.NativeTools.BuildPeTestLibrary();
        var r = CliRunner.Run("exports", dll, "--json");
        Assert.True(r.ExitCode == 0, r.ToString());
        using var doc = JsonDocument.Parse(r.Stdout);
        var entries = doc.RootElement.EnumerateArray().ToList();
        Assert.Contains(entries, e => e.TryGetProperty("ordinal", out _));
        Assert.Contains(entries, e => e.TryGetProperty("forwardedTo", out var f) && f.GetString()!.Contains("Sleep"));
        var broken = Path.Combine(Path.GetTempPath(), $"lunet-broken-{Guid.NewGuid():N}.so");
        File.WriteAllBytes(broken, [0x7f, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1]);
        var b = CliRunner.Run("exports", broken);
        File.Delete(broken);
        Assert.Equal(1, b.ExitCode);
        Assert.StartsWith("lunet: ", b.Stderr);
    }

    [Fact]
    public void BareNamesResolveLikeFfiOpen()
    {
        var r = CliRunner.Run("exports", "z");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("crc32", r.Stdout.Split('\n'));
    }
}
