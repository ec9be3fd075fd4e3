namespace Lunet.Tests.Support;

/// <summary>Runs Lua snippets in a fresh runtime, with the test library's path in the global TESTLIB.</summary>
public static class Lua
{
    public static string TestLib => NativeBuild.SharedLibrary("testlib.c");

    /// <summary>Options with the ffi open to everything (a runtime's own default is no ffi), as most tests need.</summary>
    public static LuaRuntimeOptions FullFfi => new() { Ffi = FfiAccess.Full };

    /// <summary>A runtime with TESTLIB set; without <paramref name="options"/>, with the ffi at Full.</summary>
    public static LuaRuntime NewRuntime(LuaRuntimeOptions? options = null)
    {
        var rt = new LuaRuntime(options ?? FullFfi);
        rt.SetGlobal("TESTLIB", TestLib);
        return rt;
    }

    /// <summary>The first result of <paramref name="code"/>.</summary>
    public static object? Eval(string code)
    {
        using var rt = NewRuntime();
        var r = rt.DoString(code, "=test");
        return r.Length > 0 ? r[0] : null;
    }

    /// <summary>Runs <paramref name="code"/>, expects it to raise, and returns the message.</summary>
    public static string Error(LuaRuntime rt, string code)
    {
        var e = Assert.Throws<LuaScriptException>(() => rt.DoString(code, "=test"));
        return e.Message;
    }
}
