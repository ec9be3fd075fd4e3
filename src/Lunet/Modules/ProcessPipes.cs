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
/// error thunk) that pclose()s and returns what os.execute returns.
/// </summary>
internal static unsafe class ProcessPipes
{
    /// <summary>luaL_Stream: the FILE* and the close function; a null close function marks it closed.</summary>
    [StructLayout(LayoutKind.Sequential)]
    struct Stream
    {
        public nint File;
        public nint Close;
    }

    /// <summary>The close function stored in each pipe's stream. liblua's aux_close calls it directly, so it has no upvalues.</summary>
    static readonly nint CloseFunction = NativeThunks.ErrorThunk((nint)(delegate* unmanaged[Cdecl]<nint, int>)&ClosePipe);

    /// <summary>"r", popen's default mode (never freed: shared by all runtimes).</summary>
    static readonly nint ReadMode = Marshal.StringToCoTaskMemUTF8("r");

    /// <summary>Pushes io.popen, or nil where liblua's own is kept (Windows).</summary>
    public static void PushPopen(nint L)
    {
        if (PosixCalls.Available && PosixCalls.popen != null && PosixCalls.pclose != null) CFunction.Push(L, &Popen);
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
        rotate(L, -2, 1);
        setmetatable(L, -2);

        PosixCalls.fflush(0); // as lua: what the process buffered is written before the child's output
        Marshal.SetLastSystemError(0);
        stream->File = PosixCalls.popen(prog, mode);
        if (stream->File == 0) return PushFileError(L, prog, Marshal.GetLastSystemError());
        stream->Close = CloseFunction;
        return 1;
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
            Marshal.SetLastSystemError(0);
            int status = PosixCalls.pclose(file);
            return ExecResult.Push(L, status, Marshal.GetLastSystemError());
        }
        catch (Exception e)
        {
            return CFunction.PushError(L, e);
        }
    }
}
