using System.Runtime.InteropServices;

namespace Lunet.Interop;

/// <summary>
/// liblua54's exports as unmanaged function pointers, taken from the copy of the
/// library that KeraLua ships and loads. Pointers marked SuppressGCTransition are
/// only those Lua API functions that never allocate, never raise and never run Lua
/// code: anything that allocates can run the collector, which runs __gc
/// finalizers, some of them C#.
/// </summary>
internal static unsafe class LuaApi
{
    public const int LUA_REGISTRYINDEX = -1000000 - 1000;
    public const int LUA_RIDX_GLOBALS = 2;
    public const int LUA_MULTRET = -1;

    public const int TNONE = -1, TNIL = 0, TBOOLEAN = 1, TLIGHTUSERDATA = 2, TNUMBER = 3,
        TSTRING = 4, TTABLE = 5, TFUNCTION = 6, TUSERDATA = 7, TTHREAD = 8;

    public const int LUA_OK = 0;

    /// <summary>lua_sethook's event masks.</summary>
    public const int LUA_MASKCALL = 1, LUA_MASKRET = 2, LUA_MASKCOUNT = 8;
    public const int LUA_GCCOUNT = 3, LUA_GCCOUNTB = 4;

    public static int UpvalueIndex(int i) => LUA_REGISTRYINDEX - i;

    public static readonly nint Handle;

    // Never allocate, never raise.
    public static readonly delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int> gettop;
    public static readonly delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int, void> settop;
    public static readonly delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int, int> type;
    public static readonly delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int, int*, long> tointegerx;
    public static readonly delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int, int*, double> tonumberx;
    public static readonly delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int, int> toboolean;
    public static readonly delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int, nint> touserdata;
    public static readonly delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, long, void> pushinteger;
    public static readonly delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, double, void> pushnumber;
    public static readonly delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int, void> pushboolean;
    public static readonly delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, nint, void> pushlightuserdata;
    public static readonly delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, void> pushnil;
    // Raw reads that neither allocate nor raise; used by the lib:call site cache.
    public static readonly delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int, long, int> rawgetiFast;
    public static readonly delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int, ulong> rawlenFast;
    public static readonly delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int, nint> topointerFast;
    // The state's allocator and its user data (the counters the C# entry points raise).
    public static readonly delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, void**, nint> getallocf;

    // May allocate (and so run finalizers) or run Lua code: normal transition.
    public static readonly delegate* unmanaged[Cdecl]<nint> newstate;
    public static readonly delegate* unmanaged[Cdecl]<nint, nint, void*, void> setallocf;
    public static readonly delegate* unmanaged[Cdecl]<nint, void> close;
    public static readonly delegate* unmanaged[Cdecl]<nint, void> openlibs;
    public static readonly delegate* unmanaged[Cdecl]<nint, byte*, nuint, byte*, byte*, int> loadbufferx;
    public static readonly delegate* unmanaged[Cdecl]<nint, int, int, int, nint, nint, int> pcallk;
    public static readonly delegate* unmanaged[Cdecl]<nint, int, void> pushvalue;
    public static readonly delegate* unmanaged[Cdecl]<nint, int, int, void> rotate;
    public static readonly delegate* unmanaged[Cdecl]<nint, int, int, void> copy;
    public static readonly delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int, nint> tocfunction;
    public static readonly delegate* unmanaged[Cdecl]<nint, int, int, byte*> setupvalue;
    public static readonly delegate* unmanaged[Cdecl]<nint, int, int> absindex;
    public static readonly delegate* unmanaged[Cdecl]<nint, int, int> checkstack;
    public static readonly delegate* unmanaged[Cdecl]<nint, int, nuint*, byte*> tolstring;
    public static readonly delegate* unmanaged[Cdecl]<nint, int, ulong> rawlen;
    public static readonly delegate* unmanaged[Cdecl]<nint, int, nint> topointer;
    public static readonly delegate* unmanaged[Cdecl]<nint, int, int> isinteger;
    public static readonly delegate* unmanaged[Cdecl]<nint, int, int, int> rawequal;
    public static readonly delegate* unmanaged[Cdecl]<nint, byte*, nuint, byte*> pushlstring;
    public static readonly delegate* unmanaged[Cdecl]<nint, byte*, byte*> pushstring;
    public static readonly delegate* unmanaged[Cdecl]<nint, nint, int, void> pushcclosure;
    public static readonly delegate* unmanaged[Cdecl]<nint, byte*, int> getglobal;
    public static readonly delegate* unmanaged[Cdecl]<nint, byte*, void> setglobal;
    public static readonly delegate* unmanaged[Cdecl]<nint, int, byte*, int> getfield;
    public static readonly delegate* unmanaged[Cdecl]<nint, int, byte*, void> setfield;
    public static readonly delegate* unmanaged[Cdecl]<nint, int, int> rawget;
    public static readonly delegate* unmanaged[Cdecl]<nint, int, void> rawset;
    public static readonly delegate* unmanaged[Cdecl]<nint, int, long, int> rawgeti;
    public static readonly delegate* unmanaged[Cdecl]<nint, int, long, void> rawseti;
    public static readonly delegate* unmanaged[Cdecl]<nint, int, nint, int> rawgetp;
    public static readonly delegate* unmanaged[Cdecl]<nint, int, nint, void> rawsetp;
    /// <summary>luaL_ref: pops the value on top into a new integer key of the table (the registry's array part: a fast rawgeti).</summary>
    public static readonly delegate* unmanaged[Cdecl]<nint, int, int> reference;
    public static readonly delegate* unmanaged[Cdecl]<nint, int, int, void> createtable;
    public static readonly delegate* unmanaged[Cdecl]<nint, nuint, int, nint> newuserdatauv;
    public static readonly delegate* unmanaged[Cdecl]<nint, int, int> getmetatable;
    public static readonly delegate* unmanaged[Cdecl]<nint, int, int> setmetatable;
    public static readonly delegate* unmanaged[Cdecl]<nint, int, int, int> getiuservalue;
    public static readonly delegate* unmanaged[Cdecl]<nint, int, int, int> setiuservalue;
    public static readonly delegate* unmanaged[Cdecl]<nint, int> error;
    public static readonly delegate* unmanaged[Cdecl]<nint, int, void> where;
    public static readonly delegate* unmanaged[Cdecl]<nint, int, void> concat;
    public static readonly delegate* unmanaged[Cdecl]<nint, nint, byte*, int, void> traceback;
    public static readonly delegate* unmanaged[Cdecl]<nint, int, int> next;
    public static readonly delegate* unmanaged[Cdecl]<nint, int, int, int, int> gc;
    public static readonly delegate* unmanaged[Cdecl]<nint, int, byte*> typename_;
    /// <summary>Only stores into the state: lua.c calls it from a signal handler, and so may another thread.</summary>
    public static readonly delegate* unmanaged[Cdecl]<nint, nint, int, int, void> sethook;

