using Lunet.Interop;
using static Lunet.Interop.LuaApi;

namespace Lunet.Modules;

/// <summary>
/// debug.setupvalue as Lua's, except on the runtime's own C functions. Their upvalues are
/// trusted pointers: the C# function a closure runs (<see cref="CFunction"/>), the slot a
/// native call stub jumps through, the state block a native Buffer method reads. Replacing
/// one (with <c>ffi.pointer(16)</c>, say) would make the next call jump or read anywhere, so
/// a function whose code the runtime wrote (<see cref="ExecutableMemory.Contains"/>) refuses.
/// Reading them (debug.getupvalue) stays allowed: every use checks what it reads.
/// </summary>
internal static unsafe class GuardedDebug
{
    /// <summary>debug.setupvalue(f, n, value): checks its arguments in lua's order and words.</summary>
    public static int SetUpvalue(nint L)
    {
        if (type(L, 3) == TNONE) throw LuaException.BadArgument(3, "debug.setupvalue", "value expected");
        int ok;
        long n = tointegerx(L, 2, &ok);
        if (ok == 0)
            throw LuaException.BadArgument(2, "debug.setupvalue",
                type(L, 2) == TNUMBER ? "number has no integer representation" : $"number expected, got {LuaOps.TypeName(L, 2)}");
        if (type(L, 1) != TFUNCTION)
            throw LuaException.BadArgument(1, "debug.setupvalue", $"function expected, got {LuaOps.TypeName(L, 1)}");
        nint code = tocfunction(L, 1);
        if (code != 0 && ExecutableMemory.Contains(code))
            throw LuaException.BadArgument(1, "debug.setupvalue", "the upvalues of the runtime's own functions cannot be changed");
        settop(L, 3);
        var name = setupvalue(L, 1, (int)n);   // pops the value when it sets it; never raises
        if (name == null) return 0;
        LuaOps.PushString(L, new string((sbyte*)name));
        return 1;
    }
}
