namespace Lunet.Tests.Cli;

/// <summary>
/// Debian's lua5.4, where it is installed, to compare the lunet command with: the same
/// arguments and environment, its output with "lua5.4:" read as "lunet:" and the last
/// traceback line of lua.c's own C frame ("[C]: in ?", which lunet has no frame for)
/// left out. Where lua5.4 is absent, tests compare with the expectation they record.
/// </summary>
public static class LuaReference
{
    public static string? Lua { get; } = new[] { "/usr/bin/lua5.4", "/usr/local/bin/lua5.4" }.FirstOrDefault(File.Exists);

    /// <summary>lua5.4's result made comparable with lunet's, or <paramref name="recorded"/> when lua5.4 is absent.</summary>
    public static CliResult Expected(CliResult recorded, IEnumerable<string> args, string? directory = null,
        IDictionary<string, string>? env = null, string? stdin = null)
    {
        if (Lua == null) return recorded;
        var r = CliRunner.Exec(Lua, args, stdin, directory, env);
        return new CliResult(r.ExitCode, r.Stdout, Comparable(r.Stderr));
    }

    /// <summary>Runs lunet and lua5.4 (or the recording) alike and asserts the same exit code, stdout and stderr.</summary>
    public static void AssertSame(CliResult recorded, string[] args, string? directory = null,
        IDictionary<string, string>? env = null, string? stdin = null)
    {
        var expected = Expected(recorded, args, directory, env, stdin);
        var actual = CliRunner.Exec(CliRunner.DotnetHost, [CliRunner.CliDll, .. args], stdin, directory, env);
        Assert.Equal(expected.ToString(), actual.ToString());
    }

    static string Comparable(string stderr) =>
        stderr.Replace(Lua + ": ", "lunet: ").Replace("\n\t[C]: in ?\n", "\n");
}
