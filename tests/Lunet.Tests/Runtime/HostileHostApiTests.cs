using Lunet.Interop;
using Lunet.Tests.Support;

namespace Lunet.Tests.Runtime;

/// <summary>
/// The host API after scripts that break what it could rely on: every call returns or
/// throws <see cref="LuaScriptException"/>, and the runtime keeps working.
/// </summary>
public class HostileHostApiTests
{
    static void StillWorks(LuaRuntime rt) => Assert.Equal(3L, rt.DoString("return 1 + 2")[0]);

    [Fact]
    public void ErrorsKeepTheirTracebackWithoutDebugPrintOrTostring()
    {
        using var rt = new LuaRuntime();
        rt.DoString("debug = nil; print = nil; tostring = nil; _G = nil");
        var e = Assert.Throws<LuaScriptException>(() => rt.DoString("local function f() error('deep') end f()", "@t.lua"));
        Assert.Equal("t.lua:1: deep", e.Message);
        Assert.StartsWith("stack traceback:", e.LuaTraceback);
        Assert.Contains("in local 'f'", e.LuaTraceback);
        StillWorks(rt);
    }

    [Fact]
    public void NonStringErrorObjectsBecomeTextAsLuaDoes()
    {
        using var rt = new LuaRuntime();
        Assert.Equal("(error object is a table value)", Lua.Error(rt, "error({})"));
        Assert.Equal("(error object is a nil value)", Lua.Error(rt, "error()"));
        Assert.Equal("custom", Lua.Error(rt, "error(setmetatable({}, { __tostring = function() return 'custom' end }))"));
        // A __tostring that raises, or returns no string, runs in a protected call: the plain text stands.
        Assert.Equal("(error object is a table value)", Lua.Error(rt, "error(setmetatable({}, { __tostring = function() error('again') end }))"));
        Assert.Equal("(error object is a table value)", Lua.Error(rt, "error(setmetatable({}, { __tostring = function() return 1 end, __metatable = false }))"));
        Assert.StartsWith("42", Lua.Error(rt, "error(42)"));
        StillWorks(rt);
    }

    [Fact]
    public void GlobalsReadAndWrittenThroughMetamethodsThatMayRaise()
    {
        using var rt = new LuaRuntime();
        rt.SetGlobal("kept", 5L);
        rt.DoString("""
            setmetatable(_G, {
              __index = function(_, k) if k == 'virtual' then return 'from __index' end error('no global ' .. k) end,
              __newindex = function(_, k) error('read-only: ' .. k) end })
            """);
        Assert.Equal("from __index", rt.GetGlobal("virtual"));
        Assert.Equal(5L, rt.GetGlobal("kept"));
        Assert.Contains("no global missing", Assert.Throws<LuaScriptException>(() => rt.GetGlobal("missing")).Message);
        Assert.Contains("read-only: fresh", Assert.Throws<LuaScriptException>(() => rt.SetGlobal("fresh", 1L)).Message);
        rt.SetGlobal("kept", 6L); // exists: a plain assignment, no __newindex
        Assert.Equal(6L, rt.GetGlobal("kept"));
        StillWorks(rt);
        // An error object that is not a string, from a metamethod.
        rt.DoString("setmetatable(_G, { __index = function() error({}) end })");
        Assert.Equal("(error object is a table value)", Assert.Throws<LuaScriptException>(() => rt.GetGlobal("x")).Message);
    }

    [Fact]
    public void FilesRunWhenPackageAndGlobalsAreHostile()
    {
        var dir = Directory.CreateTempSubdirectory("lunet-hostile").FullName;
        var file = Path.Combine(dir, "main.lua");
        File.WriteAllText(file, "return 'ran'");
        using var rt = new LuaRuntime();
        rt.DoString("package = nil; setmetatable(_G, { __index = function() error('no') end })");
        Assert.Equal("ran", rt.DoFile(file)[0]);
        rt.DoString("rawset(_G, 'package', setmetatable({}, { __index = function() error('no path') end }))");
        Assert.Equal("ran", rt.DoFile(file)[0]);
        Assert.Contains("cannot open", Assert.Throws<LuaScriptException>(() => rt.DoFile(Path.Combine(dir, "none.lua"))).Message);
    }

