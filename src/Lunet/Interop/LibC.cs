using System.Runtime.InteropServices;

namespace Lunet.Interop;

/// <summary>The POSIX C library calls the runtime itself needs: the dynamic loader, page protection and stat.</summary>
internal static unsafe class LibC
{
    public const int RTLD_LAZY = 1, RTLD_NOW = 2, RTLD_DI_LINKMAP = 2, RTLD_DL_LINKMAP = 2;

    public static readonly nint Handle = Load();
    public static readonly delegate* unmanaged[Cdecl]<byte*, int, nint> dlopen = (delegate* unmanaged[Cdecl]<byte*, int, nint>)Export("dlopen");
    public static readonly delegate* unmanaged[Cdecl]<nint, byte*, nint> dlsym = (delegate* unmanaged[Cdecl]<nint, byte*, nint>)Export("dlsym");
    public static readonly delegate* unmanaged[Cdecl]<nint, int> dlclose = (delegate* unmanaged[Cdecl]<nint, int>)Export("dlclose");
    public static readonly delegate* unmanaged[Cdecl]<byte*> dlerror = (delegate* unmanaged[Cdecl]<byte*>)Export("dlerror");
    public static readonly delegate* unmanaged[Cdecl]<nint, int, nint*, int> dlinfo = (delegate* unmanaged[Cdecl]<nint, int, nint*, int>)ExportOrZero("dlinfo");
    public static readonly delegate* unmanaged[Cdecl]<nint, nint*, int> dladdr = (delegate* unmanaged[Cdecl]<nint, nint*, int>)Export("dladdr");

    /// <summary>dladdr1 (glibc): which loaded object holds an address, as its link_map. Null where absent.</summary>
    public static readonly delegate* unmanaged[Cdecl]<nint, nint*, nint*, int, int> dladdr1 = (delegate* unmanaged[Cdecl]<nint, nint*, nint*, int, int>)ExportOrZero("dladdr1");

    /// <summary>Where struct stat keeps the fields the runtime reads: offsets and sizes in bytes.</summary>
    public sealed record StatFields(int Device, int DeviceSize, int Inode, int Mode, int ModeSize);

    /// <summary>Larger than struct stat on every platform below.</summary>
    public const int StatBufferSize = 256;

    /// <summary>The struct stat layout of this platform, or null where the runtime does not know it.</summary>
    public static readonly StatFields? StatLayout =
        OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64 ? new(0, 8, 8, 24, 4)
        : OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? new(0, 8, 8, 16, 4)
        : OperatingSystem.IsMacOS() && RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? new(0, 4, 8, 4, 2)
        : null;

    // glibc before 2.33 exports stat only as __xstat(version, path, buf).
    static readonly delegate* unmanaged[Cdecl]<byte*, byte*, int> stat = (delegate* unmanaged[Cdecl]<byte*, byte*, int>)ExportOrZero("stat");
    static readonly delegate* unmanaged[Cdecl]<int, byte*, byte*, int> xstat = (delegate* unmanaged[Cdecl]<int, byte*, byte*, int>)ExportOrZero("__xstat");

    /// <summary>stat(2), following links; -1 with errno set on failure.</summary>
    public static int Stat(byte* path, byte* buffer) =>
        stat != null ? stat(path, buffer)
        : xstat != null ? xstat(RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 1 : 0, path, buffer)
        : -1;

    static nint Load()
    {
        if (OperatingSystem.IsWindows()) return 0;
        if (OperatingSystem.IsMacOS()) return NativeLibrary.Load("/usr/lib/libSystem.B.dylib");
        return NativeLibrary.TryLoad("libc.so.6", out var h) ? h : NativeLibrary.Load("libc");
    }

    static nint Export(string name)
    {
        if (Handle == 0) return 0;
        if (NativeLibrary.TryGetExport(Handle, name, out var p)) return p;
        // glibc before 2.34 keeps the loader functions in libdl.
        return NativeLibrary.GetExport(NativeLibrary.Load("libdl.so.2"), name);
    }

    static nint ExportOrZero(string name) => Handle != 0 && NativeLibrary.TryGetExport(Handle, name, out var p) ? p : 0;

    /// <summary>dlerror() as a string, or null.</summary>
    public static string? LastError()
    {
        var e = dlerror();
        return e == null ? null : Marshal.PtrToStringUTF8((nint)e);
    }

    /// <summary>The file that holds <paramref name="address"/>, as the loader reports it.</summary>
    public static string? FileOf(nint address)
    {
        // Dl_info: dli_fname, dli_fbase, dli_sname, dli_saddr
        nint* info = stackalloc nint[4];
        return dladdr(address, info) != 0 && info[0] != 0 ? Marshal.PtrToStringUTF8(info[0]) : null;
    }
}