    static LuaApi()
    {
        // Loading through KeraLua's assembly returns the same liblua54 handle KeraLua uses.
        Handle = NativeLibrary.Load("lua54", typeof(KeraLua.Lua).Assembly, null);
        nint F(string name) => NativeLibrary.GetExport(Handle, name);

        gettop = (delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int>)F("lua_gettop");
        settop = (delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int, void>)F("lua_settop");
        type = (delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int, int>)F("lua_type");
        tointegerx = (delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int, int*, long>)F("lua_tointegerx");
        tonumberx = (delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int, int*, double>)F("lua_tonumberx");
        toboolean = (delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int, int>)F("lua_toboolean");
        touserdata = (delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int, nint>)F("lua_touserdata");
        pushinteger = (delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, long, void>)F("lua_pushinteger");
        pushnumber = (delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, double, void>)F("lua_pushnumber");
        pushboolean = (delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int, void>)F("lua_pushboolean");
        pushlightuserdata = (delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, nint, void>)F("lua_pushlightuserdata");
        pushnil = (delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, void>)F("lua_pushnil");
        rawgetiFast = (delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int, long, int>)F("lua_rawgeti");
        rawlenFast = (delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int, ulong>)F("lua_rawlen");
        topointerFast = (delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int, nint>)F("lua_topointer");
        getallocf = (delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, void**, nint>)F("lua_getallocf");

        newstate = (delegate* unmanaged[Cdecl]<nint>)F("luaL_newstate");
        setallocf = (delegate* unmanaged[Cdecl]<nint, nint, void*, void>)F("lua_setallocf");
        close = (delegate* unmanaged[Cdecl]<nint, void>)F("lua_close");
        openlibs = (delegate* unmanaged[Cdecl]<nint, void>)F("luaL_openlibs");
        loadbufferx = (delegate* unmanaged[Cdecl]<nint, byte*, nuint, byte*, byte*, int>)F("luaL_loadbufferx");
        pcallk = (delegate* unmanaged[Cdecl]<nint, int, int, int, nint, nint, int>)F("lua_pcallk");
        pushvalue = (delegate* unmanaged[Cdecl]<nint, int, void>)F("lua_pushvalue");
        rotate = (delegate* unmanaged[Cdecl]<nint, int, int, void>)F("lua_rotate");
        copy = (delegate* unmanaged[Cdecl]<nint, int, int, void>)F("lua_copy");
        tocfunction = (delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int, nint>)F("lua_tocfunction");
        setupvalue = (delegate* unmanaged[Cdecl]<nint, int, int, byte*>)F("lua_setupvalue");
        absindex = (delegate* unmanaged[Cdecl]<nint, int, int>)F("lua_absindex");
        checkstack = (delegate* unmanaged[Cdecl]<nint, int, int>)F("lua_checkstack");
        tolstring = (delegate* unmanaged[Cdecl]<nint, int, nuint*, byte*>)F("lua_tolstring");
        rawlen = (delegate* unmanaged[Cdecl]<nint, int, ulong>)F("lua_rawlen");
        topointer = (delegate* unmanaged[Cdecl]<nint, int, nint>)F("lua_topointer");
        isinteger = (delegate* unmanaged[Cdecl]<nint, int, int>)F("lua_isinteger");
        rawequal = (delegate* unmanaged[Cdecl]<nint, int, int, int>)F("lua_rawequal");
        pushlstring = (delegate* unmanaged[Cdecl]<nint, byte*, nuint, byte*>)F("lua_pushlstring");
        pushstring = (delegate* unmanaged[Cdecl]<nint, byte*, byte*>)F("lua_pushstring");
        pushcclosure = (delegate* unmanaged[Cdecl]<nint, nint, int, void>)F("lua_pushcclosure");
        getglobal = (delegate* unmanaged[Cdecl]<nint, byte*, int>)F("lua_getglobal");
        setglobal = (delegate* unmanaged[Cdecl]<nint, byte*, void>)F("lua_setglobal");
        getfield = (delegate* unmanaged[Cdecl]<nint, int, byte*, int>)F("lua_getfield");
        setfield = (delegate* unmanaged[Cdecl]<nint, int, byte*, void>)F("lua_setfield");
        rawget = (delegate* unmanaged[Cdecl]<nint, int, int>)F("lua_rawget");
        rawset = (delegate* unmanaged[Cdecl]<nint, int, void>)F("lua_rawset");
        rawgeti = (delegate* unmanaged[Cdecl]<nint, int, long, int>)F("lua_rawgeti");
        rawseti = (delegate* unmanaged[Cdecl]<nint, int, long, void>)F("lua_rawseti");
        rawgetp = (delegate* unmanaged[Cdecl]<nint, int, nint, int>)F("lua_rawgetp");
        rawsetp = (delegate* unmanaged[Cdecl]<nint, int, nint, void>)F("lua_rawsetp");
        reference = (delegate* unmanaged[Cdecl]<nint, int, int>)F("luaL_ref");
        createtable = (delegate* unmanaged[Cdecl]<nint, int, int, void>)F("lua_createtable");
        newuserdatauv = (delegate* unmanaged[Cdecl]<nint, nuint, int, nint>)F("lua_newuserdatauv");
        getmetatable = (delegate* unmanaged[Cdecl]<nint, int, int>)F("lua_getmetatable");
        setmetatable = (delegate* unmanaged[Cdecl]<nint, int, int>)F("lua_setmetatable");
        getiuservalue = (delegate* unmanaged[Cdecl]<nint, int, int, int>)F("lua_getiuservalue");
        setiuservalue = (delegate* unmanaged[Cdecl]<nint, int, int, int>)F("lua_setiuservalue");
        error = (delegate* unmanaged[Cdecl]<nint, int>)F("lua_error");
        where = (delegate* unmanaged[Cdecl]<nint, int, void>)F("luaL_where");
        concat = (delegate* unmanaged[Cdecl]<nint, int, void>)F("lua_concat");
        traceback = (delegate* unmanaged[Cdecl]<nint, nint, byte*, int, void>)F("luaL_traceback");
        next = (delegate* unmanaged[Cdecl]<nint, int, int>)F("lua_next");
        gc = (delegate* unmanaged[Cdecl]<nint, int, int, int, int>)NativeThunks.VariadicThunk(F("lua_gc")); // lua_gc is variadic
        typename_ = (delegate* unmanaged[Cdecl]<nint, int, byte*>)F("lua_typename");
        sethook = (delegate* unmanaged[Cdecl]<nint, nint, int, int, void>)F("lua_sethook");
    }

