using Lunet.Tests.Support;

namespace Lunet.Tests.Cli;

/// <summary>The lunet command end to end, as a child process: lua's conventions plus the ffi options.</summary>
public class CliTests
{
    static CliResult RunIn(string dir, params string[] args) => CliRunner.RunIn(dir, null, args);

    [Fact]
    public void ScriptGetsArgTableAndVarargs()
    {
        var dir = CliRunner.TempDir(("s.lua", """
            print(#arg, arg[-3], arg[-2], arg[-1], arg[0], arg[1], arg[2], arg[-4])
            print(select('#', ...), ...)
            """));
        var r = RunIn(dir, "-W", "--no-ffi", "s.lua", "a", "b c");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("2\tlunet\t-W\t--no-ffi\ts.lua\ta\tb c\tnil\n2\ta\tb c\n", r.Stdout);
    }

    [Fact]
    public void ScriptWithoutOptionsHasProgramAtMinusOne()
    {
        var dir = CliRunner.TempDir(("s.lua", "print(arg[-1], arg[0], arg[1], ...)"));
        var r = RunIn(dir, "s.lua", "x");
        Assert.Equal("lunet\ts.lua\tx\tx\n", r.Stdout);
    }

    [Fact]
    public void ExecuteStringsRunInOrderAndBeforeTheScript()
    {
        var r = CliRunner.Run("-e", "x = 20", "-e", "print(x + 1)");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("21\n", r.Stdout);

        var dir = CliRunner.TempDir(("s.lua", "print('script sees', y, arg[-2], arg[-1])"));
        r = RunIn(dir, "-e", "y = 5", "s.lua");
        Assert.Equal("script sees\t5\t-e\ty = 5\n", r.Stdout);
    }

    [Fact]
    public void DashRunsTheScriptFromStdin()
    {
        var r = CliRunner.RunWithInput("#!/usr/bin/env lunet\nprint('from stdin', arg[0], ...)\n", "-", "q", "r");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("from stdin\t-\tq\tr\n", r.Stdout);
    }

    [Fact]
    public void ReplPrintsValuesKeepsGoingAfterErrorsAndContinuesIncompleteInput()
    {
        var input = """
            1 + 1
            x = 5
            x * 2
            error('oops')
            print('after')
            for i = 1, 2 do
              print('i', i)
            end
            1, nil, 'three'
            {}
            local function f()
              return 'multi'
            end print(f())

            """;
        var r = CliRunner.RunWithInput(input);
        Assert.True(r.ExitCode == 0, r.ToString());
        var lines = r.Stdout.Split('\n');
        Assert.Equal(["2", "10", "after", "i\t1", "i\t2", "1\tnil\tthree"], lines[..6]);
        Assert.StartsWith("table: 0x", lines[6]);
        Assert.Equal("multi", lines[7]);
        Assert.Contains("lunet: stdin:1: oops", r.Stderr);
        Assert.Contains("stack traceback:", r.Stderr);
    }

    [Fact]
    public void ReplReportsSyntaxErrorsAndUnfinishedInput()
    {
        var r = CliRunner.RunWithInput("x = = 1\nprint('still here')\nif true then\n");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("still here\n", r.Stdout);
        Assert.Contains("stdin:1:", r.Stderr);
        Assert.Contains("<eof>", r.Stderr);
    }

    [Fact]
    public void InteractiveFlagEntersTheReplAfterTheScript()
    {
        var dir = CliRunner.TempDir(("s.lua", "v = 7"));
        var r = CliRunner.Exec(CliRunner.DotnetHost,
            [CliRunner.CliDll, "-i", "s.lua"], stdin: "v * 6\n", workingDirectory: dir);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("42\n", r.Stdout);
    }

    [Fact]
    public void UncaughtErrorPrintsMessageAndTracebackAndExitsOne()
    {
        var dir = CliRunner.TempDir(("s.lua", "print('before')\nlocal function f()\n  error('boom')\nend\nf()\n"));
        var r = RunIn(dir, "s.lua");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("before\n", r.Stdout);
        Assert.StartsWith("lunet: s.lua:3: boom\nstack traceback:\n", r.Stderr);
        Assert.Contains("s.lua:5: in main chunk", r.Stderr);
    }

    [Fact]
    public void SyntaxErrorExitsOneWithTheMessage()
    {
        var dir = CliRunner.TempDir(("s.lua", "print('never')\nx = = 1\n"));
        var r = RunIn(dir, "s.lua");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("", r.Stdout);
        Assert.StartsWith("lunet: s.lua:2: unexpected symbol near '='", r.Stderr);
    }

