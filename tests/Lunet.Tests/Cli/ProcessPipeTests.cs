using System.Diagnostics;
using System.Runtime.InteropServices;
using Lunet.Tests.Support;

namespace Lunet.Tests.Cli;

/// <summary>
/// io.popen as lua5.4 has it (Modules/ProcessPipes.cs): each script runs through lunet and,
/// where it is installed, through lua5.4 (<see cref="LuaReference"/>), else against the
/// recorded output. Real commands, no mocks.
/// </summary>
public partial class ProcessPipeTests
{
    static void Same(string script, string recordedStdout, string recordedStderr = "", int exit = 0)
    {
        var dir = CliRunner.TempDir(("s.lua", script));
        LuaReference.AssertSame(new(exit, recordedStdout, recordedStderr), ["s.lua"], dir);
    }

    [Fact]
    public void ReadModeGivesAFileOfTheStandardMetatable()
    {
        Same("""
            io.write("before ")
            local f = io.popen("echo hi; printf 'two\\nthree\\n'; echo 42")
            print(io.type(f), getmetatable(f) == getmetatable(io.stdout), tostring(f):match("^file %(0x") ~= nil)
            print(f:read("l"), f:read("L"), f:read("l"), f:read("n"), f:read("a"))
            print(f:close())
            print(io.type(f), tostring(f))
            local lines = {}
            for l in io.popen("printf 'a\\nb\\nc'"):lines() do lines[#lines + 1] = l end
            print(table.concat(lines, ","))
            print(io.popen("printf x", "r"):read("a"))
            """,
            "before file\ttrue\ttrue\nhi\ttwo\n\tthree\t42\t\n\ntrue\texit\t0\nclosed file\tfile (closed)\na,b,c\nx\n");
    }

    [Fact]
    public void WriteModeFeedsTheCommandsStandardInput()
    {
        var dir = CliRunner.TempDir(("s.lua", """
            local f = assert(io.popen("cat > out.txt", "w"))
            print(io.type(f), f:write("line 1\n", 2, "\n") == f, f:setvbuf("no"))
            f:write("third")
            print(f:close())
            local g = io.open("out.txt") print(g:read("a")) g:close()
            local r = io.popen("wc -c", "w")
            r:write(("x"):rep(100000))
            print(r:close())
            """));
        LuaReference.AssertSame(new(0, "file\ttrue\ttrue\ntrue\texit\t0\nline 1\n2\nthird\n100000\ntrue\texit\t0\n", ""), ["s.lua"], dir);
    }

    [Fact]
    public void CloseReturnsTheExitCodeOrTheSignalAsOsExecuteDoes()
    {
        Same("""
            for _, command in ipairs{ "true", "exit 3", "sh -c 'exit 129'", "kill -9 $$", "kill -s HUP $$", "not-a-command-anywhere 2>/dev/null" } do
              local a, b, c = io.popen(command):close()
              local x, y, z = os.execute(command)
              print(command, a, b, c, a == x and b == y and c == z)
            end
            print(io.close(io.popen("exit 7")))
            local ok, e = pcall(function() local f <close> = io.popen("exit 5") error("raised") end)
            print(ok, e)
            """,
            "true\ttrue\texit\t0\ttrue\nexit 3\tnil\texit\t3\ttrue\nsh -c 'exit 129'\tnil\texit\t129\ttrue\n" +
            "kill -9 $$\tnil\tsignal\t9\ttrue\nkill -s HUP $$\tnil\tsignal\t1\ttrue\n" +
            "not-a-command-anywhere 2>/dev/null\tnil\texit\t127\ttrue\nnil\texit\t7\nfalse\ts.lua:8: raised\n");
    }

    [Fact]
    public void AChildKilledWhileTheScriptReadsIsASignal()
    {
        Same("""
            local f = io.popen("echo started; kill -TERM $$; echo never")
            print(f:read("l"), f:read("l"), f:close())
            """,
            "started\tnil\tnil\tsignal\t15\n");
    }

    /// <summary>
    /// The .NET runtime ignores SIGPIPE and exec keeps an ignored signal ignored: the children
    /// must get it back at its default, as lua's have it ("yes" ends by the signal, quietly, not
    /// with "Broken pipe"). Not compared with lua5.4 run from here: this test process, .NET
    /// too, starts it with SIGPIPE ignored.
    /// </summary>
    [Fact]
    public void ChildrenGetSigpipeAtItsDefault()
    {
        var dir = CliRunner.TempDir(("s.lua", """
            local f = io.popen("exec yes")
            print(f:read("l"), f:close())
            print(os.execute("yes | head -1"))
            print(io.popen("yes | head -2"):read("a"))
            print(os.execute("exec yes > /dev/stdout | true"))
            """));
        var r = CliRunner.RunIn(dir, null, "s.lua");
        Assert.Equal(new CliResult(0, "y\tnil\tsignal\t13\ny\ntrue\texit\t0\ny\ny\n\ntrue\texit\t0\n", "").ToString(), r.ToString());
    }

