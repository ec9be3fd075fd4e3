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

    public static readonly delegate* unmanaged[Cdecl]<int, byte*, nint> fdopen = (delegate* unmanaged[Cdecl]<int, byte*, nint>)Export("fdopen");
    public static readonly delegate* unmanaged[Cdecl]<nint, int> fclose = (delegate* unmanaged[Cdecl]<nint, int>)Export("fclose");
    public static readonly delegate* unmanaged[Cdecl]<int, int> dup = (delegate* unmanaged[Cdecl]<int, int>)Export("dup");
    static readonly delegate* unmanaged[Cdecl]<int*, int, int> pipe2 = (delegate* unmanaged[Cdecl]<int*, int, int>)Export("pipe2");
    static readonly delegate* unmanaged[Cdecl]<int*, int> pipe = (delegate* unmanaged[Cdecl]<int*, int>)Export("pipe");
    // fcntl is variadic: called through the thunk that sets the vector-register count.
    static readonly delegate* unmanaged[Cdecl]<int, int, int, int> fcntl = (delegate* unmanaged[Cdecl]<int, int, int, int>)VariadicExport("fcntl");
    public static readonly delegate* unmanaged[Cdecl]<nint, int> fflush = (delegate* unmanaged[Cdecl]<nint, int>)Export("fflush");
    public static readonly delegate* unmanaged[Cdecl]<byte*, int> system = (delegate* unmanaged[Cdecl]<byte*, int>)Export("system");
    public static readonly delegate* unmanaged[Cdecl]<byte*, int> mkstemp = (delegate* unmanaged[Cdecl]<byte*, int>)Export("mkstemp");
    public static readonly delegate* unmanaged[Cdecl]<int, int> close = (delegate* unmanaged[Cdecl]<int, int>)Export("close");
    static readonly delegate* unmanaged[Cdecl]<int, byte*> strerror = (delegate* unmanaged[Cdecl]<int, byte*>)Export("strerror");

    public static nint Export(string name) =>
        Available && NativeLibrary.TryGetExport(LibC.Handle, name, out var p) ? p : 0;

    static nint VariadicExport(string name) => Export(name) is var p && p != 0 ? NativeThunks.VariadicThunk(p) : 0;

    /// <summary>A pipe whose two descriptors are closed on exec (pipe2 where there is one, else pipe and fcntl); 0 or errno.</summary>
    public static int CloseOnExecPipe(int* fds)
    {
        const int O_CLOEXEC_LINUX = 0x80000, F_SETFD = 2, FD_CLOEXEC = 1;
        Marshal.SetLastSystemError(0);
        if (pipe2 != null && OperatingSystem.IsLinux())
            return pipe2(fds, O_CLOEXEC_LINUX) == 0 ? 0 : Marshal.GetLastSystemError();
        if (pipe == null || fcntl == null) return 38; // ENOSYS
        if (pipe(fds) != 0) return Marshal.GetLastSystemError();
        fcntl(fds[0], F_SETFD, FD_CLOEXEC);
        fcntl(fds[1], F_SETFD, FD_CLOEXEC);
        return 0;
    }

    /// <summary>strerror(<paramref name="errno"/>), the text Lua's own io and os functions give.</summary>
    public static string ErrorText(int errno)
    {
        var text = strerror != null ? strerror(errno) : null;
        return text == null ? $"error {errno}" : Marshal.PtrToStringUTF8((nint)text) ?? $"error {errno}";
    }
}
