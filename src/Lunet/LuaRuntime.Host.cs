using System.Text;
using Lunet.Interop;
using static Lunet.Interop.LuaApi;

namespace Lunet;

// Host-facing additions used by the lunet command (its REPL).
public sealed unsafe partial class LuaRuntime
{
    /// <summary>
    /// Runs <paramref name="code"/> as a chunk and hands its results, if it returns any,
    /// to Lua's global <c>print</c> — what the lua REPL does with a line, so values print
    /// as Lua's tostring shows them (<c>table: 0x...</c>). Returns how many results there were.
    /// Errors are thrown as by <see cref="DoString"/>, with the traceback.
    /// </summary>
    public int DoStringAndPrint(string code, string chunkName = "=stdin")
    {
        var L = State;
        int top = gettop(L);
        try
        {
            PushTraceback();
            if (Load(Encoding.UTF8.GetBytes(code), chunkName) != LUA_OK)
                throw new LuaScriptException(LuaOps.ToStringOrNull(L, -1) ?? "syntax error", null);
            if (pcallk(L, 0, LUA_MULTRET, top + 1, 0, 0) != LUA_OK) throw ErrorFromStack(L);
            int n = gettop(L) - top - 1;
            if (n == 0) return 0;
            if (checkstack(L, 20) == 0) throw new LuaScriptException("too many results to print", null);
            fixed (byte* p = "print\0"u8) getglobal(L, p);
            rotate(L, top + 2, 1); // print goes below the results
            if (pcallk(L, n, 0, top + 1, 0, 0) != LUA_OK)
            {
                var e = ErrorFromStack(L);
                throw new LuaScriptException($"error calling 'print' ({e.Message})", e.LuaTraceback);
            }
            return n;
        }
        finally { settop(L, top); }
    }
}