    /// <summary>A pipe's descriptors are closed on exec: a later child does not hold an earlier pipe open (its reader would never see the end).</summary>
    [Fact]
    public void ALaterChildDoesNotHoldAnEarlierPipeOpen()
    {
        Same("""
            local w = io.popen("cat > /dev/null; echo first done", "w")
            local r = io.popen("sleep 0.2; echo second")
            print(w:close())
            print(r:read("a"), r:close())
            """,
            "first done\ntrue\texit\t0\nsecond\n\ttrue\texit\t0\n");
    }

    [Fact]
    public void BadModesAndArgumentsAreLuasErrors()
    {
        Same("""
            local function try(...)
              local ok, e = pcall(function(...) local f = io.popen(...) return f end, ...)
              print(ok, e)
            end
            try("cat", "")
            try("cat", "r+")
            try("cat", "rw")
            try("cat", "rb")
            try("cat", 1)
            try("cat", {})
            try()
            try(nil, "r")
            try({})
            try(setmetatable({}, {__name = "Thing"}))
            try(io.stdout)
            print(io.popen(42):close())
            print(io.popen("true", nil):close())
            print(io.popen("true", "w\0junk"):close())
            """,
            "false\ts.lua:2: bad argument #2 to 'popen' (invalid mode)\nfalse\ts.lua:2: bad argument #2 to 'popen' (invalid mode)\n" +
            "false\ts.lua:2: bad argument #2 to 'popen' (invalid mode)\nfalse\ts.lua:2: bad argument #2 to 'popen' (invalid mode)\n" +
            "false\ts.lua:2: bad argument #2 to 'popen' (invalid mode)\nfalse\ts.lua:2: bad argument #2 to 'popen' (string expected, got table)\n" +
            "false\ts.lua:2: bad argument #1 to 'popen' (string expected, got no value)\nfalse\ts.lua:2: bad argument #1 to 'popen' (string expected, got nil)\n" +
            "false\ts.lua:2: bad argument #1 to 'popen' (string expected, got table)\nfalse\ts.lua:2: bad argument #1 to 'popen' (string expected, got Thing)\n" +
            "false\ts.lua:2: bad argument #1 to 'popen' (string expected, got FILE*)\n" +
            "nil\texit\t127\ntrue\texit\t0\ntrue\texit\t0\n",
            "sh: 1: 42: not found\n");
    }

    [Fact]
    public void AClosedPipeIsAClosedFile()
    {
        Same("""
            local f = io.popen("true")
            print(f:close())
            print(pcall(f.close, f))
            print(pcall(f.read, f))
            print(pcall(io.close, f))
            print(pcall(f.lines, f))
            print(io.type(f), tostring(f))
            """,
            "true\texit\t0\nfalse\tattempt to use a closed file\nfalse\tattempt to use a closed file\n" +
            "false\tattempt to use a closed file\nfalse\tattempt to use a closed file\nclosed file\tfile (closed)\n");
    }

    [Fact]
    public void AnUnclosedPipeIsClosedByTheCollectorAndAtExit()
    {
        var dir = CliRunner.TempDir(("s.lua", """
            do local f = io.popen("cat > collected.txt", "w") f:write("by the collector") end
            collectgarbage() collectgarbage()
            local g = io.open("collected.txt") print(g:read("a")) g:close()
            local h = io.popen("cat > at_exit.txt", "w") h:write("at exit")
            os.exit(0, true)
            """));
        LuaReference.AssertSame(new(0, "by the collector\n", ""), ["s.lua"], dir);
        Assert.Equal("at exit", File.ReadAllText(Path.Combine(dir, "at_exit.txt")));
    }

    [Fact]
    public void TheProcessesBufferedOutputComesBeforeTheChilds()
    {
        var r = CliRunner.Exec("/bin/sh", ["-c", $"\"{CliRunner.DotnetHost}\" \"{CliRunner.CliDll}\" -e 'io.write(\"first \") io.popen(\"echo second\", \"w\"):close() print(\"third\")' | cat"]);
        Assert.Equal("first second\nthird\n", r.Stdout);
    }

