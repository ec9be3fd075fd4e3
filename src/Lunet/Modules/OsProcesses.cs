using System.Runtime.InteropServices;
using Lunet.Interop;
using static Lunet.Interop.LuaApi;

namespace Lunet.Modules;

/// <summary>
/// os.execute and os.tmpname as a POSIX build of Lua has them. The liblua54 that KeraLua
/// ships returns os.execute's raw wait status ("exit", 768 for "exit 3"; a signal is an
/// "exit" too) and makes os.tmpname's name with tmpnam, which creates no file (another
/// process can take the name first); POSIX Lua creates the file with mkstemp.
/// os.execute starts its shell as io.popen does (<see cref="ShellSpawn"/>).
/// </summary>
internal static unsafe class OsProcesses
{
    /// <summary>Pushes os.execute and os.tmpname (each nil where liblua's own is kept: Windows).</summary>
    public static void PushFunctions(nint L)
    {
        if (PosixCalls.Available && PosixCalls.system != null && ShellSpawn.Available) CFunction.Push(L, &Execute);
        else pushnil(L);
        if (PosixCalls.Available && PosixCalls.mkstemp != null && PosixCalls.close != null) CFunction.Push(L, &TemporaryName);
        else pushnil(L);
    }

    /// <summary>
    /// os.execute([command]): with no command, whether a shell is there. As system(), with
    /// SIGINT and SIGQUIT ignored here while the command runs (Ctrl-C stops the command, not
    /// the script), but started by <see cref="ShellSpawn"/>, so the command gets SIGPIPE at its default.
    /// </summary>
    static int Execute(nint L)
    {
        byte* command = StringArguments.Optional(L, 1, "execute", null);
        if (command == null)
        {
            pushboolean(L, PosixCalls.system(null) != 0 ? 1 : 0);
            return 1;
        }
        ShellSpawn.IgnoreInterrupts();
        int status, errno;
        try
        {
            errno = ShellSpawn.Start(command, -1, -1, defaultInterrupts: true, out int pid);
            status = errno == 0 ? ShellSpawn.Wait(pid, out errno) : -1;
        }
        finally { ShellSpawn.RestoreInterrupts(); }
        return ExecResult.Push(L, status, errno);
    }

    /// <summary>os.tmpname(): a new empty file's name, made by mkstemp from lua's template.</summary>
    static int TemporaryName(nint L)
    {
        var template = "/tmp/lua_XXXXXX\0"u8;
        byte* name = stackalloc byte[template.Length];
        template.CopyTo(new Span<byte>(name, template.Length));
        int fd = PosixCalls.mkstemp(name);
        if (fd == -1) throw new LuaException("unable to generate a unique filename");
        PosixCalls.close(fd);
        pushlstring(L, name, (nuint)(template.Length - 1));
        return 1;
    }
}
