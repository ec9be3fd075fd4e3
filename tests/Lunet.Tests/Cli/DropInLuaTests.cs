using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using Lunet.Tests.Support;

namespace Lunet.Tests.Cli;

/// <summary>
/// The lunet command as a drop-in lua: each behaviour compared with Debian's lua5.4 where it
/// is installed (<see cref="LuaReference"/>), with the recorded expectation otherwise.
/// </summary>
public class DropInLuaTests
{
    static Dictionary<string, string> Env(params (string, string)[] vars) => vars.ToDictionary(v => v.Item1, v => v.Item2);

    [Fact]
    public void LuaInitRunsBeforeTheScriptAndLuaInit54WinsOverIt()
    {
        var dir = CliRunner.TempDir(("s.lua", "print('script', x)"), ("init.lua", "x = 'from file'; print('init file')"));
        LuaReference.AssertSame(new(0, "init\nscript\t1\n", ""), ["s.lua"], dir, Env(("LUA_INIT", "x = 1 print('init')")));
        LuaReference.AssertSame(new(0, "init54\nscript\t2\n", ""), ["s.lua"], dir,
            Env(("LUA_INIT", "x = 1 print('init')"), ("LUA_INIT_5_4", "x = 2 print('init54')")));
        LuaReference.AssertSame(new(0, "init file\nscript\tfrom file\n", ""), ["s.lua"], dir, Env(("LUA_INIT", "@init.lua")));
        LuaReference.AssertSame(new(0, "init file\ne\tfrom file\n", ""), ["-e", "print('e', x)"], dir, Env(("LUA_INIT", "@init.lua")));
    }

    [Fact]
    public void LuaInitErrorsAreReportedAsLuaReportsThem()
    {
        LuaReference.AssertSame(new(1, "", "lunet: LUA_INIT:1: bad init\nstack traceback:\n\t[C]: in function 'error'\n\tLUA_INIT:1: in main chunk\n"),
            ["-e", "print('never')"], env: Env(("LUA_INIT", "error('bad init')")));
        LuaReference.AssertSame(new(1, "", "lunet: cannot open /no/such/init.lua\n"),
            ["-e", "print('never')"], env: Env(("LUA_INIT", "@/no/such/init.lua")));
    }

    [Fact]
    public void DashEIgnoresLuaInitAndLuaPath()
    {
        var env = Env(("LUA_INIT", "print('init')"), ("LUA_PATH", "/from/env/?.lua"), ("LUA_CPATH", "/from/env/?.so"));
        var r = CliRunner.Exec(CliRunner.DotnetHost, [CliRunner.CliDll, "-E", "-e", "print(package.path:find('/from/env', 1, true), package.cpath:find('/from/env', 1, true))"], env: env);
        Assert.Equal("nil\tnil\n", r.Stdout);
        r = CliRunner.Exec(CliRunner.DotnetHost, [CliRunner.CliDll, "-e", "print(package.path, package.cpath)"], env: env);
        Assert.Equal("init\n/from/env/?.lua\t/from/env/?.so\n", r.Stdout);
        LuaReference.AssertSame(new(0, "nil\tnil\n", ""),
            ["-E", "-e", "print(package.path:find('/from/env', 1, true), package.cpath:find('/from/env', 1, true))"], env: env);
    }

    [Fact]
    public void LuaPathWithDoubleSemicolonHasTheDefaultInIt()
    {
        var env = Env(("LUA_PATH_5_4", "/first/?.lua;;/last/?.lua"));
        var r = CliRunner.Exec(CliRunner.DotnetHost, [CliRunner.CliDll, "-e", "print(package.path)"], env: env);
        Assert.StartsWith("/first/?.lua;", r.Stdout);
        Assert.EndsWith(";./?/init.lua;/last/?.lua\n", r.Stdout);
        LuaReference.AssertSame(new(0, r.Stdout, ""), ["-e", "print(package.path)"], env: env);
    }

