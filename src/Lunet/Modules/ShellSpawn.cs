using System.Runtime.InteropServices;
using Lunet.Interop;

namespace Lunet.Modules;

/// <summary>
/// Starts "/bin/sh -c command" with posix_spawn, as glibc's popen and system do, but with
/// SIGPIPE back at its default in the child: the .NET runtime ignores SIGPIPE, and an
/// ignored signal stays ignored across exec, so a child that popen or system started from
/// Lunet would see write errors ("Broken pipe") where under lua5.4 it ends quietly (a
/// reader that closed early, `yes | head -1`). The child's signal mask is emptied too.
/// </summary>
internal static unsafe class ShellSpawn
{
    const int SIGINT = 2, SIGQUIT = 3, SIGPIPE = 13;
    const short POSIX_SPAWN_SETSIGDEF = 0x04, POSIX_SPAWN_SETSIGMASK = 0x08;
    const int EINTR = 4;

    /// <summary>Larger than posix_spawnattr_t, posix_spawn_file_actions_t, sigset_t and struct sigaction on Linux and macOS.</summary>
    const int OpaqueSize = 1024;

    static readonly delegate* unmanaged[Cdecl]<int*, byte*, void*, void*, byte**, byte**, int> posix_spawn = (delegate* unmanaged[Cdecl]<int*, byte*, void*, void*, byte**, byte**, int>)PosixCalls.Export("posix_spawn");
    static readonly delegate* unmanaged[Cdecl]<void*, int> attrInit = (delegate* unmanaged[Cdecl]<void*, int>)PosixCalls.Export("posix_spawnattr_init");
    static readonly delegate* unmanaged[Cdecl]<void*, int> attrDestroy = (delegate* unmanaged[Cdecl]<void*, int>)PosixCalls.Export("posix_spawnattr_destroy");
    static readonly delegate* unmanaged[Cdecl]<void*, void*, int> setSigDefault = (delegate* unmanaged[Cdecl]<void*, void*, int>)PosixCalls.Export("posix_spawnattr_setsigdefault");
    static readonly delegate* unmanaged[Cdecl]<void*, void*, int> setSigMask = (delegate* unmanaged[Cdecl]<void*, void*, int>)PosixCalls.Export("posix_spawnattr_setsigmask");
    static readonly delegate* unmanaged[Cdecl]<void*, short, int> setFlags = (delegate* unmanaged[Cdecl]<void*, short, int>)PosixCalls.Export("posix_spawnattr_setflags");
    static readonly delegate* unmanaged[Cdecl]<void*, int> actionsInit = (delegate* unmanaged[Cdecl]<void*, int>)PosixCalls.Export("posix_spawn_file_actions_init");
    static readonly delegate* unmanaged[Cdecl]<void*, int> actionsDestroy = (delegate* unmanaged[Cdecl]<void*, int>)PosixCalls.Export("posix_spawn_file_actions_destroy");
    static readonly delegate* unmanaged[Cdecl]<void*, int, int, int> addDup2 = (delegate* unmanaged[Cdecl]<void*, int, int, int>)PosixCalls.Export("posix_spawn_file_actions_adddup2");
    static readonly delegate* unmanaged[Cdecl]<void*, int> sigemptyset = (delegate* unmanaged[Cdecl]<void*, int>)PosixCalls.Export("sigemptyset");
    static readonly delegate* unmanaged[Cdecl]<void*, int, int> sigaddset = (delegate* unmanaged[Cdecl]<void*, int, int>)PosixCalls.Export("sigaddset");
    static readonly delegate* unmanaged[Cdecl]<int, void*, void*, int> sigaction = (delegate* unmanaged[Cdecl]<int, void*, void*, int>)PosixCalls.Export("sigaction");
    static readonly delegate* unmanaged[Cdecl]<int, int*, int, int> waitpid = (delegate* unmanaged[Cdecl]<int, int*, int, int>)PosixCalls.Export("waitpid");
    static readonly nint environ = PosixCalls.Export("environ");
    static readonly delegate* unmanaged[Cdecl]<byte***> nsGetEnviron = (delegate* unmanaged[Cdecl]<byte***>)PosixCalls.Export("_NSGetEnviron");

    /// <summary>The process's environment for the child (macOS keeps it behind _NSGetEnviron).</summary>
    static byte** Environment() => environ != 0 ? *(byte***)environ : *nsGetEnviron();

