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
/// debug.setuservalue likewise refuses the ffi's objects: a view or a slice keeps the object
/// that owns its bytes alive through its user value, so taking it away would let the bytes be
/// freed under it.
/// </summary>
internal static unsafe class GuardedDebug
{
    /// <summary>debug.setupvalue(f, n, value): checks its arguments in lua's order and words.</summary>
    public static int SetUpvalue(nint L)
    {
        if (type(L, 3) == TNONE) throw LuaException.BadArgument(3, "debug.setupvalue", "value expected");
        long n = Integer(L, 2, "debug.setupvalue");
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

    /// <summary>debug.setuservalue(udata, value [, n]): lua's, except on an ffi object (<see cref="Ffi.Memory.NativeObject"/>).</summary>
    public static int SetUserValue(nint L)
    {
        if (type(L, 1) != TUSERDATA)
            throw LuaException.BadArgument(1, "debug.setuservalue",
                $"userdata expected, got {(type(L, 1) == TLIGHTUSERDATA ? "light userdata" : LuaOps.TypeName(L, 1))}");
        if (type(L, 2) == TNONE) throw LuaException.BadArgument(2, "debug.setuservalue", "value expected");
        long n = 1;
        if (type(L, 3) is not (TNONE or TNIL)) n = Integer(L, 3, "debug.setuservalue");
        if (Ffi.Memory.NativeObject.TryGetAddress(L, 1, out _))
            throw LuaException.BadArgument(1, "debug.setuservalue", "the user values of the ffi's objects cannot be changed (a view or slice keeps what owns its bytes alive through them)");
        settop(L, 2);
        if (n < int.MinValue || n > int.MaxValue || setiuservalue(L, 1, (int)n) == 0) pushnil(L); // fail, as lua's
        return 1;
    }

    /// <summary>Argument <paramref name="idx"/> as an integer, refused in lua's words.</summary>
    static long Integer(nint L, int idx, string function)
    {
        int ok;
        long n = tointegerx(L, idx, &ok);
        if (ok == 0)
            throw LuaException.BadArgument(idx, function,
                type(L, idx) == TNUMBER ? "number has no integer representation" : $"number expected, got {LuaOps.TypeName(L, idx)}");
        return n;
    }
}
