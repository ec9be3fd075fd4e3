using Lunet.Ffi.Conversion;
using Lunet.Ffi.Libraries;
using Lunet.Ffi.Memory;
using Lunet.Ffi.Types;
using Lunet.Interop;
using static Lunet.Interop.LuaApi;

namespace Lunet.Ffi;

/// <summary>
/// The ffi table scripts get from require("ffi") / "@lune/ffi" / "pluto:ffi".
/// Thin: each function checks its arguments and hands the work to the folders
/// (Libraries, Types, Memory, Calls, Conversion).
/// </summary>
internal static unsafe class FfiModule
{
    /// <summary>Pushes a new ffi table for the state.</summary>
    public static void Push(nint L)
    {
        PointerValues.InstallMetatable(L);
        createtable(L, 0, 32);
        CFunction.Set(L, -1, "open", &Open);
        CFunction.Set(L, -1, "isNull", &IsNull);
        CFunction.Set(L, -1, "address", &Address);
        CFunction.Set(L, -1, "pointer", &Pointer);
        CFunction.Set(L, -1, "sizeof", &TypeFunctions.SizeOf);
        CFunction.Set(L, -1, "alignof", &TypeFunctions.AlignOf);
        CFunction.Set(L, -1, "offsetof", &TypeFunctions.OffsetOf);
        CFunction.Set(L, -1, "cdef", &TypeFunctions.CDef);
        CFunction.Set(L, -1, "struct", &TypeFunctions.Struct);
        InstanceMethods.PushNew(L);
        LuaOps.SetField(L, -2, "new");
        CFunction.Set(L, -1, "buffer", &MemoryFunctions.NewBuffer);
        CFunction.Set(L, -1, "alloc", &MemoryFunctions.Alloc);
        CFunction.Set(L, -1, "arena", &Arena.New);
        CFunction.Set(L, -1, "cast", &MemoryFunctions.Cast);
        CFunction.Set(L, -1, "string", &MemoryFunctions.String);
        CFunction.Set(L, -1, "read", &MemoryFunctions.Read);
        CFunction.Set(L, -1, "write", &MemoryFunctions.Write);
        CFunction.Set(L, -1, "callback", &Callbacks.CallbackObject.New);
        CFunction.Set(L, -1, "poll", &Callbacks.CallbackObject.Poll);
        CFunction.Set(L, -1, "func", &Calls.FunctionPointers.Func);
        CFunction.Set(L, -1, "errno", &Calls.ErrnoCell.Errno);
        pushlightuserdata(L, 0);
        LuaOps.SetField(L, -2, "nullptr");
        pushlightuserdata(L, 0);
        LuaOps.SetField(L, -2, "null");
        PushTypesTable(L);
        LuaOps.SetField(L, -2, "types");

        // ffi.C is opened on first use, and only where the policy allows it.
        Metatables.Push(L, "ffi.table", &BuildModuleMetatable);
        setmetatable(L, -2);
    }

    static void BuildModuleMetatable(nint L) => CFunction.Set(L, -1, "__index", &LazyField);

    static void PushTypesTable(nint L)
    {
        createtable(L, 0, TypeNames.BuiltIn.Count);
        foreach (var (name, t) in TypeNames.BuiltIn)
        {
            LuaOps.PushString(L, t.Name);
            LuaOps.SetField(L, -2, name);
        }
    }

    /// <summary>__index of the ffi table; debug.getmetatable lets a script call it with anything.</summary>
    static int LazyField(nint L)
    {
        if (type(L, 1) != TTABLE) throw LuaException.BadArgument(1, "__index", $"table expected, got {LuaOps.TypeName(L, 1)}");
        if (type(L, 2) != TSTRING || LuaOps.ToStringOrNull(L, 2) != "C") return 0;
        PushProcess(L);
        pushvalue(L, -1);
        LuaOps.RawSetField(L, 1, "C");
        return 1;
    }

    static int Open(nint L)
    {
        var context = FfiContext.Of(L);
        if (type(L, 1) is TNONE or TNIL)
        {
            PushProcess(L);
            return 1;
        }
        LibraryObject.Push(L, context.Open(FfiLimits.Name(L, 1, 1, "open")));
        return 1;
    }

    /// <summary>The one library object for the process and its C library (ffi.C and ffi.open()).</summary>
    static void PushProcess(nint L)
    {
        // Raw: a script may give the registry a metatable (debug.setmetatable(debug.getregistry(), ...)).
        LuaOps.PushString(L, "ffi.C");
        if (rawget(L, LUA_REGISTRYINDEX) == TTABLE) return;
        settop(L, -2);
        LibraryObject.Push(L, FfiContext.Of(L).Process());
        LibraryDeclarations.GiveDeclarations(L, -1);
        pushvalue(L, -1);
        LuaOps.RawSetField(L, LUA_REGISTRYINDEX, "ffi.C");
    }

    static int IsNull(nint L)
    {
        int t = type(L, 1);
        if (t is TNIL or TNONE) { pushboolean(L, 1); return 1; }
        if (!LuaToC.TryPointer(L, 1, out var p) || t == TSTRING)
            throw LuaException.BadArgument(1, "isNull", $"pointer expected, got {LuaOps.TypeName(L, 1)}");
        pushboolean(L, p == 0 ? 1 : 0);
        return 1;
    }

    static int Address(nint L)
    {
        if (!LuaToC.TryPointer(L, 1, out var p) || type(L, 1) is TNONE)
            throw LuaException.BadArgument(1, "address", $"pointer expected, got {LuaOps.TypeName(L, 1)}");
        pushinteger(L, p);
        return 1;
    }

    static int Pointer(nint L)
    {
        if (type(L, 1) == TLIGHTUSERDATA) { pushvalue(L, 1); return 1; }
        pushlightuserdata(L, (nint)LuaOps.CheckInteger(L, 1, "pointer"));
        return 1;
    }
}