    public static bool Available =>
        posix_spawn != null && attrInit != null && attrDestroy != null && setSigDefault != null && setSigMask != null &&
        setFlags != null && actionsInit != null && actionsDestroy != null && addDup2 != null && sigemptyset != null &&
        sigaddset != null && sigaction != null && waitpid != null && (environ != 0 || nsGetEnviron != null);

    static readonly nint Shell = Marshal.StringToCoTaskMemUTF8("/bin/sh");
    static readonly nint ShellName = Marshal.StringToCoTaskMemUTF8("sh");
    static readonly nint DashC = Marshal.StringToCoTaskMemUTF8("-c");

    /// <summary>
    /// Starts the shell on <paramref name="command"/>; <paramref name="childEnd"/> (when not -1)
    /// becomes its descriptor <paramref name="childFd"/>. Returns 0 and the pid, or an error number.
    /// </summary>
    public static int Start(byte* command, int childEnd, int childFd, bool defaultInterrupts, out int pid)
    {
        byte* attr = stackalloc byte[OpaqueSize];
        byte* actions = stackalloc byte[OpaqueSize];
        byte* signals = stackalloc byte[OpaqueSize];
        new Span<byte>(attr, OpaqueSize).Clear();
        new Span<byte>(actions, OpaqueSize).Clear();
        new Span<byte>(signals, OpaqueSize).Clear();
        pid = 0;
        int error = attrInit(attr);
        if (error != 0) return error;
        error = actionsInit(actions);
        if (error != 0) { attrDestroy(attr); return error; }
        try
        {
            sigemptyset(signals);
            sigaddset(signals, SIGPIPE);
            if (defaultInterrupts) { sigaddset(signals, SIGINT); sigaddset(signals, SIGQUIT); }
            if ((error = setSigDefault(attr, signals)) != 0) return error;
            sigemptyset(signals);
            if ((error = setSigMask(attr, signals)) != 0) return error;
            if ((error = setFlags(attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)) != 0) return error;
            if (childEnd != -1 && childEnd != childFd && (error = addDup2(actions, childEnd, childFd)) != 0) return error;
            byte** argv = stackalloc byte*[4];
            argv[0] = (byte*)ShellName;
            argv[1] = (byte*)DashC;
            argv[2] = command;
            argv[3] = null;
            int child;
            error = posix_spawn(&child, (byte*)Shell, actions, attr, argv, Environment());
            if (error == 0) pid = child;
            return error;
        }
        finally
        {
            actionsDestroy(actions);
            attrDestroy(attr);
        }
    }

    /// <summary>waitpid for <paramref name="pid"/>, again when a signal interrupts it: the wait status, or -1 with errno in <paramref name="errno"/>.</summary>
    public static int Wait(int pid, out int errno)
    {
        int status;
        while (true)
        {
            Marshal.SetLastSystemError(0);
            int r = waitpid(pid, &status, 0);
            errno = Marshal.GetLastSystemError();
            if (r == pid) { errno = 0; return status; }
            if (r == -1 && errno == EINTR) continue;
            return -1;
        }
    }

    static readonly object InterruptsLock = new();
    static int interruptsIgnored;
    static readonly nint SavedInterrupt = Marshal.AllocHGlobal(OpaqueSize), SavedQuit = Marshal.AllocHGlobal(OpaqueSize);

    /// <summary>
    /// As system() does while it waits: SIGINT and SIGQUIT ignored in this process (the child,
    /// in the same process group, gets them), counted so that runtimes on two threads restore
    /// the handlers the process had.
    /// </summary>
    public static void IgnoreInterrupts()
    {
        lock (InterruptsLock)
        {
            if (interruptsIgnored++ > 0) return;
            byte* ignore = stackalloc byte[OpaqueSize];
            new Span<byte>(ignore, OpaqueSize).Clear();
            *(nint*)ignore = 1; // sa_handler = SIG_IGN, first in struct sigaction on Linux and macOS; empty mask, no flags
            sigaction(SIGINT, ignore, (void*)SavedInterrupt);
            sigaction(SIGQUIT, ignore, (void*)SavedQuit);
        }
    }

    public static void RestoreInterrupts()
    {
        lock (InterruptsLock)
        {
            if (--interruptsIgnored > 0) return;
            sigaction(SIGINT, (void*)SavedInterrupt, null);
            sigaction(SIGQUIT, (void*)SavedQuit, null);
        }
    }
}
