using System.Runtime.InteropServices;

namespace Lunet.Interop;

/// <summary>The POSIX C library calls the runtime itself needs: the dynamic loader and page protection.</summary>
internal static unsafe class LibC
{
    public const int RTLD_LAZY = 1, RTLD_NOW = 2, RTLD_DI_LINKMAP = 2;

    public static readonly nint Handle = Load();
    public static readonly delegate* unmanaged[Cdecl]<byte*, int, nint> dlopen = (delegate* unmanaged[Cdecl]<byte*, int, nint>)Export("dlopen");
    public static readonly delegate* unmanaged[Cdecl]<nint, byte*, nint> dlsym = (delegate* unmanaged[Cdecl]<nint, byte*, nint>)Export("dlsym");
    public static readonly delegate* unmanaged[Cdecl]<nint, int> dlclose = (delegate* unmanaged[Cdecl]<nint, int>)Export("dlclose");
    public static readonly delegate* unmanaged[Cdecl]<byte*> dlerror = (delegate* unmanaged[Cdecl]<byte*>)Export("dlerror");
    public static readonly delegate* unmanaged[Cdecl]<nint, int, nint*, int> dlinfo = (delegate* unmanaged[Cdecl]<nint, int, nint*, int>)ExportOrZero("dlinfo");
    public static readonly delegate* unmanaged[Cdecl]<nint, nint*, int> dladdr = (delegate* unmanaged[Cdecl]<nint, nint*, int>)Export("dladdr");

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
