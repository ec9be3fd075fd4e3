using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using static Lunet.Interop.LuaApi;

namespace Lunet.Interop;

/// <summary>
/// C# functions exposed to Lua. Every one goes through a single unmanaged entry,
/// reached through the native error thunk: upvalue 1 holds the managed function
/// pointer; the entry catches every exception and turns it into an error message
/// plus -1, which the thunk raises with lua_error.
/// </summary>
internal static unsafe class CFunction
{
    static readonly nint EntryThunk = NativeThunks.ErrorThunk((nint)(delegate* unmanaged[Cdecl]<nint, int>)&Entry);

    /// <summary>
    /// The Lua C function every C# closure runs: native code that handles a call itself
    /// can fall back to the C# function by a tail jump here (upvalue 1 still holds it).
    /// </summary>
    internal static nint EntryThunkAddress => EntryThunk;

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    static int Entry(nint L)
    {
        // While C# runs, the state's allocations cannot fail (their longjmp would cross this frame).
        using var frame = ProtectedCall.Enter(L);
        try
        {
            var fn = (delegate*<nint, int>)touserdata(L, UpvalueIndex(1));
            return fn(L);
        }
        catch (Exception e)
        {
            return PushError(L, e);
        }
    }

    /// <summary>What a script sees when a C# function fails in a way it did not plan for (a bug of the runtime's).</summary>
    internal const string UnexpectedFailure =
        "the runtime failed unexpectedly in this call (set LUNET_DEBUG=1 to print the details to stderr)";

    /// <summary>Pushes the error message for <paramref name="e"/> and returns -1 for the thunk.</summary>
    public static int PushError(nint L, Exception e)
    {
        try
        {
            if (e is LuaException le)
            {
                if (le.WithPosition)
                {
                    where(L, 1);
                    LuaOps.PushString(L, le.Message);
                    concat(L, 2);
                }
                else LuaOps.PushString(L, le.Message);
            }
            else
            {
                // No .NET text reaches a script; developers can ask for it.
                if (Environment.GetEnvironmentVariable("LUNET_DEBUG") is { Length: > 0 } and not "0")
                    Console.Error.WriteLine($"lunet: unexpected failure in a C# function called from Lua:\n{e}");
                where(L, 1);
                LuaOps.PushString(L, UnexpectedFailure);
                concat(L, 2);
            }
        }
        catch
        {
            pushnil(L);
        }
        return -1;
    }

    /// <summary>
    /// Pushes a closure over <paramref name="fn"/>; the <paramref name="upvalues"/> values on
    /// top of the stack become upvalues 2.. of the closure.
    /// </summary>
    public static void Push(nint L, delegate*<nint, int> fn, int upvalues = 0)
    {
        pushlightuserdata(L, (nint)fn);
        if (upvalues > 0) rotate(L, -(upvalues + 1), 1);
        pushcclosure(L, EntryThunk, upvalues + 1);
    }

    /// <summary>
    /// Pushes a closure whose C function is the native <paramref name="entry"/>, with
    /// <paramref name="fallback"/> as upvalue 1 exactly as <see cref="Push"/> lays it out, so
    /// the native code can hand any call it does not handle to <see cref="EntryThunkAddress"/>
    /// with the Lua stack untouched. The <paramref name="upvalues"/> values on top of the
    /// stack become upvalues 2.. of the closure.
    /// </summary>
    internal static void PushNative(nint L, nint entry, delegate*<nint, int> fallback, int upvalues = 0)
    {
        pushlightuserdata(L, (nint)fallback);
        if (upvalues > 0) rotate(L, -(upvalues + 1), 1);
        pushcclosure(L, entry, upvalues + 1);
    }

    /// <summary>t[name] = fn for the table at <paramref name="table"/>.</summary>
    public static void Set(nint L, int table, string name, delegate*<nint, int> fn)
    {
        table = absindex(L, table);
        Push(L, fn);
        LuaOps.SetField(L, table, name);
    }

    public static int Upvalue(int i) => UpvalueIndex(i + 1);
}