    [Fact]
    public void UnreadableFilesAreScriptErrorsInLuasWords()
    {
        using var rt = new LuaRuntime();
        var dir = Directory.CreateTempSubdirectory("lunet-files").FullName;
        string Why(string path) => Assert.Throws<LuaScriptException>(() => rt.DoFile(path)).Message;
        Assert.Equal($"cannot open {dir}/none.lua: No such file or directory", Why(Path.Combine(dir, "none.lua")));
        Assert.Equal($"cannot open {dir}/no/x.lua: No such file or directory", Why(Path.Combine(dir, "no", "x.lua")));
        Assert.Equal($"cannot open {dir}: Is a directory", Why(dir));
        Assert.Equal("cannot open : not a valid file name", Why(""));
        var r = Cli.CliRunner.Run("");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("lunet: cannot open : not a valid file name\n", r.Stderr);
    }

    [Fact]
    public void FilesMayStartWithAByteOrderMarkAsForLua()
    {
        // Lua's own suite (main.lua) checks these: the mark, then a '#' line, are skipped; a broken mark is Lua code.
        using var rt = new LuaRuntime();
        var dir = Directory.CreateTempSubdirectory("lunet-bom").FullName;
        object?[] Run(byte[] bytes)
        {
            var file = Path.Combine(dir, "bom.lua");
            File.WriteAllBytes(file, bytes);
            return rt.DoFile(file);
        }
        byte[] bom = [0xEF, 0xBB, 0xBF];
        Assert.Equal([3L], Run([.. bom, .. "return 3"u8]));
        Assert.Equal([3L], Run([.. bom, .. "# comment!!\nreturn 3"u8]));
        Assert.Empty(Run(bom));
        Assert.Contains("unexpected symbol", Assert.Throws<LuaScriptException>(() => Run([0xEF, 0xBB, .. "return 3"u8])).Message);
    }

    [Fact]
    public void TypeNamesAreReadRawFromMetatables()
    {
        using var rt = new LuaRuntime(Lua.FullFfi);
        var r = rt.DoString("""
            local ffi = require('ffi')
            local mt = getmetatable(io.stdout)
            mt.__name = nil
            setmetatable(mt, { __index = function() error('boom from __index') end })
            local results = {}
            for i = 1, 3 do results[i] = select(2, pcall(ffi.isNull, io.stdout)) end
            return table.concat(results, '|')
            """);
        Assert.Equal(string.Join('|', Enumerable.Repeat("bad argument #1 to 'isNull' (pointer expected, got userdata)", 3)), r[0]);
        StillWorks(rt);
    }

    [Fact]
    public void ARaisingStringMetatableDoesNotReachCSharp()
    {
        using var rt = Lua.NewRuntime();
        rt.DoString("getmetatable('').__index = function(s, k) error('string index ' .. k) end");
        Assert.Contains("bad argument", Lua.Error(rt, "require('ffi').sizeof(1, 2, 3)"));
        Assert.Contains("unknown", Lua.Error(rt, "require('ffi').sizeof('i33')"), StringComparison.OrdinalIgnoreCase);
        Assert.Equal("text", rt.DoString("return 'text'")[0]);
        rt.SetGlobal("s", "value");
        Assert.Equal("value", rt.GetGlobal("s"));
        Assert.Contains("string index upper", Lua.Error(rt, "return ('x'):upper()"));
        StillWorks(rt);
    }

