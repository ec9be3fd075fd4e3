using Lunet.Tests.Cli;
using Lunet.Tests.Support;

namespace Lunet.Tests.Policy;

/// <summary>
/// A runtime a host creates has no ffi until the host sets LuaRuntimeOptions.Ffi; a sandbox
/// preset never brings it; the lunet command keeps allowing everything.
/// </summary>
public class HostDefaultsTests
{
    const string SystemFromLua = "local ffi = require('ffi') return ffi.C:wrap('i32', 'system', 'string')('true')";

    [Fact]
    public void ARuntimeWithoutOptionsHasNoFfi()
    {
        foreach (var rt in new[] { new LuaRuntime(), new LuaRuntime(new LuaRuntimeOptions()) })
            using (rt)
            {
                Assert.Equal(FfiAccess.Disabled, rt.Options.Ffi);
                Assert.Contains("module 'ffi' not found", Lua.Error(rt, SystemFromLua));
                // The native-code rules of Disabled: no C loaders, no debug but traceback.
                Assert.Equal([null, "traceback", null], rt.DoString("return package.loadlib, (next(debug)), next(debug, 'traceback')"));
            }
    }

    [Fact]
    public void TheSandboxPresetNeverComesWithTheFfi()
    {
        using var rt = new LuaRuntime(new LuaRuntimeOptions { Libraries = LuaLibraries.Sandbox });
        Assert.Contains("module 'ffi' not found", Lua.Error(rt, SystemFromLua));
    }

    /// <summary>Sandbox and Full together is what the host asked for, in so many words: it is allowed.</summary>
    [Fact]
    public void SandboxWithTheFfiSetToFullExplicitlyHasIt()
    {
        using var rt = new LuaRuntime(new LuaRuntimeOptions { Libraries = LuaLibraries.Sandbox, Ffi = FfiAccess.Full });
        Assert.Equal(0L, rt.DoString(SystemFromLua)[0]);
        Assert.Null(rt.DoString("return io")[0]);
    }

    [Fact]
    public void TheCommandKeepsTheFfiOpen()
    {
        var r = CliRunner.Run("-e", "print(type(require('ffi').C), type(package.loadlib), type(debug.getregistry))");
        Assert.Equal("table\tfunction\tfunction\n", r.Stdout);
    }
}
