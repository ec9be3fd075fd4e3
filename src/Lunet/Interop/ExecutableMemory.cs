using System.Runtime.InteropServices;

namespace Lunet.Interop;

/// <summary>
/// Pages of machine code written at run time: mapped writable, written, then made
/// executable (never both at once). Each piece of code gets pages of its own, which
/// are never written again nor freed: another thread may be running code on an
/// executable page at any moment, so making such a page writable again (to append)
/// would fault that thread. The thunks and stubs live as long as the process and are
/// cached, so there are few of them.
/// </summary>
internal static unsafe class ExecutableMemory
{
    const int PageSize = 4096;
    const int PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4;
    const int MAP_PRIVATE = 2, MAP_ANONYMOUS_LINUX = 0x20, MAP_ANONYMOUS_DARWIN = 0x1000;
    const uint MEM_COMMIT = 0x1000, MEM_RESERVE = 0x2000, PAGE_READWRITE = 4, PAGE_EXECUTE_READ = 0x20;

    /// <summary>Copies <paramref name="code"/> into new executable memory and returns its address.</summary>
    public static nint Write(ReadOnlySpan<byte> code)
    {
        if (code.Length == 0) throw new ArgumentException("no code");
        nuint size = (nuint)((code.Length + PageSize - 1) & ~(PageSize - 1));
        var at = Allocate(size);
        code.CopyTo(new Span<byte>(at, code.Length));
        Protect(at, size);
        return (nint)at;
    }

    static byte* Allocate(nuint size)
    {
        if (OperatingSystem.IsWindows())
        {
            var p = VirtualAlloc(0, size, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
            if (p == 0) throw new InvalidOperationException("VirtualAlloc failed");
            return (byte*)p;
        }
        int anon = OperatingSystem.IsMacOS() ? MAP_ANONYMOUS_DARWIN : MAP_ANONYMOUS_LINUX;
        var m = mmap(0, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | anon, -1, 0);
        if (m == -1) throw new InvalidOperationException($"mmap failed (errno {Marshal.GetLastPInvokeError()})");
        return (byte*)m;
    }

    /// <summary>Makes the pages read + execute, for good.</summary>
    static void Protect(byte* p, nuint size)
    {
        if (OperatingSystem.IsWindows())
        {
            if (!VirtualProtect((nint)p, size, PAGE_EXECUTE_READ, out _))
                throw new InvalidOperationException("VirtualProtect failed");
            FlushInstructionCache(GetCurrentProcess(), (nint)p, size);
            return;
        }
        if (mprotect((nint)p, size, PROT_READ | PROT_EXEC) != 0)
            throw new InvalidOperationException($"mprotect failed (errno {Marshal.GetLastPInvokeError()})");
    }

    [DllImport("libc", SetLastError = true)] static extern nint mmap(nint addr, nuint len, int prot, int flags, int fd, nint off);
    [DllImport("libc", SetLastError = true)] static extern int mprotect(nint addr, nuint len, int prot);
    [DllImport("kernel32")] static extern nint VirtualAlloc(nint addr, nuint size, uint type, uint protect);
    [DllImport("kernel32")] static extern bool VirtualProtect(nint addr, nuint size, uint protect, out uint old);
    [DllImport("kernel32")] static extern bool FlushInstructionCache(nint process, nint addr, nuint size);
    [DllImport("kernel32")] static extern nint GetCurrentProcess();
}
