using Lunet.Interop;
using static Lunet.Interop.LuaApi;

namespace Lunet.Modules;

/// <summary>
/// What os.execute and a pipe's close return, as a POSIX build of Lua's luaL_execresult
/// gives them: true or nil, then "exit" and the exit code, or "signal" and the signal
/// number; nil, the error text and errno when the call failed. (The liblua54 that KeraLua
/// ships returns the raw wait status as an exit code: 768 for "exit 3".)
/// </summary>
internal static unsafe class ExecResult
{
    /// <summary>Pushes the results for <paramref name="status"/> (from system or pclose; -1 is a failure with <paramref name="errno"/>) and returns their count.</summary>
    public static int Push(nint L, int status, int errno)
    {
        if (status == -1 && errno != 0)
        {
            pushnil(L);
            LuaOps.PushString(L, PosixCalls.ErrorText(errno));
            pushinteger(L, errno);
            return 3;
        }
        var (what, code) = Inspect(status);
        if (what == "exit" && code == 0) pushboolean(L, 1);
        else pushnil(L);
        LuaOps.PushString(L, what);
        pushinteger(L, code);
        return 3;
    }

    /// <summary>WIFEXITED / WEXITSTATUS and WIFSIGNALED / WTERMSIG, as Linux and macOS encode a wait status.</summary>
    internal static (string What, int Code) Inspect(int status)
    {
        int low = status & 0x7f;
        if (low == 0) return ("exit", (status >> 8) & 0xff);
        if (low != 0x7f) return ("signal", low);
        return ("exit", status); // stopped: not a status system or pclose returns
    }
}
