using System.Runtime.InteropServices;

namespace Lunet.Modules;

/// <summary>
/// Where the system keeps Lua 5.4 modules, as the platform's own lua5.4 searches them
/// (Debian's layout on Linux: /usr/local first, then /usr/share/lua and the multiarch
/// C module directory), and the platform's name for os.platform. Where Lunet knows no
/// layout (Windows), the paths are null and liblua's own defaults stay.
/// </summary>
internal static class SystemPaths
{
    static readonly (string Path, string CPath)? Paths = Build();
    public static readonly string? LuaPath = Paths?.Path;
    public static readonly string? CPath = Paths?.CPath;

    /// <summary>os.platform's value, with Pluto's names.</summary>
    public static readonly string Platform =
        OperatingSystem.IsWindows() ? "windows"
        : OperatingSystem.IsAndroid() ? "android"
        : OperatingSystem.IsLinux() ? "linux"
        : OperatingSystem.IsMacOS() ? "macos"
        : OperatingSystem.IsIOS() ? "ios"
        : OperatingSystem.IsFreeBSD() ? "freebsd"
        : OperatingSystem.IsBrowser() ? "emscripten"
        : "unknown";

    static (string, string)? Build()
    {
        string[] roots;
        string[] cdirs;
        if (OperatingSystem.IsLinux())
        {
            roots = ["/usr/local/", "/usr/"];
            cdirs = ["/usr/local/lib/lua/5.4/", .. Multiarch() is string triplet ? [$"/usr/lib/{triplet}/lua/5.4/"] : Array.Empty<string>(), "/usr/lib/lua/5.4/"];
        }
        else if (OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD())
        {
            roots = OperatingSystem.IsMacOS() ? ["/usr/local/", "/opt/homebrew/"] : ["/usr/local/"];
            cdirs = roots.Select(r => r + "lib/lua/5.4/").ToArray();
        }
        else return null;

        // As lua5.4: ?.lua and ?/init.lua under share/lua (and lib/lua for /usr/local), then ./
        var path = new List<string>();
        foreach (var root in roots)
        {
            path.Add($"{root}share/lua/5.4/?.lua");
            path.Add($"{root}share/lua/5.4/?/init.lua");
            if (root == "/usr/local/")
            {
                path.Add($"{root}lib/lua/5.4/?.lua");
                path.Add($"{root}lib/lua/5.4/?/init.lua");
            }
        }
        path.Add("./?.lua");
        path.Add("./?/init.lua");
        var c = cdirs.Select(d => d + "?.so").ToList();
        c.Add($"{cdirs[0]}loadall.so");
        c.Add("./?.so");
        return (string.Join(';', path), string.Join(';', c));
    }

    /// <summary>Debian's multiarch directory name for this process's architecture.</summary>
    static string? Multiarch() => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => "x86_64-linux-gnu",
        Architecture.Arm64 => "aarch64-linux-gnu",
        Architecture.X86 => "i386-linux-gnu",
        Architecture.Arm => "arm-linux-gnueabihf",
        Architecture.RiscV64 => "riscv64-linux-gnu",
        _ => null,
    };
}
