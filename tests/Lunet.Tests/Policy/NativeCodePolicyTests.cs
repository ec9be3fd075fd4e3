using Lunet.Tests.Cli;
using Lunet.Tests.Support;

namespace Lunet.Tests.Policy;

/// <summary>
/// The ffi policy is a native-code policy: under Disabled and AllowList no
/// package.loadlib, no C searchers, no binary chunks by any route, and no debug
/// function but traceback. Under Full, everything the lua command has.
/// </summary>
public class NativeCodePolicyTests
{
    public static TheoryData<FfiAccess> Restricted => new() { FfiAccess.Disabled, FfiAccess.AllowList };

    static LuaRuntime Runtime(FfiAccess access, LuaRuntimeOptions? options = null)
    {
        options ??= new LuaRuntimeOptions();
        options.Ffi = access;
        return Lua.NewRuntime(options);
    }

    static string BinaryFile()
    {
        var path = Path.Combine(CliRunner.TempDir(), "bin.lua");
        using var rt = new LuaRuntime();
        rt.DoString($"local f = assert(io.open([[{path}]], 'wb')) f:write(string.dump(function() return 42 end)) f:close()");
        return path;
    }

    [Theory]
    [MemberData(nameof(Restricted))]
    public void NoLoadlibAndNoCSearchers(FfiAccess access)
    {
        using var rt = Runtime(access);
        var r = rt.DoString("return package.loadlib, #package.searchers, package.cpath, package.searchers[3]");
        Assert.Equal([null, 2L, "", null], r);
    }

    [Fact]
    public void FullKeepsLoadlibAndCSearchers()
    {
        using var rt = Runtime(FfiAccess.Full);
        Assert.Equal([true, 4L], rt.DoString("return type(package.loadlib) == 'function', #package.searchers"));
    }

    [Theory]
    [MemberData(nameof(Restricted))]
    public void DebugKeepsOnlyTraceback(FfiAccess access)
    {
        using var rt = Runtime(access);
        var names = rt.DoString("local t = {} for k in pairs(debug) do t[#t + 1] = k end table.sort(t) return table.concat(t, ' ')");
        Assert.Equal("traceback", names[0]);
        Assert.Contains("stack traceback:", (string)rt.DoString("return debug.traceback('x')")[0]!);
    }

    [Fact]
    public void FullKeepsTheWholeDebugLibrary()
    {
        using var rt = Runtime(FfiAccess.Full);
        foreach (var f in new[] { "getupvalue", "setupvalue", "upvaluejoin", "getuservalue", "setuservalue",
                     "getmetatable", "setmetatable", "getregistry", "getlocal", "setlocal" })
            Assert.Equal("function", rt.DoString($"return type(debug.{f})")[0]);
    }

    [Theory]
    [MemberData(nameof(Restricted))]
    public void BinaryChunksRefusedByEveryRoute(FfiAccess access)
    {
        var file = BinaryFile();
        using var rt = Runtime(access);
        rt.SetGlobal("BIN", file);
        const string refused = "attempt to load a binary chunk (mode is 't')";
        Assert.Equal([null, refused], rt.DoString("return load(string.dump(function() return 1 end))"));
        // A chosen mode loses its "b".
        Assert.Equal([null, "attempt to load a binary chunk (mode is '')"], rt.DoString("return load(string.dump(function() return 1 end), 'x', 'b')"));
        Assert.Equal([null, refused], rt.DoString("return load(string.dump(function() return 1 end), 'x', 'bt', {})"));
        Assert.Equal([null, refused], rt.DoString("return loadfile(BIN)"));
        Assert.Equal([null, refused], rt.DoString("return loadfile(BIN, 'tb')"));
        Assert.Contains(refused, Lua.Error(rt, "dofile(BIN)"));
        // require's Lua searcher reads a .lua file that holds bytecode.
        var e = Lua.Error(rt, "package.path = BIN:gsub('bin%.lua$', '?.lua') return require('bin')");
        Assert.Contains("error loading module 'bin'", e);
        Assert.Contains(refused, e);
        // The host's own loading.
        Assert.Contains(refused, Assert.Throws<LuaScriptException>(() => rt.DoFile(file)).Message);
        // Text still loads, with every argument form.
        Assert.Equal([3L, 7L, 5L], rt.DoString("return load('return 3')(), load('return x', 'c', 't', { x = 7 })(), load('return 5', nil, nil)()"));
        Assert.Equal("attempt to load a text chunk (mode is '')", rt.DoString("return select(2, load('return 1', 'c', 'b'))")[0]);
        Assert.Contains("bad argument #3 to 'load' (string expected, got table)", Lua.Error(rt, "load('x', 'n', {})"));
    }

