using System.Runtime.InteropServices;
using System.Text;
using Lunet.Interop;

namespace Lunet.Ffi.Libraries;

/// <summary>
/// The system loader, asked directly so its own error text can be reported:
/// dlopen/dlsym/dlclose on Linux and macOS, LoadLibrary through .NET on Windows.
/// </summary>
internal static unsafe class DynamicLoader
{
    /// <summary>Loads <paramref name="name"/>; on failure returns 0 and the loader's message.</summary>
    public static nint TryOpen(string name, out string? error)
    {
        error = null;
        // The loader would read only up to the NUL: another name than the one checked.
        if (name.Contains('\0')) { error = "the name holds a NUL byte"; return 0; }
        if (OperatingSystem.IsWindows())
        {
            try { return NativeLibrary.Load(name); }
            catch (Exception e) { error = e.Message; return 0; }
        }
        fixed (byte* n = Encoding.UTF8.GetBytes(name + "\0"))
        {
            LibC.dlerror();
            var h = LibC.dlopen(n, LibC.RTLD_NOW);
            if (h == 0) error = LibC.LastError() ?? "unknown loader error";
            return h;
        }
    }

    /// <summary>The running process and the libraries loaded with it (the C library among them).</summary>
    public static nint OpenProcess()
    {
        if (OperatingSystem.IsWindows()) return NativeLibrary.GetMainProgramHandle();
        return LibC.dlopen(null, LibC.RTLD_NOW);
    }

    public static nint Symbol(nint handle, string name)
    {
        if (name.Contains('\0')) return 0; // dlsym would look up the part before it
        if (OperatingSystem.IsWindows())
            return NativeLibrary.TryGetExport(handle, name, out var p) ? p : 0;
        fixed (byte* n = Encoding.UTF8.GetBytes(name + "\0")) return LibC.dlsym(handle, n);
    }

    /// <summary>
    /// Whether <paramref name="address"/> (from <see cref="Symbol"/>) lies in the object
    /// <paramref name="handle"/> opened itself, not in one of its dependencies (which dlsym
    /// on a handle also searches). Windows' GetProcAddress reads the module's own exports only.
    /// </summary>
    public static bool Defines(nint handle, nint address, string libraryPath)
    {
        if (OperatingSystem.IsWindows()) return true;
        if (LibC.dladdr1 != null && LibC.dlinfo != null)
        {
            nint own, owner;
            nint* info = stackalloc nint[4];
            if (LibC.dlinfo(handle, LibC.RTLD_DI_LINKMAP, &own) != 0) return false;
            return LibC.dladdr1(address, info, &owner, LibC.RTLD_DL_LINKMAP) != 0 && owner == own;
        }
        // Elsewhere: the file dladdr names must be the library's file.
        return LibC.FileOf(address) is { } file
            && FileIdentity.TryOf(file, out var a, out _, out _)
            && FileIdentity.TryOf(libraryPath, out var b, out _, out _)
            && a == b;
    }

    public static void Close(nint handle)
    {
        if (OperatingSystem.IsWindows()) NativeLibrary.Free(handle);
        else LibC.dlclose(handle);
    }

    /// <summary>The file the loader actually mapped for <paramref name="handle"/>, or null if it cannot say.</summary>
    public static string? PathOf(nint handle, string fallback)
    {
        if (OperatingSystem.IsWindows()) return fallback;
        if (LibC.dlinfo != null)
        {
            // struct link_map { ElfW(Addr) l_addr; char *l_name; ... }
            nint map;
            if (LibC.dlinfo(handle, LibC.RTLD_DI_LINKMAP, &map) == 0 && map != 0)
            {
                var name = Marshal.PtrToStringUTF8(((nint*)map)[1]);
                if (!string.IsNullOrEmpty(name)) return name;
            }
        }
        return fallback;
    }
}
