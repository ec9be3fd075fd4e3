using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using static Lunet.Interop.LuaApi;

namespace Lunet;

// What a host (or lunet -v) shows as versions.
public sealed unsafe partial class LuaRuntime
{
    /// <summary>Lunet's version, the one of Directory.Build.props that the packages carry ("0.1.0").</summary>
    public static string Version { get; } =
        (typeof(LuaRuntime).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0")
            .Split('+')[0];

    /// <summary>
    /// The exact release of the Lua library inside ("Lua 5.4.6"), read from its lua_ident string
    /// ("$LuaVersion: Lua 5.4.6 ..."); "Lua 5.4" if the library does not say.
    /// </summary>
    public static string LuaRelease { get; } = ReadLuaRelease();

    static string ReadLuaRelease()
    {
        if (!NativeLibrary.TryGetExport(Handle, "lua_ident", out var ident)) return "Lua 5.4";
        var text = Marshal.PtrToStringAnsi(ident, 64);
        var m = Regex.Match(text, @"\$LuaVersion: (Lua \d+\.\d+(?:\.\d+)?)");
        return m.Success ? m.Groups[1].Value : "Lua 5.4";
    }
}
