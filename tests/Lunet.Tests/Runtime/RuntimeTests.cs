using Lunet.Tests.Support;

namespace Lunet.Tests.Runtime;

/// <summary>The host API: running code and files, chunk names, require, and the ffi policy.</summary>
public class RuntimeTests
{
    [Fact]
    public void RunsCodeWithStandardLibrariesAndReturnsValues()
    {
        using var rt = new LuaRuntime();
        var r = rt.DoString("return 1 + 2, 'x' .. string.rep('y', 2), math.pi > 3, nil, 2.5");
        Assert.Equal([3L, "xyy", true, null, 2.5], r);
        rt.SetGlobal("greeting", "hi");
        Assert.Equal("hi!", rt.DoString("return greeting .. '!'")[0]);
        Assert.Equal(7L, rt.DoString("return select('#', ...) + select(2, ...)", "=t", 1, 5)[0]);
    }

    [Fact]
    public void ErrorsNameTheChunkAndLine()
    {
        using var rt = new LuaRuntime();
        var e = Assert.Throws<LuaScriptException>(() => rt.DoString("local x = 1\nerror('boom')", "@script.lua"));
        Assert.Equal("script.lua:2: boom", e.Message);
        var s = Assert.Throws<LuaScriptException>(() => rt.DoString("x = = 1", "@bad.lua"));
        Assert.StartsWith("bad.lua:1:", s.Message);
        Assert.Equal(1L, rt.DoString("return 1")[0]);
    }

    [Fact]
    public void FilesRequireModulesNextToThem()
    {
        var dir = Directory.CreateTempSubdirectory("lunet-req").FullName;
        File.WriteAllText(Path.Combine(dir, "mymod.lua"), "return { answer = 42 }");
        File.WriteAllText(Path.Combine(dir, "main.lua"), "#!/usr/bin/env lunet\nlocal m = require('mymod')\nreturn m.answer, ...");
        using var rt = new LuaRuntime();
        Assert.Equal([42L, "arg1"], rt.DoFile(Path.Combine(dir, "main.lua"), "arg1"));
        var e = Assert.Throws<LuaScriptException>(() => rt.DoFile(Path.Combine(dir, "missing.lua")));
        Assert.Contains("cannot open", e.Message);
    }

    [Fact]
    public void DisabledPolicyHasNoFfiModule()
    {
        using var rt = new LuaRuntime(new LuaRuntimeOptions { Ffi = FfiAccess.Disabled });
        foreach (var name in new[] { "ffi", "@lune/ffi", "pluto:ffi" })
        {
            var e = Assert.Throws<LuaScriptException>(() => rt.DoString($"require('{name}')"));
            Assert.Contains($"module '{name}' not found", e.Message);
        }
    }

    [Fact]
    public void AllowListPolicyOpensOnlyListedLibraries()
    {
        var options = new LuaRuntimeOptions { Ffi = FfiAccess.AllowList };
        options.AllowedLibraries.Add(Lua.TestLib);
        using var rt = Lua.NewRuntime(options);
        Assert.Equal(3L, rt.DoString("return require('ffi').open(TESTLIB):wrap('i32', 'add', 'i32', 'i32')(1, 2)")[0]);
        // By bare name, resolved to the allowed file.
        Assert.Equal(Lua.TestLib, rt.DoString("return require('ffi').open('testlib').path")[0]);
        Assert.Contains("not allowed by this runtime's ffi policy", Lua.Error(rt, "require('ffi').open('m')"));
        Assert.Contains("not allowed by this runtime's ffi policy", Lua.Error(rt, "require('ffi').open('/lib/x86_64-linux-gnu/libm.so.6')"));
        Assert.Contains("not allowed by this runtime's ffi policy", Lua.Error(rt, "return require('ffi').C"));
        Assert.Contains("not allowed by this runtime's ffi policy", Lua.Error(rt, "return require('ffi').open()"));
        Assert.Equal(2L, rt.DoString("return 1 + 1")[0]);
    }
}