    [Fact]
    public void FullLoadsBinaryChunksUnlessTheHostRefusesThem()
    {
        var file = BinaryFile();
        using (var rt = Runtime(FfiAccess.Full))
        {
            rt.SetGlobal("BIN", file);
            Assert.Equal([42L, 42L, 42L], rt.DoString("return load(string.dump(function() return 42 end))(), loadfile(BIN)(), dofile(BIN)"));
            Assert.Equal([42L], rt.DoFile(file));
        }
        using (var rt = Runtime(FfiAccess.Full, new LuaRuntimeOptions { BinaryChunks = false }))
        {
            rt.SetGlobal("BIN", file);
            Assert.Equal([null, "attempt to load a binary chunk (mode is 't')"], rt.DoString("return loadfile(BIN)"));
            Assert.Contains("attempt to load a binary chunk", Assert.Throws<LuaScriptException>(() => rt.DoFile(file)).Message);
            Assert.Equal(4L, rt.DoString("return #package.searchers")[0]); // C modules stay: the host refused binary chunks only
        }
    }

    [Fact]
    public void OptionsChangedAfterCreationChangeNothing()
    {
        var file = BinaryFile();
        var options = new LuaRuntimeOptions { Ffi = FfiAccess.Disabled };
        using var rt = new LuaRuntime(options);
        options.Ffi = FfiAccess.Full;
        options.BinaryChunks = true;
        Assert.Contains("attempt to load a binary chunk", Assert.Throws<LuaScriptException>(() => rt.DoFile(file)).Message);
    }

    [Fact]
    public void CommandRefusesBinaryScriptsUnderNoFfi()
    {
        var file = BinaryFile();
        var r = CliRunner.Run("--no-ffi", file);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("attempt to load a binary chunk (mode is 't')", r.Stderr);
        Assert.True(CliRunner.Run(file).ExitCode == 0); // the default (Full) runs it, as lua does
    }

    /// <summary>A file named ffi.so in the current directory is what ./?.so in package.cpath finds.</summary>
    [Fact]
    public void CModuleInCurrentDirectoryNeverRuns()
    {
        var module = NativeBuild.SharedLibrary("policy_module.c");
        var dir = CliRunner.TempDir();
        File.Copy(module, Path.Combine(dir, "ffi.so"));
        File.Copy(module, Path.Combine(dir, "policymod.so"));
        var marker = Path.Combine(dir, "marker");
        var env = new Dictionary<string, string> { ["LUNET_POLICY_MARKER"] = marker };

        foreach (var args in new[] { new[] { "--no-ffi" }, ["--allow-lib", module] })
            foreach (var name in new[] { "ffi", "policymod" })
            {
                var r = CliRunner.Exec(CliRunner.DotnetHost, [CliRunner.CliDll, .. args, "-e", $"print(pcall(require, '{name}'))"],
                    workingDirectory: dir, env: env);
                Assert.True(r.ExitCode == 0, r.ToString());
                Assert.False(File.Exists(marker), $"{string.Join(' ', args)} require('{name}') ran the C module\n{r}");
                if (name == "policymod" || args[0] == "--no-ffi")
                    Assert.StartsWith($"false\tmodule '{name}' not found", r.Stdout);
            }

        // The same module loads under Full, as with the lua command: the test can see it run.
        var full = CliRunner.Exec(CliRunner.DotnetHost, [CliRunner.CliDll, "-e", "print(pcall(require, 'policymod'))"],
            workingDirectory: dir, env: env);
        Assert.True(File.Exists(marker), full.ToString());
    }
}
