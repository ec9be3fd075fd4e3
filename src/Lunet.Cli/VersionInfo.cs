using System.Reflection;
using System.Runtime.InteropServices;
using Lunet.Interop;

namespace Lunet.Cli;

/// <summary>
/// What -v prints: Lunet's version (the Lunet assembly's informational version, without
/// a "+commit" suffix) and the release of the liblua inside, read from its lua_ident.
/// </summary>
static unsafe class VersionInfo
{
    public static string Text => $"Lunet {LunetVersion} (Lua {LuaRelease})";

    static string LunetVersion
    {
        get
        {
            var v = typeof(LuaRuntime).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
                ?? typeof(LuaRuntime).Assembly.GetName().Version?.ToString() ?? "?";
            int plus = v.IndexOf('+');
            return plus < 0 ? v : v[..plus];
        }
    }

    /// <summary>"5.4.x": lua_ident is "$LuaVersion: Lua 5.4.x  Copyright ...".</summary>
    static string LuaRelease
    {
        get
        {
            if (!NativeLibrary.TryGetExport(LuaApi.Handle, "lua_ident", out var ident)) return "5.4";
            var text = Marshal.PtrToStringUTF8(ident) ?? "";
            var m = System.Text.RegularExpressions.Regex.Match(text, @"Lua (\d+\.\d+\.\d+)");
            return m.Success ? m.Groups[1].Value : "5.4";
        }
    }
}