    static int globalDone;

    /// <summary>
    /// Makes liblua54's symbols visible to libraries loaded after it, so Lua C modules
    /// (built against liblua, with lua_* left undefined for the host to provide, as lua5.4
    /// does) link: .NET opened it RTLD_LOCAL; opening the same file again with RTLD_NOLOAD |
    /// RTLD_GLOBAL promotes the loaded copy (no second copy, whose state would differ).
    /// Called for Full runtimes only, the only ones that load C modules. Once per process;
    /// false (and nothing changed) where it cannot be done.
    /// </summary>
    public static bool MakeSymbolsGlobal()
    {
        if (OperatingSystem.IsWindows()) return true; // modules link against lua54.dll by name: the loaded one
        if (Interlocked.Exchange(ref globalDone, 1) == 1) return true;
        int RTLD_NOLOAD = OperatingSystem.IsMacOS() ? 0x10 : 4, RTLD_GLOBAL = OperatingSystem.IsMacOS() ? 8 : 0x100;
        nint* info = stackalloc nint[4]; // Dl_info: dli_fname, dli_fbase, dli_sname, dli_saddr
        if (LibC.dladdr(NativeLibrary.GetExport(Handle, "lua_checkstack"), info) == 0 || info[0] == 0) return false;
        return LibC.dlopen((byte*)info[0], LibC.RTLD_NOW | RTLD_NOLOAD | RTLD_GLOBAL) != 0;
    }

    public static nint ErrorFunction => NativeLibrary.GetExport(Handle, "lua_error");
}