    /// <summary>
    /// As system(): while os.execute waits, SIGINT is ignored here (on a terminal Ctrl-C reaches
    /// the command, in the same process group, and the script goes on), and afterwards it
    /// interrupts the script again.
    /// </summary>
    [Fact]
    public void OsExecuteIgnoresSigintWhileItWaitsAndRestoresItAfter()
    {
        if (OperatingSystem.IsWindows()) return;
        var psi = new ProcessStartInfo(CliRunner.DotnetHost)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
        };
        foreach (var a in new[] { CliRunner.CliDll, "-e",
            "print('ready') io.stdout:flush() print(os.execute('sleep 3')) print('after') io.stdout:flush() while true do end" })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.Equal("ready", p.StandardOutput.ReadLine());
        Thread.Sleep(1000); // inside os.execute's wait by now, even on a loaded machine
        Assert.Equal(0, kill(p.Id, 2));
        Assert.Equal("true\texit\t0", p.StandardOutput.ReadLine());
        Assert.Equal("after", p.StandardOutput.ReadLine());
        Thread.Sleep(300);
        Assert.Equal(0, kill(p.Id, 2));
        Assert.True(p.WaitForExit(20_000), "still running after the second SIGINT");
        Assert.Equal(1, p.ExitCode);
        Assert.Contains("interrupted!", stderr.Result);
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int sig);

    [Fact]
    public void PopenIsOfferedExactlyWhereOsExecuteIs()
    {
        string Probe(LuaLibraries libraries, FfiAccess ffi = FfiAccess.Full)
        {
            using var rt = Lua.NewRuntime(new LuaRuntimeOptions { Libraries = libraries, Ffi = ffi });
            return (string)rt.DoString("return type(io and io.popen) .. ' ' .. type(os and os.execute)")[0]!;
        }
        Assert.Equal("function function", Probe(LuaLibraries.All));
        Assert.Equal("function function", Probe(LuaLibraries.All, FfiAccess.Disabled));
        Assert.Equal("function function", Probe(LuaLibraries.All, FfiAccess.AllowList));
        Assert.Equal("nil nil", Probe(LuaLibraries.Sandbox));
        Assert.Equal("nil nil", Probe(LuaLibraries.Sandbox | LuaLibraries.IO));
        Assert.Equal("nil nil", Probe(LuaLibraries.All & ~LuaLibraries.OS));
        Assert.Equal("nil function", Probe(LuaLibraries.All & ~LuaLibraries.IO));
    }

    [Fact]
    public void PopenWorksInAnEmbeddedRuntime()
    {
        using var rt = Lua.NewRuntime();
        Assert.Equal(["hello from sh\n", null, "exit", 4L],
            rt.DoString("local f = io.popen('echo hello from sh; exit 4') return f:read('a'), f:close()"));
        Assert.Equal([null, "signal", 9L], rt.DoString("return io.popen('kill -9 $$'):close()"));
        // Left open: disposing the runtime closes it, and the close waits for the child.
        var dir = CliRunner.TempDir();
        var path = Path.Combine(dir, "disposed.txt");
        rt.DoString("pipe = io.popen(... , 'w') pipe:write('written before Dispose')", "=(test)", $"cat > '{path}'");
        rt.Dispose();
        Assert.Equal("written before Dispose", File.ReadAllText(path));
    }

    /// <summary>The popen, pclose and execute part of Lua's own files.lua, which the suite skips as non-portable (_port) for user tests.</summary>
    [Fact]
    public void LuasOwnFilesTestPassesWithItsNonPortablePartsOn()
    {
        var dir = Path.Combine(NativeBuild.RepoRoot, "tests", "lua-tests");
        // The file runs its own interpreter by the name arg[-1] gives ("lunet"): a wrapper on PATH.
        var bin = CliRunner.TempDir(("lunet", $"#!/bin/sh\nexec \"{CliRunner.DotnetHost}\" \"{CliRunner.CliDll}\" \"$@\"\n"));
        var wrapper = Path.Combine(bin, "lunet");
        File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        // A process another test forks while the file is still open for writing holds it until its
        // exec: running the file then fails with "Text file busy". Once a run works, none fails.
        for (int attempt = 0; attempt < 50 && CliRunner.Exec(wrapper, ["-e", ""]).ExitCode != 0; attempt++) Thread.Sleep(100);
        var env = new Dictionary<string, string> { ["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH") };
        // stdin a pipe (not seekable), as the file expects for its "invalid seek" case.
        // SIGHUP at its default: a run under nohup ignores it, and files.lua expects "kill -s HUP $$" to kill.
        var r = CliRunner.Exec("env", ["--default-signal=HUP", CliRunner.DotnetHost, CliRunner.CliDll, "files.lua"], stdin: "", workingDirectory: dir, env: env, timeoutMs: 120_000);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("testing popen/pclose and execute", r.Stdout);
        Assert.Contains("testing date/time", r.Stdout);
    }
}
