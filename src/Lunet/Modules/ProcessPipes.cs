using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Lunet.Interop;
using static Lunet.Interop.LuaApi;

namespace Lunet.Modules;

/// <summary>
/// io.popen as a POSIX build of Lua has it (the liblua54 that KeraLua ships raises
/// "'popen' not supported"). The file is a luaL_Stream of the io library's own "FILE*"
/// metatable, so read, write, lines, seek, close, io.type, io.input/io.output, __gc and
/// __close are liblua's; only its close function is ours: a lua_CFunction (C# behind the
/// error thunk) that closes the file, waits for the command and returns what os.execute returns.
/// </summary>
internal static unsafe class ProcessPipes
{
    /// <summary>luaL_Stream: the FILE* and the close function; a null close function marks it closed.</summary>
    [StructLayout(LayoutKind.Sequential)]
    struct Stream
    {
        public nint File;
        public nint Close;
        /// <summary>Ours, after liblua's two fields: the child that close waits for.</summary>
        public nint Pid;
    }

    /// <summary>The close function stored in each pipe's stream. liblua's aux_close calls it directly, so it has no upvalues.</summary>
    static readonly nint CloseFunction = NativeThunks.ErrorThunk((nint)(delegate* unmanaged[Cdecl]<nint, int>)&ClosePipe);

    /// <summary>"r", popen's default mode (never freed: shared by all runtimes).</summary>
    static readonly nint ReadMode = Marshal.StringToCoTaskMemUTF8("r");

    /// <summary>Pushes io.popen, or nil where liblua's own is kept (Windows).</summary>
    public static void PushPopen(nint L)
    {
        if (PosixCalls.Available && PosixCalls.fdopen != null && PosixCalls.fclose != null && PosixCalls.dup != null &&
            PosixCalls.close != null && ShellSpawn.Available) CFunction.Push(L, &Popen);
        else pushnil(L);
    }

    /// <summary>io.popen(prog [, mode]): mode "r" (the default) or "w", as lua 5.4 checks it.</summary>
    static int Popen(nint L)
    {
        byte* prog = StringArguments.Check(L, 1, "popen");
        byte* mode = StringArguments.Optional(L, 2, "popen", (byte*)ReadMode);
        if (!((mode[0] == 'r' || mode[0] == 'w') && mode[1] == 0))
            throw LuaException.BadArgument(2, "popen", "invalid mode");

        // As liblua's newprefile: a closed stream of the FILE* metatable first, so that a
        // failure below leaves nothing open. The registry's entry is read raw and checked:
        // under the full policy a script can reach the registry and replace it.
        if (LuaOps.RawGetField(L, LUA_REGISTRYINDEX, "FILE*") != TTABLE)
            throw new LuaException("popen: the io library's FILE* metatable is missing from the registry");
        var stream = (Stream*)newuserdatauv(L, (nuint)sizeof(Stream), 0);
        stream->File = 0;
        stream->Close = 0;
        stream->Pid = 0;
        rotate(L, -2, 1);
        setmetatable(L, -2);

        PosixCalls.fflush(0); // as lua: what the process buffered is written before the child's output
        int error = Open(prog, mode[0] == 'r', out stream->File, out int pid);
        if (error != 0) return PushFileError(L, prog, error);
        stream->Pid = pid;
        stream->Close = CloseFunction;
        return 1;
    }

    /// <summary>
    /// popen(3) made of a pipe and <see cref="ShellSpawn"/> (so the child gets SIGPIPE at its
    /// default): the parent's end as a FILE*, the child's end as its stdout ("r") or stdin ("w").
    /// Both ends are closed on exec, so no later child holds this pipe open. 0 or an error number.
    /// </summary>
    static int Open(byte* command, bool read, out nint file, out int pid)
    {
        file = 0;
        pid = 0;
        int* fds = stackalloc int[2];
        int error = PosixCalls.CloseOnExecPipe(fds);
        if (error != 0) return error;
        int parentEnd = read ? fds[0] : fds[1], childEnd = read ? fds[1] : fds[0], childFd = read ? 1 : 0;
        // dup2 onto itself would keep close-on-exec: the child's end must be another descriptor.
        int moved = childEnd == childFd ? PosixCalls.dup(childEnd) : -1;
        byte* mode = stackalloc byte[2] { (byte)(read ? 'r' : 'w'), 0 };
        Marshal.SetLastSystemError(0);
        file = PosixCalls.fdopen(parentEnd, mode);
        if (file == 0) error = Marshal.GetLastSystemError() is var e && e != 0 ? e : 12; // ENOMEM
        else if (childEnd == childFd && moved == -1) error = 24; // EMFILE
        else error = ShellSpawn.Start(command, moved != -1 ? moved : childEnd, childFd, defaultInterrupts: false, out pid);
        if (moved != -1) PosixCalls.close(moved);
        PosixCalls.close(childEnd);
        if (error != 0)
        {
            if (file != 0) PosixCalls.fclose(file);
            else PosixCalls.close(parentEnd);
            file = 0;
        }
        return error;
    }

    /// <summary>luaL_fileresult's failure: nil, "prog: error text", errno.</summary>
    static int PushFileError(nint L, byte* name, int errno)
    {
        var length = MemoryMarshal.CreateReadOnlySpanFromNullTerminated(name).Length;
        LuaOps.CheckPushLength(L, length, "popen");
        pushnil(L);
        pushlstring(L, name, (nuint)length);
        LuaOps.PushString(L, ": " + PosixCalls.ErrorText(errno));
        concat(L, 2);
        pushinteger(L, errno);
        return 3;
    }

    /// <summary>The stream's close function: liblua's f_close, io.close, __gc and __close call it with the checked file at 1.</summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    static int ClosePipe(nint L)
    {
        using var frame = ProtectedCall.Enter(L);
        try
        {
            var stream = (Stream*)touserdata(L, 1);
            if (stream == null || rawlen(L, 1) < (ulong)sizeof(Stream) || stream->File == 0)
                throw new LuaException("close: not a pipe that io.popen opened");
            var file = stream->File;
            stream->File = 0;
            PosixCalls.fclose(file);
            int status = ShellSpawn.Wait((int)stream->Pid, out int errno);
            return ExecResult.Push(L, status, errno);
        }
        catch (Exception e)
        {
            return CFunction.PushError(L, e);
        }
    }
}
