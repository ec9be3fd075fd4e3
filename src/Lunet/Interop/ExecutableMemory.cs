using System.Runtime.InteropServices;

namespace Lunet.Interop;

/// <summary>
/// Pages of machine code written at run time: mapped writable, written, then made
/// executable (never both at once). Code is appended; pages are never freed,
/// since the thunks they hold live as long as the process.
/// </summary>
internal static unsafe class ExecutableMemory
{
    const int PageSize = 4096;
    const int PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4;
    const int MAP_PRIVATE = 2, MAP_ANONYMOUS_LINUX = 0x20, MAP_ANONYMOUS_DARWIN = 0x1000;
    const uint MEM_COMMIT = 0x1000, MEM_RESERVE = 0x2000, PAGE_READWRITE = 4, PAGE_EXECUTE_READ = 0x20;

    static readonly object Gate = new();
    static byte* page;
    static int used = PageSize;

    /// <summary>Copies <paramref name="code"/> into executable memory and returns its address.</summary>
    public static nint Write(ReadOnlySpan<byte> code)
    {
        if (code.Length > PageSize) throw new ArgumentException("thunk larger than a page");
        lock (Gate)
        {
            if (used + code.Length > PageSize)
            {
                page = Allocate();
                used = 0;
            }
            else
            {
                Protect(page, writable: true);
            }
            var at = page + used;
            code.CopyTo(new Span<byte>(at, code.Length));
            used += (code.Length + 15) & ~15;
            Protect(page, writable: false);
            return (nint)at;
        }
    }

    static byte* Allocate()
    {
        if (OperatingSystem.IsWindows())
        {
            var p = VirtualAlloc(0, PageSize, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
            if (p == 0) throw new InvalidOperationException("VirtualAlloc failed");
            return (byte*)p;
        }
        int anon = OperatingSystem.IsMacOS() ? MAP_ANONYMOUS_DARWIN : MAP_ANONYMOUS_LINUX;
        var m = mmap(0, PageSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | anon, -1, 0);
        if (m == -1) throw new InvalidOperationException($"mmap failed (errno {Marshal.GetLastPInvokeError()})");
        return (byte*)m;
    }

    static void Protect(byte* p, bool writable)
    {
        if (OperatingSystem.IsWindows())
        {
            if (!VirtualProtect((nint)p, PageSize, writable ? PAGE_READWRITE : PAGE_EXECUTE_READ, out _))
                throw new InvalidOperationException("VirtualProtect failed");
            if (!writable) FlushInstructionCache(GetCurrentProcess(), (nint)p, PageSize);
            return;
        }
        if (mprotect((nint)p, PageSize, writable ? PROT_READ | PROT_WRITE : PROT_READ | PROT_EXEC) != 0)
            throw new InvalidOperationException($"mprotect failed (errno {Marshal.GetLastPInvokeError()})");
    }

    [DllImport("libc", SetLastError = true)] static extern nint mmap(nint addr, nuint len, int prot, int flags, int fd, nint off);
    [DllImport("libc", SetLastError = true)] static extern int mprotect(nint addr, nuint len, int prot);
    [DllImport("kernel32")] static extern nint VirtualAlloc(nint addr, nuint size, uint type, uint protect);
    [DllImport("kernel32")] static extern bool VirtualProtect(nint addr, nuint size, uint protect, out uint old);
    [DllImport("kernel32")] static extern bool FlushInstructionCache(nint process, nint addr, nuint size);
    [DllImport("kernel32")] static extern nint GetCurrentProcess();
}
