using Lunet.Tests.Support;

namespace Lunet.Tests.Callbacks;

/// <summary>tests/native/callback_test.c, built once, reached by scripts as the global CBLIB (and the test library as TESTLIB).</summary>
public static class CallbackLib
{
    public static string Path => NativeBuild.SharedLibrary("callback_test.c", "-lpthread");

    public const string Open = "local ffi = require('ffi'); local lib = ffi.open(CBLIB); ";

    public static LuaRuntime NewRuntime()
    {
        var rt = Lua.NewRuntime();
        rt.SetGlobal("CBLIB", Path);
        return rt;
    }

    public static object? Eval(string code)
    {
        using var rt = NewRuntime();
        var r = rt.DoString(Open + code, "=test");
        return r.Length > 0 ? r[0] : null;
    }

    public static string Error(string code)
    {
        using var rt = NewRuntime();
        return Lua.Error(rt, Open + code);
    }
}
