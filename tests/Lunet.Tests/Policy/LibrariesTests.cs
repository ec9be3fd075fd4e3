using Lunet.Tests.Support;

namespace Lunet.Tests.Policy;

/// <summary>LuaRuntimeOptions.Libraries: the host chooses the standard libraries, independently of the ffi policy.</summary>
public class LibrariesTests
{
    static LuaRuntime Runtime(LuaLibraries libraries, FfiAccess access = FfiAccess.Full) =>
        Lua.NewRuntime(new LuaRuntimeOptions { Libraries = libraries, Ffi = access });

    [Fact]
    public void AllIsWhatTheLuaCommandOpens()
    {
        using var rt = Runtime(LuaLibraries.All);
        Assert.Equal("coroutine debug io math os package string table utf8", rt.DoString("""
            local t = {} for k, v in pairs(_G) do if type(v) == 'table' and k ~= '_G' then t[#t + 1] = k end end
            table.sort(t) return table.concat(t, ' ')
            """)[0]);
        Assert.Equal([true, true], rt.DoString("return package.loaded.io == io, package.loaded._G == _G"));
    }

    [Fact]
    public void SandboxTouchesNothingOutsideTheRuntime()
    {
        using var rt = Runtime(LuaLibraries.Sandbox);
        Assert.Equal([null, null, null, null, null, null], rt.DoString(
            "return io, os.execute, os.getenv, os.remove, dofile, loadfile"));
        Assert.Equal([null, null, 1L], rt.DoString("return package.loadlib, package.searchpath, #package.searchers"));
        Assert.Equal("traceback", rt.DoString("local k = next(debug) return k .. (next(debug, k) or '')")[0]);
        Assert.Equal([true, "X", 3L, true], rt.DoString(
            "return type(os.time()) == 'number', ('x'):upper(), #{coroutine.running(), 1, 2}, math.pi > 3"));
        // require still finds preloaded modules: the ffi, here under Full.
        Assert.Equal("function", rt.DoString("return type(require('ffi').open)")[0]);
        Assert.Contains("module 'helper' not found", Lua.Error(rt, "require('helper')"));
    }

    [Fact]
    public void WithoutIoNothingReadsFiles()
    {
        using var rt = Runtime(LuaLibraries.All & ~LuaLibraries.IO);
        Assert.Equal([null, null, null, null, 1L], rt.DoString("return io, dofile, loadfile, package.loadlib, #package.searchers"));
        Assert.Equal("function", rt.DoString("return type(os.execute)")[0]);
    }

    [Fact]
    public void WithoutStringStringsHaveNoMethods()
    {
        using var rt = Runtime(LuaLibraries.All & ~LuaLibraries.String);
        Assert.Null(rt.DoString("return string")[0]);
        Assert.Contains("attempt to index a string value", Lua.Error(rt, "return ('x'):upper()"));
        Assert.Equal(2L, rt.DoString("return #'ab'")[0]);
    }

    [Fact]
    public void WithoutBaseTheGlobalsHoldOnlyTheChosenLibraries()
    {
        using var rt = Runtime(LuaLibraries.Math | LuaLibraries.Table | LuaLibraries.DebugTraceback);
        Assert.Equal([null, null, null, 2.0], rt.DoString("return print, _G, pairs, math.sqrt(4)"));
    }

    [Fact]
    public void FullDebugUnderARestrictedPolicyIsTracebackOnly()
    {
        using var rt = Runtime(LuaLibraries.All, FfiAccess.AllowList);
        Assert.Equal([null, null, "function"], rt.DoString("return debug.getupvalue, debug.getregistry, type(debug.traceback)"));
    }

    [Fact]
    public void WithoutPackageThereIsNoRequire()
    {
        using var rt = Runtime(LuaLibraries.All & ~LuaLibraries.Package);
        Assert.Equal([null, null], rt.DoString("return require, package"));
    }
}
