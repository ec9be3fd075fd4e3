using System.Runtime.InteropServices;

namespace Lunet.Interop;

/// <summary>
/// Machine code written at run time: each piece gets pages of its own, mapped
/// writable, written, then made executable (never both at once) and never made
/// writable again, since another thread may be running code in them. Pages are
/// never freed: the stubs and thunks live as long as the process.
/// </summary>
internal static unsafe class ExecutableMemory
{
    const int PageSize = 4096;
    const int PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4;
    const int MAP_PRIVATE = 2, MAP_ANONYMOUS_LINUX = 0x20, MAP_ANONYMOUS_DARWIN = 0x1000;
    const uint MEM_COMMIT = 0x1000, MEM_RESERVE = 0x2000, PAGE_READWRITE = 4, PAGE_EXECUTE_READ = 0x20;

    /// <summary>Every page written so far: what <see cref="Contains"/> answers from.</summary>
    static readonly HashSet<nint> Pages = new();

    /// <summary>Copies <paramref name="code"/> into new executable pages and returns its address.</summary>
    public static nint Write(ReadOnlySpan<byte> code)
    {
        nuint length = (nuint)((code.Length + PageSize - 1) / PageSize * PageSize);
        var at = Allocate(length);
        code.CopyTo(new Span<byte>(at, code.Length));
        MakeExecutable(at, length);
        lock (Pages)
            for (nuint page = 0; page < length; page += PageSize) Pages.Add((nint)(at + page));
        return (nint)at;
    }

    /// <summary>Whether <paramref name="address"/> lies in code written here (a stub, a thunk, a native function of the runtime's).</summary>
    public static bool Contains(nint address)
    {
        lock (Pages) return Pages.Contains(address & ~(nint)(PageSize - 1));
    }

    static byte* Allocate(nuint length)
    {
        if (OperatingSystem.IsWindows())
        {
            var p = VirtualAlloc(0, length, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
            if (p == 0) throw new InvalidOperationException("VirtualAlloc failed");
            return (byte*)p;
        }
        int anon = OperatingSystem.IsMacOS() ? MAP_ANONYMOUS_DARWIN : MAP_ANONYMOUS_LINUX;
        var m = mmap(0, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | anon, -1, 0);
        if (m == -1) throw new InvalidOperationException($"mmap failed (errno {Marshal.GetLastPInvokeError()})");
        return (byte*)m;
    }

    static void MakeExecutable(byte* p, nuint length)
    {
        if (OperatingSystem.IsWindows())
        {
            if (!VirtualProtect((nint)p, length, PAGE_EXECUTE_READ, out _))
                throw new InvalidOperationException("VirtualProtect failed");
            FlushInstructionCache(GetCurrentProcess(), (nint)p, length);
            return;
        }
        if (mprotect((nint)p, length, PROT_READ | PROT_EXEC) != 0)
            throw new InvalidOperationException($"mprotect failed (errno {Marshal.GetLastPInvokeError()})");
    }

    [DllImport("libc", SetLastError = true)] static extern nint mmap(nint addr, nuint len, int prot, int flags, int fd, nint off);
    [DllImport("libc", SetLastError = true)] static extern int mprotect(nint addr, nuint len, int prot);
    [DllImport("kernel32")] static extern nint VirtualAlloc(nint addr, nuint size, uint type, uint protect);
    [DllImport("kernel32")] static extern bool VirtualProtect(nint addr, nuint size, uint protect, out uint old);
    [DllImport("kernel32")] static extern bool FlushInstructionCache(nint process, nint addr, nuint size);
    [DllImport("kernel32")] static extern nint GetCurrentProcess();
}
