using System.Text.Json;
using Lunet.Tests.Support;

namespace Lunet.Tests.Cli;

/// <summary>
/// <c>lunet exports</c>. ExportsCommand.cs is compiled in only when the export reader
/// (Lunet.Ffi.Libraries.Exports.ExportReader) is in the tree; without it the subcommand
/// must say it is not available. These tests check whichever build this is.
/// </summary>
public class ExportsCommandTests
{
    static bool ReaderPresent =>
        typeof(LuaRuntime).Assembly.GetType("Lunet.Ffi.Libraries.Exports.ExportReader") != null;

    [Fact]
    public void ListsTheTestLibraryOrSaysItIsUnavailable()
    {
        var r = CliRunner.Run("exports", Lua.TestLib);
        if (!ReaderPresent)
        {
            Assert.Equal(1, r.ExitCode);
            Assert.Contains("not available", r.Stderr);
            return;
        }
        Assert.True(r.ExitCode == 0, r.ToString());
        var names = r.Stdout.TrimEnd('\n').Split('\n');
        Assert.Contains("add", names);
        Assert.Contains("id_str", names);
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
    }

    [Fact]
    public void JsonIsAnArrayOfNamedEntries()
    {
        if (!ReaderPresent) return; // covered by the test above
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
}
