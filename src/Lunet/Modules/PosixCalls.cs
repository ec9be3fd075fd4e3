using Lunet.Interop;
using System.Runtime.InteropServices;

namespace Lunet.Modules;

/// <summary>
/// The C library's process and stdio calls that the POSIX parts of the standard library need
/// (<see cref="ProcessPipes"/>, <see cref="OsProcesses"/>): the liblua54 that KeraLua ships was
/// built as plain ISO C, without them. Null on Windows, where those parts are liblua's own.
/// </summary>
internal static unsafe class PosixCalls
{
    public static readonly bool Available = !OperatingSystem.IsWindows() && LibC.Handle != 0;

    public static readonly delegate* unmanaged[Cdecl]<byte*, byte*, nint> popen = (delegate* unmanaged[Cdecl]<byte*, byte*, nint>)Export("popen");
    public static readonly delegate* unmanaged[Cdecl]<nint, int> pclose = (delegate* unmanaged[Cdecl]<nint, int>)Export("pclose");
    public static readonly delegate* unmanaged[Cdecl]<nint, int> fflush = (delegate* unmanaged[Cdecl]<nint, int>)Export("fflush");
    public static readonly delegate* unmanaged[Cdecl]<byte*, int> system = (delegate* unmanaged[Cdecl]<byte*, int>)Export("system");
    public static readonly delegate* unmanaged[Cdecl]<byte*, int> mkstemp = (delegate* unmanaged[Cdecl]<byte*, int>)Export("mkstemp");
    public static readonly delegate* unmanaged[Cdecl]<int, int> close = (delegate* unmanaged[Cdecl]<int, int>)Export("close");
    static readonly delegate* unmanaged[Cdecl]<int, byte*> strerror = (delegate* unmanaged[Cdecl]<int, byte*>)Export("strerror");

    static nint Export(string name) =>
        Available && NativeLibrary.TryGetExport(LibC.Handle, name, out var p) ? p : 0;

    /// <summary>strerror(<paramref name="errno"/>), the text Lua's own io and os functions give.</summary>
    public static string ErrorText(int errno)
    {
        var text = strerror != null ? strerror(errno) : null;
        return text == null ? $"error {errno}" : Marshal.PtrToStringUTF8((nint)text) ?? $"error {errno}";
    }
}
