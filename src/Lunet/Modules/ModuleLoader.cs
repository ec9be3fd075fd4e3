using Lunet.Ffi;
using Lunet.Interop;
using static Lunet.Interop.LuaApi;

namespace Lunet.Modules;

/// <summary>
/// What require finds beyond Lua's defaults: the ffi under its three names (one
/// table), when the runtime's policy allows the ffi, Lua C modules under Full (liblua's
/// symbols made visible to them), and Lua modules next to the running script.
/// </summary>
internal static unsafe class ModuleLoader
{
    public static readonly string[] FfiNames = ["ffi", "@lune/ffi", "pluto:ffi"];

    public static void Install(LuaRuntime runtime)
    {
        var L = runtime.State;
        if (runtime.Options.Ffi == FfiAccess.Disabled) return;
        if (runtime.Options.Ffi == FfiAccess.Full) MakeSymbolsGlobal(); // Lua C modules load only under Full
        try { runtime.Ffi = FfiContext.Install(L, runtime.Options); }
        catch
        {
            runtime.Dispose(); // the constructor fails: nothing else would close the state
            throw;
        }
        // Without the package library there is no require, so no way to reach the ffi.
        if (LuaOps.GetField(L, LUA_REGISTRYINDEX, "_PRELOAD") != TTABLE) { settop(L, -2); return; }
        foreach (var name in FfiNames)
        {
            CFunction.Set(L, -1, name, &LoadFfi);
        }
        settop(L, -2);
    }

    /// <summary>The preload function: every name gives the same table, made once per state.</summary>
    static int LoadFfi(nint L)
    {
        if (LuaOps.GetField(L, LUA_REGISTRYINDEX, "ffi.module") == TTABLE) return 1;
        settop(L, -2);
        FfiModule.Push(L);
        pushvalue(L, -1);
        LuaOps.SetField(L, LUA_REGISTRYINDEX, "ffi.module");
        return 1;
    }

    /// <summary>
    /// Puts dir/?.lua and dir/?/init.lua first on package.path (once per directory). Raw
    /// access only: scripts run before this can give the globals and package metatables.
    /// </summary>
    public static void AddScriptDirectory(LuaRuntime runtime, string dir)
    {
        var L = runtime.State;
        int top = gettop(L);
        try
        {
            rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
            LuaOps.PushString(L, "package");
            if (rawget(L, -2) != TTABLE) return;
            LuaOps.PushString(L, "path");
            rawget(L, -2);
            var path = LuaOps.ToStringOrNull(L, -1) ?? "";
            settop(L, -2);
            var sep = Path.DirectorySeparatorChar;
            var entry = $"{dir}{sep}?.lua;{dir}{sep}?{sep}init.lua;";
            if (path.StartsWith(entry, StringComparison.Ordinal) || path.Contains(";" + entry, StringComparison.Ordinal)) return;
            LuaOps.PushString(L, entry + path);
            LuaOps.RawSetField(L, -2, "path");
        }
        finally { settop(L, top); }
    }
}