    [Fact]
    public void DefaultPathsAreTheSystemsLuaDirectories()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64) return; // recorded for Debian x86-64
        var clean = Env(("LUA_PATH", ""), ("LUA_PATH_5_4", ";;"), ("LUA_CPATH_5_4", ";;"));
        LuaReference.AssertSame(new(0,
            "/usr/local/share/lua/5.4/?.lua;/usr/local/share/lua/5.4/?/init.lua;/usr/local/lib/lua/5.4/?.lua;/usr/local/lib/lua/5.4/?/init.lua;" +
            "/usr/share/lua/5.4/?.lua;/usr/share/lua/5.4/?/init.lua;./?.lua;./?/init.lua\n" +
            "/usr/local/lib/lua/5.4/?.so;/usr/lib/x86_64-linux-gnu/lua/5.4/?.so;/usr/lib/lua/5.4/?.so;/usr/local/lib/lua/5.4/loadall.so;./?.so\n", ""),
            ["-E", "-e", "print(package.path) print(package.cpath)"], env: clean);
    }

    /// <summary>A Lua C module that calls liblua (lua_checkstack, lua_pushinteger), left undefined for the host to provide.</summary>
    static string BuildCModule()
    {
        var dir = CliRunner.TempDir(("answer.c", """
            typedef struct lua_State lua_State;
            int lua_checkstack(lua_State *L, int n);
            void lua_pushinteger(lua_State *L, long long n);
            int luaopen_answer(lua_State *L) {
              if (!lua_checkstack(L, 4)) return 0;
              lua_pushinteger(L, 42);
              return 1;
            }
            """));
        NativeBuild.Run(NativeBuild.Compiler(), $"-shared -fPIC -o \"{Path.Combine(dir, "answer.so")}\" \"{Path.Combine(dir, "answer.c")}\"");
        return dir;
    }

    [Fact]
    public void LuaCModulesLoadUnderTheFullPolicy()
    {
        if (OperatingSystem.IsWindows()) return;
        var dir = BuildCModule();
        LuaReference.AssertSame(new(0, "42\n", ""), ["-e", "package.cpath = './?.so' print(require('answer'))"], dir);
    }

    [Fact]
    public void LuaCModulesAreRefusedWithoutTheFullPolicy()
    {
        if (OperatingSystem.IsWindows()) return;
        var dir = BuildCModule();
        foreach (var policy in new[] { new[] { "--no-ffi" }, ["--allow-lib", "libm.so.6"] })
        {
            var r = CliRunner.RunIn(dir, null, [.. policy, "-e", "package.cpath = './?.so' print(pcall(require, 'answer'))", "-e", "print(package.loadlib)"]);
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.StartsWith("false\tmodule 'answer' not found:", r.Stdout);
            Assert.DoesNotContain("answer.so", r.Stdout);
            Assert.EndsWith("\nnil\n", r.Stdout);
        }
    }

    [Fact]
    public void Liblua54SymbolsMadeVisibleForCModulesStayOutOfReachOfAnAllowListedLibrary()
    {
        if (!OperatingSystem.IsLinux()) return;
        using var full = new LuaRuntime(Lua.FullFfi); // promotes liblua's symbols, process-wide
        var libm = "libm.so.6";
        using var restricted = new LuaRuntime(new LuaRuntimeOptions { Ffi = FfiAccess.AllowList, AllowedLibraries = { libm } });
        var r = restricted.DoString("""
            local ffi = require "ffi"
            local m = ffi.open(...)
            local ok, err = pcall(m.wrap, m, "i32", "lua_checkstack", "pointer", "i32")
            return ok, tostring(err), m:wrap("f64", "cos", "f64")(0)
            """, "=t", libm);
        Assert.Equal(false, r[0]);
        Assert.Contains("symbol 'lua_checkstack' not found in library", (string)r[1]!);
        Assert.Equal(1.0, r[2]);
    }

    [Fact]
    public void AByteOrderMarkIsSkippedInFilesStdinAndDoFile()
    {
        var dir = CliRunner.TempDir();
        File.WriteAllBytes(Path.Combine(dir, "bom.lua"), [0xEF, 0xBB, 0xBF, .. "print('bom ok')\n"u8]);
        LuaReference.AssertSame(new(0, "bom ok\n", ""), ["bom.lua"], dir);
        var stdin = CliRunner.Exec("/bin/sh", ["-c", $"\"{CliRunner.DotnetHost}\" \"{CliRunner.CliDll}\" - < bom.lua"], workingDirectory: dir);
        Assert.Equal("bom ok\n", stdin.Stdout);
        File.WriteAllBytes(Path.Combine(dir, "ret.lua"), [0xEF, 0xBB, 0xBF, .. "return 7\n"u8]);
        using var lua = new LuaRuntime();
        Assert.Equal([7L], lua.DoFile(Path.Combine(dir, "ret.lua")));
    }

    [Fact]
    public void ErrorObjectsAreReportedAsLuaReportsThem()
    {
        LuaReference.AssertSame(new(1, "", "lunet: (error object is a nil value)\nstack traceback:\n\t[C]: in function 'error'\n\t(command line):1: in main chunk\n"),
            ["-e", "error()"]);
        LuaReference.AssertSame(new(1, "", "lunet: (error object is a table value)\nstack traceback:\n\t[C]: in function 'error'\n\t(command line):1: in main chunk\n"),
            ["-e", "error({})"]);
        LuaReference.AssertSame(new(1, "", "lunet: boom object\n"),
            ["-e", "error(setmetatable({}, {__tostring = function() return 'boom object' end}))"]);
    }

    [Fact]
    public void AMissingScriptOrADirectoryGivesLuasMessages()
    {
        var dir = CliRunner.TempDir();
        Directory.CreateDirectory(Path.Combine(dir, "sub"));
        LuaReference.AssertSame(new(1, "", "lunet: cannot open missing.lua: No such file or directory\n"), ["missing.lua"], dir);
        LuaReference.AssertSame(new(1, "", "lunet: cannot read sub: Is a directory\n"), ["sub"], dir);
    }

    [Fact]
    public void ArgumentsAndCodeThatAreNotUtf8ReachTheScriptByteForByte()
    {
        if (!OperatingSystem.IsLinux()) return;
        // Process arguments are strings in .NET: a shell script holding the raw bytes passes them.
        var dir = CliRunner.TempDir(("bytes.lua", "for i = 1, #arg do io.write(arg[i]:byte(1, -1)) io.write(' ') end io.write(select('#', ...), '\\n')"));
        File.WriteAllBytes(Path.Combine(dir, "run.sh"),
            [.. "exec \"$@\" -e 'io.write((\""u8, 0xFF, 0xFE, .. "\"):byte(1, -1)) io.write(\" \")' bytes.lua '"u8, 0xFF, (byte)'a', .. "' '"u8, 0xC3, 0xA9, 0x80, .. "'\n"u8]);
        var r = CliRunner.Exec("/bin/sh", ["run.sh", CliRunner.DotnetHost, CliRunner.CliDll], workingDirectory: dir);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("255254 25597 195169128 2\n", r.Stdout);
        if (LuaReference.Lua != null)
            Assert.Equal(r.Stdout, CliRunner.Exec("/bin/sh", ["run.sh", LuaReference.Lua], workingDirectory: dir).Stdout);
    }

    [Fact]
    public void CtrlCInARunningScriptPrintsInterruptedAndATracebackAndExitsOne()
    {
        if (OperatingSystem.IsWindows()) return;
        var psi = new ProcessStartInfo(CliRunner.DotnetHost)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
        };
        foreach (var a in new[] { CliRunner.CliDll, "-e", "local function spin() while true do end end print('ready') io.stdout:flush() spin()" })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.Equal("ready", p.StandardOutput.ReadLine());
        // "ready" comes just before spin() is called: on a loaded machine a signal sent at once can
        // land in the main chunk (a traceback without 'spin'), so give the script time to get there.
        Thread.Sleep(500);
        Assert.Equal(0, kill(p.Id, 2));
        Assert.True(p.WaitForExit(20_000), "still running after SIGINT");
        Assert.Equal(1, p.ExitCode);
        Assert.Equal("lunet: (command line):1: interrupted!\nstack traceback:\n\t(command line):1: in local 'spin'\n\t(command line):1: in main chunk\n",
            stderr.Result);
    }

    [DllImport("libc", SetLastError = true)]
    static extern int kill(int pid, int sig);

    [Fact]
    public void DashVShowsLunetsVersionAndTheExactLuaVersion()
    {
        var r = CliRunner.Run("-v");
        var lunet = typeof(LuaRuntime).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .Cast<System.Reflection.AssemblyInformationalVersionAttribute>().Single().InformationalVersion.Split('+')[0];
        // The release as liblua itself says it (lua_ident), read here independently of the command.
        var handle = NativeLibrary.Load("lua54", typeof(KeraLua.Lua).Assembly, null);
        var ident = Marshal.PtrToStringUTF8(NativeLibrary.GetExport(handle, "lua_ident"))!;
        var release = System.Text.RegularExpressions.Regex.Match(ident, @"Lua (5\.4\.\d+)").Groups[1].Value;
        Assert.Matches(@"^5\.4\.\d+$", release);
        Assert.Equal($"Lunet {lunet} (Lua {release})\n", r.Stdout);
    }

    [Fact]
    public void OsPlatformNamesThePlatformAsPlutoDoes()
    {
        var expected = OperatingSystem.IsLinux() ? "linux" : OperatingSystem.IsMacOS() ? "macos" : OperatingSystem.IsWindows() ? "windows" : null;
        if (expected == null) return;
        Assert.Equal(expected + "\n", CliRunner.Run("-e", "print(os.platform)").Stdout);
        Assert.Equal(expected + "\n", CliRunner.Run("--no-ffi", "-e", "print(os.platform)").Stdout);
    }

    [Fact]
    public void PlutosFfiOpenExampleRunsWithOnlyItsTernaryRewritten()
    {
        if (OperatingSystem.IsWindows()) return;
        // Pluto's ffi.open example: `os.platform == "windows" ? "lib" : "./liblib.so"` becomes and/or.
        var dir = CliRunner.TempDir(("lib.c", "int MY_MAGIC_INT = 69;\nint add(int a, int b) { return a + b; }\n"), ("example.lua", """
            local ffi = require "pluto:ffi"
            local lib = ffi.open(os.platform == "windows" and "lib" or "./liblib.so")
            assert(lib:value("i32", "MY_MAGIC_INT") == 69)
            assert(lib:wrap("i32", "add", "i32", "i32")(38, 4) == 42)
            print("ok")
            """));
        NativeBuild.Run(NativeBuild.Compiler(), $"-shared -fPIC -o \"{Path.Combine(dir, "liblib.so")}\" \"{Path.Combine(dir, "lib.c")}\"");
        var r = CliRunner.RunIn(dir, null, "example.lua");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("ok\n", r.Stdout);
    }

    [Fact]
    public void OsExecuteReturnsTheExitCodeOrTheSignalAsPosixLuaDoes()
    {
        if (OperatingSystem.IsWindows()) return;
        LuaReference.AssertSame(new(0, "true\ntrue\texit\t0\nnil\texit\t3\nnil\tsignal\t9\nnil\texit\t127\n", ""),
            ["-e", "print(os.execute()) print(os.execute('true')) print(os.execute('exit 3')) print(os.execute('kill -9 $$')) print(os.execute('exit 127'))"]);
        LuaReference.AssertSame(new(0, "false\t(command line):1: bad argument #1 to 'execute' (string expected, got table)\n", ""),
            ["-e", "print(pcall(function() local r = os.execute({}) return r end))"]);
    }

    [Fact]
    public void OsTmpnameMakesTheFileAsPosixLuaDoes()
    {
        if (OperatingSystem.IsWindows()) return;
        LuaReference.AssertSame(new(0, "true\ttrue\t0\ttrue\ttrue\n", ""), ["-e", """
            local n, m = os.tmpname(), os.tmpname()
            local f = io.open(n)
            print(n:match("^/tmp/lua_%w%w%w%w%w%w$") ~= nil, f ~= nil, #f:read("a"), n ~= m, os.remove(n) and os.remove(m))
            """]);
    }
}