    [Fact]
    public void TheReplPrintIsLookedUpSafely()
    {
        using var rt = new LuaRuntime();
        rt.DoString("print = nil");
        var e = Assert.Throws<LuaScriptException>(() => rt.DoStringAndPrint("return 1"));
        Assert.Equal("error calling 'print' (attempt to call a nil value)", e.Message);
        rt.DoString("setmetatable(_G, { __index = function() error('guarded') end })");
        Assert.Contains("guarded", Assert.Throws<LuaScriptException>(() => rt.DoStringAndPrint("return 1")).Message);
        rt.DoString("rawset(_G, 'print', function(...) last = select('#', ...) end)");
        Assert.Equal(2, rt.DoStringAndPrint("return 1, 2"));
        Assert.Equal(2L, rt.GetGlobal("last"));
        Assert.Equal(0, rt.DoStringAndPrint("local x = 1"));
        StillWorks(rt);
    }

    [Fact]
    public void TheReplGoesOnAfterHostileLines()
    {
        var r = Cli.CliRunner.RunWithInput("""
            debug = nil
            print = nil
            1 + 1
            setmetatable(_G, { __index = function(_, k) error('no ' .. k) end })
            rawset(_G, 'print', function(...) io.write('printed ', select('#', ...), '\n') end)
            return 1, 2
            error(setmetatable({}, { __tostring = error }))
            """);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("lunet: error calling 'print' (attempt to call a nil value)", r.Stderr);
        Assert.Contains("printed 2", r.Stdout);
        Assert.Contains("lunet: (error object is a table value)", r.Stderr);
        Assert.DoesNotContain("PANIC", r.Stdout + r.Stderr);
    }

    [Fact]
    public void CompileAndValuesSurviveHostileScripts()
    {
        using var rt = new LuaRuntime();
        rt.DoString("debug = nil; setmetatable(_G, { __index = error, __newindex = error })");
        Assert.Null(rt.Compile("return 1", "=c", out _));
        Assert.NotNull(rt.Compile("return (", "=c", out bool incomplete));
        Assert.True(incomplete);
        var values = rt.DoString("return setmetatable({}, { __name = 'Named', __index = error }), io.stdout, coroutine.create(print)");
        Assert.IsType<LuaTable>(values[0]);
        Assert.Equal(["FILE*", "thread"], values[1..]);
        Assert.Throws<ArgumentException>(() => rt.SetGlobal("x", new object()));
        StillWorks(rt);
    }

    [Fact]
    public void DisposeRunsRaisingFinalizersWithoutCrashing()
    {
        var rt = new LuaRuntime();
        rt.DoString("""
            for i = 1, 100 do setmetatable({}, { __gc = function() error('from __gc ' .. i) end }) end
            keep = setmetatable({}, { __gc = function() error(setmetatable({}, { __tostring = error })) end })
            """);
        rt.DoString("collectgarbage()");
        StillWorks(rt);
        rt.Dispose();
        rt.Dispose();
        Assert.Throws<ObjectDisposedException>(() => rt.DoString("return 1"));
    }

    [Fact]
    public void HostArgumentsBeyondTheStackAreAnError()
    {
        using var rt = new LuaRuntime();
        var args = Enumerable.Range(0, 2_000_000).Select(i => (object?)(long)i).ToArray();
        Assert.Contains("stack overflow", Assert.Throws<LuaScriptException>(() => rt.DoString("return select('#', ...)", "=t", args)).Message);
        Assert.Equal(1000L, rt.DoString("return select('#', ...)", "=t", args[..1000])[0]);
    }

    [Fact]
    public unsafe void AnUnexpectedFailureInCSharpShowsNoDotNetText()
    {
        using var rt = new LuaRuntime();
        var L = rt.State;
        int top = LuaApi.gettop(L);
        Assert.Equal(-1, CFunction.PushError(L, new InvalidOperationException("secret detail")));
        var message = LuaOps.ToStringOrNull(L, -1);
        LuaApi.settop(L, top);
        Assert.NotNull(message);
        Assert.DoesNotContain("secret", message);
        Assert.DoesNotContain("Exception", message);
        Assert.Contains(CFunction.UnexpectedFailure, message);
    }
}
