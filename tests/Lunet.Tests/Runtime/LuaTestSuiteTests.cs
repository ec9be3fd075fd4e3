using Lunet.Tests.Cli;
using Lunet.Tests.Support;

namespace Lunet.Tests.Runtime;

/// <summary>
/// Lua 5.4's own test suite (vendored in tests/lua-tests, see its README) run through the
/// lunet command as Lua's user tests: every file must pass and the process exit 0. Before the
/// runtime had its own message handler, the suite passed and then the process aborted at
/// exit (all.lua sets debug = nil).
/// </summary>
public class LuaTestSuiteTests
{
    [Fact]
    public void PassesAndExitsCleanly()
    {
        var dir = Path.Combine(NativeBuild.RepoRoot, "tests", "lua-tests");
        // The suite takes about a second here; the timeout leaves room for a loaded CI machine.
        var r = CliRunner.Exec(CliRunner.DotnetHost, [CliRunner.CliDll, "-e", "_U=true", "all.lua"],
            workingDirectory: dir, timeoutMs: 300_000);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("final OK !!!", r.Stdout);
        Assert.DoesNotContain("PANIC", r.Stdout + r.Stderr);
    }
}