    [Fact]
    public void MissingScriptExitsOne()
    {
        var r = CliRunner.Run(Path.Combine(Path.GetTempPath(), "no-such-script-" + Guid.NewGuid() + ".lua"));
        Assert.Equal(1, r.ExitCode);
        Assert.StartsWith("lunet: cannot open ", r.Stderr);
    }

    [Fact]
    public void OsExitSetsTheExitCodeAndKeepsBufferedOutput()
    {
        var r = CliRunner.Run("-e", "io.write('partial') print(' line') io.write('tail') os.exit(3)");
        Assert.Equal(3, r.ExitCode);
        Assert.Equal("partial line\ntail", r.Stdout);
        Assert.Equal(0, CliRunner.Run("-e", "os.exit(true)").ExitCode);
        Assert.Equal(1, CliRunner.Run("-e", "os.exit(false)").ExitCode);
    }

    [Fact]
    public void FfiIsThereByDefaultAndGoneWithNoFfi()
    {
        var r = CliRunner.Run("-e", "print(type(require('ffi').open))");
        Assert.Equal("function\n", r.Stdout);

        r = CliRunner.Run("--no-ffi", "-e", "print(pcall(require, 'ffi'))");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.StartsWith("false\tmodule 'ffi' not found", r.Stdout);
    }

    [Fact]
    public void AllowLibAllowsExactlyThatLibrary()
    {
        var allowed = NativeBuild.SharedLibrary("testlib.c");
        var other = Path.Combine(CliRunner.TempDir(), "libother.so");
        File.Copy(allowed, other);
        var dir = CliRunner.TempDir(("s.lua", """
            local ffi = require("ffi")
            local lib = ffi.open(arg[1])
            print(lib:call("add", "i32", {"i32", "i32"}, 40, 2))
            local ok, err = pcall(ffi.open, arg[2])
            print(ok, err)
            print(pcall(function() return ffi.C end))
            """));
        var r = RunIn(dir, "--allow-lib", allowed, "s.lua", allowed, other);
        Assert.True(r.ExitCode == 0, r.ToString());
        var lines = r.Stdout.Split('\n');
        Assert.Equal("42", lines[0]);
        Assert.StartsWith("false\t", lines[1]);
        Assert.Contains("not allowed", lines[1]);
        Assert.StartsWith("false\t", lines[2]);
    }

    [Fact]
    public void VersionAndHelp()
    {
        var r = CliRunner.Run("-v");
        Assert.Equal(0, r.ExitCode);
        Assert.Matches(@"^Lunet \S+ \(Lua 5\.4\.\d+\)\n$", r.Stdout); // the exact text: DropInLuaTests

        foreach (var flag in new[] { "-h", "--help" })
        {
            r = CliRunner.Run(flag);
            Assert.Equal(0, r.ExitCode);
            Assert.StartsWith("usage: lunet [options] [script [args]]", r.Stdout);
            Assert.Contains("--no-ffi", r.Stdout);
            Assert.Contains("--allow-lib", r.Stdout);
        }
    }

    [Fact]
    public void UnknownOptionOrMissingArgumentIsAUsageError()
    {
        var r = CliRunner.Run("--bogus", "x.lua");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("", r.Stdout);
        Assert.StartsWith("lunet: unrecognized option '--bogus'\nusage: lunet", r.Stderr);

        r = CliRunner.Run("-e");
        Assert.Equal(1, r.ExitCode);
        Assert.StartsWith("lunet: '-e' needs argument", r.Stderr);

        r = CliRunner.Run("exports");
        Assert.Equal(1, r.ExitCode);
    }

    [Fact]
    public void RequireOption()
    {
        var dir = CliRunner.TempDir(("m.lua", "return { v = 'mod' }"));
        var r = CliRunner.Exec(CliRunner.DotnetHost,
            [CliRunner.CliDll, "-l", "m", "-l", "alias=m", "-e", "print(m.v, alias.v)"], workingDirectory: dir,
            env: new Dictionary<string, string> { ["LUA_PATH"] = "./?.lua" });
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("mod\tmod\n", r.Stdout);
    }

    /// <summary>The repository's ./lunet script, run from elsewhere; it may build the command first.</summary>
    [Fact]
    public void WrapperScriptBuildsQuietlyAndRuns()
    {
        var wrapper = Path.Combine(NativeBuild.RepoRoot, "lunet");
        var r = CliRunner.Exec("bash", [wrapper, "-e", "print(6 * 7, arg[0])"],
            workingDirectory: CliRunner.TempDir(), timeoutMs: 600_000);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal($"42\t{wrapper}\n", r.Stdout);
    }
}
