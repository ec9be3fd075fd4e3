using static Lunet.Interop.LuaApi;

namespace Lunet.Interop;

/// <summary>
/// The functions the host API runs on a state, made when the state is created and kept
/// in the registry (under a light-userdata key, read raw), so nothing a script does to
/// its globals (<c>debug = nil</c>, <c>print = nil</c>, a metatable on <c>_G</c>) can take
/// them away or make C# run a metamethod:
/// the message handler (the traceback), protected table reads and writes (for globals)
/// and the flush of Lua's standard output.
/// </summary>
internal static unsafe class RuntimeFunctions
{
    public const int MessageHandler = 1, GetTable = 2, SetTable = 3, FlushOutput = 4;

    // Run as Lua in protected calls: t[k] may run metamethods; the flush uses the stdout
    // and flush method io had at start-up (if io is open).
    static readonly byte[] LuaHelpers = """
        local out = io and io.stdout
        local flush = out and out.flush
        return function(t, k) return t[k] end,
               function(t, k, v) t[k] = v end,
               function() if flush then flush(out) end end
        """u8.ToArray();

    /// <summary>The registry key: an address no one else uses as a light userdata.</summary>
    static readonly nint Key = (nint)(delegate*<nint, int>)&Traceback;

    /// <summary>Makes the functions and stores them in the registry. Runs once, before any script.</summary>
    public static void Install(nint L)
    {
        createtable(L, 4, 0);
        int table = gettop(L);
        CFunction.Push(L, &Traceback);
        rawseti(L, table, MessageHandler);
        fixed (byte* code = LuaHelpers)
        fixed (byte* name = "=(lunet)\0"u8)
        fixed (byte* mode = "t\0"u8)
        {
            if (loadbufferx(L, code, (nuint)LuaHelpers.Length, name, mode) != LUA_OK ||
                pcallk(L, 0, 3, 0, 0, 0) != LUA_OK) // start-up, not the script: the memory limit does not apply yet
                throw new InvalidOperationException("the runtime's helper functions did not load: " + LuaOps.ToStringOrNull(L, -1));
        }
        for (int slot = FlushOutput; slot >= GetTable; slot--) rawseti(L, table, slot); // the last result is on top
        rawsetp(L, LUA_REGISTRYINDEX, Key);
    }

    /// <summary>Pushes function <paramref name="which"/>; false (nothing pushed) if a script replaced it.</summary>
    public static bool Push(nint L, int which)
    {
        if (rawgetp(L, LUA_REGISTRYINDEX, Key) != TTABLE)
        {
            settop(L, -2);
            return false;
        }
        int t = rawgeti(L, -1, which);
        rotate(L, -2, 1);
        settop(L, -2);
        if (t == TFUNCTION) return true;
        settop(L, -2);
        return false;
    }

    static bool LoadedTableIsThere(nint L)
    {
        bool there = LuaOps.RawGetField(L, LUA_REGISTRYINDEX, "_LOADED") != TNIL;
        settop(L, -2);
        return there;
    }

    /// <summary>
    /// The message handler, after lua.c's: a string (or number) error gets the traceback;
    /// another value becomes its __tostring (run in a protected call) or
    /// "(error object is a X value)". Metatables are read raw.
    /// </summary>
    static int Traceback(nint L)
    {
        settop(L, 1);
        if (type(L, 1) is not (TSTRING or TNUMBER))
        {
            if (getmetatable(L, 1) != 0)
            {
                LuaOps.RawGetField(L, -1, "__tostring");
                if (type(L, -1) != TNIL)
                {
                    pushvalue(L, 1);
                    if (ProtectedCall.Call(L, 1, 1, 0) == LUA_OK && type(L, -1) == TSTRING) return 1;
                }
                settop(L, 1);
            }
            LuaOps.PushString(L, $"(error object is a {new string((sbyte*)typename_(L, type(L, 1)))} value)");
            rotate(L, 1, 1);
            settop(L, 1);
        }
        // luaL_traceback raises "stack overflow" when it finds no room, and reads registry._LOADED
        // with lua_getfield (a metamethod runs if a script removed it and gave the registry an
        // __index): leave the message bare then.
        if (checkstack(L, 40) == 0 || !LoadedTableIsThere(L)) return 1;
        nuint len;
        byte* msg = tolstring(L, 1, &len);
        traceback(L, L, msg, 1);
        return 1;
    }
}
