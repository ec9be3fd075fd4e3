using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Lunet.Interop;
using static Lunet.Interop.LuaApi;

namespace Lunet;

// The instruction and time budget of a host call (LuaRuntimeOptions.InstructionLimit / Timeout).
public sealed unsafe partial class LuaRuntime
{
    /// <summary>Instructions between two looks at the budget while it lasts.</summary>
    const int HookInterval = 1000;

    static readonly delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int> gethookcount =
        (delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int>)NativeLibrary.GetExport(Handle, "lua_gethookcount");

    /// <summary>The count hook: C# behind the error thunk, which raises from native code when it returns -1.</summary>
    static readonly nint HookThunk = NativeThunks.ErrorThunk((nint)(delegate* unmanaged[Cdecl]<nint, int>)&Hook);

    int budgetDepth;
    long instructionsRun;
    long budgetStart;
    string? budgetSpent;

    bool HasBudget => Options.InstructionLimit != null || Options.Timeout != null;

    void InstallBudgetHook()
    {
        if (HasBudget) sethook(state, HookThunk, LUA_MASKCOUNT, HookInterval);
    }

    /// <summary>Starts the budget at the outermost host call; nested calls (from registered functions) share it.</summary>
    BudgetScope StartBudget()
    {
        // Every host call that runs Lua starts here: the one place to refuse re-entry from a coroutine.
        if (hostCallsInCoroutines > 0)
            throw new LuaScriptException("a registered function called inside a coroutine cannot run Lua code through the runtime", null);
        if (budgetDepth++ == 0)
        {
            instructionsRun = 0;
            budgetStart = Stopwatch.GetTimestamp();
            budgetSpent = null;
            if (HasBudget) sethook(state, HookThunk, LUA_MASKCOUNT, HookInterval);
        }
        return new BudgetScope(this);
    }

    internal readonly ref struct BudgetScope
    {
        readonly LuaRuntime runtime;
        internal BudgetScope(LuaRuntime r) => runtime = r;
        public void Dispose() => runtime.budgetDepth--;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    static int Hook(nint L)
    {
        using var frame = ProtectedCall.Enter(L);
        try
        {
            var runtime = Of(L);
            if (runtime == null || runtime.budgetDepth == 0) return 0;
            return runtime.CheckBudget(L);
        }
        catch (Exception e)
        {
            return CFunction.PushError(L, e);
        }
    }

    /// <summary>
    /// Once the budget is spent the hook raises at every instruction of every thread until the
    /// host call returns: a pcall can catch the error, but the next instruction raises again.
    /// </summary>
    int CheckBudget(nint L)
    {
        int every = gethookcount(L);
        instructionsRun += every;
        if (budgetSpent == null)
        {
            if (Options.InstructionLimit is long limit && instructionsRun > limit)
                budgetSpent = $"the script ran past its instruction limit ({limit})";
            else if (Options.Timeout is TimeSpan timeout && Stopwatch.GetElapsedTime(budgetStart) > timeout)
                budgetSpent = $"the script ran past its time limit ({timeout.TotalMilliseconds} ms)";
        }
        if (budgetSpent == null)
        {
            if (every != HookInterval) sethook(L, HookThunk, LUA_MASKCOUNT, HookInterval);
            return 0;
        }
        if (every != 1) sethook(L, HookThunk, LUA_MASKCOUNT, 1);
        where(L, 0);
        LuaOps.PushString(L, budgetSpent);
        concat(L, 2);
        return -1;
    }
}
