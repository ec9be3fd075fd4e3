using Lunet.Tests.Cli;
using Lunet.Tests.Support;

namespace Lunet.Tests.Hostile;

/// <summary>
/// The hostile-script corpus: every tests/Lunet.Tests/Hostile/*.lua runs through the lunet
/// command in a process of its own, because what it guards against is the process dying
/// (a signal, a Lua PANIC, a hang). Each file says what it expects in header comments:
/// <code>
/// -- args: --no-ffi            options given to lunet before the script (optional)
/// -- exit: 1                   the exit code (0 when absent)
/// -- expect: some text         stdout or stderr must contain it (any number of lines)
/// </code>
/// Whatever a case expects, no output may show a PANIC, a .NET exception's text
/// ("internal error", "Exception", the runtime's message for an unexpected failure) or a runtime abort, and the run must end within 60 s.
/// The test library reaches the script as LUNET_TESTLIB, as for the script tests, and the C++
/// one (tests/native/cxx_exceptions.cpp) as LUNET_CXXLIB, the callback one (tests/native/callback_test.c,
/// which has C threads) as LUNET_CBLIB.
/// </summary>
public class HostileScriptTests
{
    public static string CorpusDir => Path.Combine(NativeBuild.RepoRoot, "tests", "Lunet.Tests", "Hostile");

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var path in Directory.GetFiles(CorpusDir, "*.lua").Order(StringComparer.Ordinal))
            data.Add(Path.GetFileName(path));
        return data;
    }

    sealed record Header(string[] Args, int Exit, List<string> Expect);

    static Header ReadHeader(string path)
    {
        string[] args = [];
        int exit = 0;
        var expect = new List<string>();
        foreach (var line in File.ReadLines(path))
        {
            if (!line.StartsWith("--", StringComparison.Ordinal)) break;
            var text = line[2..].Trim();
            if (text.StartsWith("args:", StringComparison.Ordinal))
                args = text[5..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            else if (text.StartsWith("exit:", StringComparison.Ordinal))
                exit = int.Parse(text[5..].Trim());
            else if (text.StartsWith("expect:", StringComparison.Ordinal))
                expect.Add(text[7..].Trim());
        }
        return new Header(args, exit, expect);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void RunsWithoutCrashing(string file) => Run(CliRunner.DotnetHost, [CliRunner.CliDll], file);

    /// <summary>Runs the case <paramref name="file"/> with the command <paramref name="exe"/> <paramref name="prefix"/>... and checks it.</summary>
    public static void Run(string exe, string[] prefix, string file)
    {
        var path = Path.Combine(CorpusDir, file);
        var h = ReadHeader(path);
        var r = CliRunner.Exec(exe, [.. prefix, .. h.Args, path],
            workingDirectory: CorpusDir,
            env: new Dictionary<string, string> { ["LUNET_TESTLIB"] = Lua.TestLib, ["LUNET_CXXLIB"] = Ffi.CxxExceptionTests.CxxLib, ["LUNET_CBLIB"] = Callbacks.CallbackLib.Path });
        var all = r.Stdout + r.Stderr;
        Assert.False(all.Contains("PANIC", StringComparison.Ordinal), r.ToString());
        Assert.False(all.Contains("internal error", StringComparison.Ordinal), r.ToString());
        Assert.False(all.Contains(Lunet.Interop.CFunction.UnexpectedFailure, StringComparison.Ordinal), r.ToString());
        Assert.False(all.Contains("Exception", StringComparison.Ordinal), r.ToString());
        Assert.True(r.ExitCode == h.Exit, $"expected exit {h.Exit}\n{r}");
        foreach (var e in h.Expect) Assert.True(all.Contains(e, StringComparison.Ordinal), $"expected '{e}'\n{r}");
    }
}
