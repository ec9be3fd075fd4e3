using System.Runtime.InteropServices;
using System.Text;
using Lunet.Interop;

namespace Lunet.Ffi.Libraries;

/// <summary>
/// Which file a path names, whatever the path's spelling: device and inode (stat,
/// following links) on Linux and macOS, the final path after links elsewhere. Two
/// paths to one file (a symlink, /proc/self/cwd/.., a bind mount) have one identity.
/// </summary>
internal unsafe readonly record struct FileIdentity(ulong Device, ulong Inode, string? FinalPath)
{
    /// <summary>What kind of file a path names: only regular files are libraries.</summary>
    public enum Kind { Regular, Directory, Fifo, CharacterDevice, BlockDevice, Socket, Other }

    /// <summary>The identity and kind of <paramref name="path"/>'s file, or false and why not (the system's words).</summary>
    public static bool TryOf(string path, out FileIdentity identity, out Kind kind, out string? error)
    {
        identity = default;
        kind = Kind.Other;
        error = null;
        if (path.Contains('\0')) { error = "the path holds a NUL byte"; return false; }
        if (LibC.StatLayout is not { } layout) return TryByFinalPath(path, out identity, out kind, out error);
        var buffer = stackalloc byte[LibC.StatBufferSize];
        int result;
        fixed (byte* p = Encoding.UTF8.GetBytes(path + "\0")) result = LibC.Stat(p, buffer);
        if (result != 0)
        {
            error = Marshal.GetPInvokeErrorMessage(Marshal.GetLastSystemError());
            return false;
        }
        ulong device = layout.DeviceSize == 8 ? *(ulong*)(buffer + layout.Device) : *(uint*)(buffer + layout.Device);
        uint mode = layout.ModeSize == 4 ? *(uint*)(buffer + layout.Mode) : *(ushort*)(buffer + layout.Mode);
        identity = new FileIdentity(device, *(ulong*)(buffer + layout.Inode), null);
        kind = (mode & 0xF000) switch
        {
            0x8000 => Kind.Regular,
            0x4000 => Kind.Directory,
            0x1000 => Kind.Fifo,
            0x2000 => Kind.CharacterDevice,
            0x6000 => Kind.BlockDevice,
            0xC000 => Kind.Socket,
            _ => Kind.Other,
        };
        return true;
    }

    static bool TryByFinalPath(string path, out FileIdentity identity, out Kind kind, out string? error)
    {
        identity = default;
        kind = Kind.Other;
        error = null;
        try
        {
            var full = Path.GetFullPath(path);
            var final = File.ResolveLinkTarget(full, returnFinalTarget: true)?.FullName ?? full;
            if (Directory.Exists(final)) kind = Kind.Directory;
            else if (File.Exists(final)) kind = Kind.Regular;
            else { error = "No such file or directory"; return false; }
            identity = new FileIdentity(0, 0, OperatingSystem.IsWindows() ? final.ToUpperInvariant() : final);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            error = e.Message;
            return false;
        }
    }

    public static string Describe(Kind kind) => kind switch
    {
        Kind.Directory => "a directory",
        Kind.Fifo => "a FIFO",
        Kind.CharacterDevice => "a character device",
        Kind.BlockDevice => "a block device",
        Kind.Socket => "a socket",
        _ => "not a regular file",
    };
}
