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
    /// Errors are thrown as by <see cref="DoString"/>, with the traceback; a missing or
    /// failing <c>print</c> is an error "error calling 'print' (...)".
    /// </summary>
    public int DoStringAndPrint(string code, string chunkName = "=stdin")
    {
        using var use = Use();
        var L = State;
        using var frame = ProtectedCall.Enter(L);
        using var budget = StartBudget();
        int top = gettop(L);
        try
        {
            PushMessageHandler(1);
            if (Load(Encoding.UTF8.GetBytes(code), chunkName) != LUA_OK)
                throw new LuaScriptException(LuaOps.ToStringOrNull(L, -1) ?? "syntax error", null);
            if (ProtectedCall.Call(L, 0, LUA_MULTRET, top + 1) != LUA_OK) throw ErrorFromStack(L);
            int n = gettop(L) - top - 1;
            if (n == 0) return 0;
            // As lua.c: the global print of the moment (read in a protected call: _G may have an __index), called with the results.
            if (checkstack(L, 20) == 0) throw new LuaScriptException("error calling 'print' (too many results to print)", null);
            PushRuntimeFunction(RuntimeFunctions.GetTable);
            rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
            LuaOps.PushString(L, "print");
            int status = ProtectedCall.Call(L, 2, 1, top + 1);
            if (status == LUA_OK)
            {
                rotate(L, top + 2, 1); // print goes below the results
                status = ProtectedCall.Call(L, n, 0, top + 1);
            }
            if (status != LUA_OK)
            {
                var e = ErrorFromStack(L);
                throw new LuaScriptException($"error calling 'print' ({e.Message})", e.LuaTraceback);
            }
            return n;
        }
        finally { settop(L, top); }
    }

    /// <summary>
    /// Flushes Lua's standard output (where print and io.write go, C stdio), with the stdout
    /// and flush function io had when the runtime started; errors (a closed stdout) are ignored.
    /// </summary>
    internal void FlushOutput()
    {
        using var use = Use();
        var L = State;
        using var frame = ProtectedCall.Enter(L);
        int top = gettop(L);
        if (checkstack(L, 2) != 0 && RuntimeFunctions.Push(L, RuntimeFunctions.FlushOutput))
            ProtectedCall.Call(L, 0, 0, 0);
        settop(L, top);
    }
}
