using Lunet.Ffi.Calls;
using Lunet.Ffi.Conversion;
using Lunet.Ffi.Types;
using Lunet.Interop;
using static Lunet.Interop.LuaApi;

namespace Lunet.Ffi.Libraries;

/// <summary>
/// A NativeLibrary as Lua sees it: a table (so scripts may add fields, as Pluto's
/// cdef does) with the `path` field and the methods getSymbol, hasSymbol, listExports,
/// call, wrap, value, cdef, close. Its handle to the <see cref="LoadedLibrary"/> is not in the
/// table, where pairs would show it and rawset replace it, but in a registry table with
/// weak keys, keyed by the library table: it lives as long as the table does.
/// </summary>
internal static unsafe class LibraryObject
{
    /// <summary>The registry key of the table library table → handle userdata.</summary>
    static readonly nint HandlesKey = System.Runtime.InteropServices.Marshal.AllocHGlobal(1);

    public static void Push(nint L, LoadedLibrary lib)
    {
        createtable(L, 0, 4);
        int table = gettop(L);
        LuaOps.PushString(L, lib.Path);
        LuaOps.RawSetField(L, table, "path");
        Metatables.NewHandleUserdata(L, lib, LibraryCall.HandleTag, LibraryCall.HandleWords);
        Metatables.Push(L, "ffi.libhandle", &BuildHandleMetatable);
        setmetatable(L, -2);
        // lib:call is the library's own closure over its handle: no method lookup, no self lookup per call.
        pushvalue(L, -1);
        LibraryCall.Push(L);
        LuaOps.RawSetField(L, table, "call");
        PushHandles(L);
        pushvalue(L, table);
        rotate(L, -3, -1);      // handles, table, handle
        rawset(L, -3);
        settop(L, table);
        Metatables.Push(L, "NativeLibrary", &BuildMetatable);
        setmetatable(L, table);
    }

    /// <summary>Pushes the weak-keyed table of library handles, made on first use.</summary>
    static void PushHandles(nint L)
    {
        if (rawgetp(L, LUA_REGISTRYINDEX, HandlesKey) == TTABLE) return;
        settop(L, -2);
        createtable(L, 0, 4);
        createtable(L, 0, 1);
        LuaOps.PushString(L, "k");
        LuaOps.RawSetField(L, -2, "__mode");
        setmetatable(L, -2);
        pushvalue(L, -1);
        rawsetp(L, LUA_REGISTRYINDEX, HandlesKey);
    }

    /// <summary>Pushes the metatable every library table starts with.</summary>
    internal static void PushSharedMetatable(nint L) => Metatables.Push(L, "NativeLibrary", &BuildMetatable);

    static void BuildHandleMetatable(nint L) => CFunction.Set(L, -1, "__gc", &LibraryCall.FreeHandleGc);

    static void BuildMetatable(nint L)
    {
        createtable(L, 0, 8);
        CFunction.Set(L, -1, "getSymbol", &GetSymbol);
        CFunction.Set(L, -1, "hasSymbol", &HasSymbol);
        CFunction.Set(L, -1, "wrap", &Wrap);
        CFunction.Set(L, -1, "value", &Value);
        CFunction.Set(L, -1, "close", &Close);
        CFunction.Set(L, -1, "listExports", &ListExports);
        CFunction.Set(L, -1, "cdef", &LibraryDeclarations.CDef);
        LuaOps.SetField(L, -2, "__index");
        CFunction.Set(L, -1, "__tostring", &ToString);
    }

    internal static LoadedLibrary Self(nint L, string method) =>
        Find(L, 1) ?? throw LuaException.BadSelf(method, "NativeLibrary", LuaOps.TypeName(L, 1), $"lib:{method}(...)");

    /// <summary>The library whose table is at idx; null when idx is not a library table; "library was closed" once its handle was finalized.</summary>
    internal static LoadedLibrary? Find(nint L, int idx)
    {
        if (type(L, idx) != TTABLE) return null;
        idx = absindex(L, idx);
        PushHandles(L);
        pushvalue(L, idx);
        bool found = rawget(L, -2) == TUSERDATA;
        try
        {
            return found ? LibraryCall.Library(L, -1) : null;
        }
        finally { settop(L, -3); }
    }

    /// <summary>Pushes the handle userdata of the library table at idx (what a view of the library's memory keeps alive); false, pushing nothing, when idx is no library table.</summary>
    internal static bool PushHandle(nint L, int idx)
    {
        if (type(L, idx) != TTABLE) return false;
        idx = absindex(L, idx);
        PushHandles(L);
        pushvalue(L, idx);
        if (rawget(L, -2) != TUSERDATA)
        {
            settop(L, -3);
            return false;
        }
        rotate(L, -2, 1);   // handle, handles
        settop(L, -2);
        return true;
    }

    static int ToString(nint L)
    {
        var lib = Self(L, "tostring");
        LuaOps.PushString(L, $"NativeLibrary: {lib.Path}{(lib.IsClosed ? " (closed)" : "")}");
        return 1;
    }

    static int GetSymbol(nint L)
    {
        var lib = Self(L, "getSymbol");
        pushlightuserdata(L, lib.Symbol(FfiLimits.MethodName(L, 2, "getSymbol")));
        return 1;
    }

    static int HasSymbol(nint L)
    {
        var lib = Self(L, "hasSymbol");
        pushboolean(L, lib.FindSymbol(FfiLimits.MethodName(L, 2, "hasSymbol")) != 0 ? 1 : 0);
        return 1;
    }

    static int Close(nint L)
    {
        var lib = Self(L, "close");
        lib.CallSites.Clear();
        var handle = lib.Close();
        if (handle != 0) LibraryUnloading.Unload(L, handle);
        return 0;
    }

    static int ListExports(nint L)
    {
        var lib = Self(L, "listExports");
        lib.EnsureOpen();
        var exports = LibraryExports.Of(lib);
        createtable(L, exports.Count, 0);
        for (int i = 0; i < exports.Count; i++)
        {
            createtable(L, 0, 2);
            LuaOps.PushString(L, exports[i].Name);
            LuaOps.SetField(L, -2, "name");
            if (exports[i].Ordinal is int ord)
            {
                pushinteger(L, ord);
                LuaOps.SetField(L, -2, "ordinal");
            }
            if (exports[i].ForwardedTo is string fwd)
            {
                LuaOps.PushString(L, fwd);
                LuaOps.SetField(L, -2, "forwardedTo");
            }
            rawseti(L, -2, i + 1);
        }
        return 1;
    }

    /// <summary>lib:wrap(retType, name, argType...) or lib:wrap(retType, name, {argTypes}): Pluto's wrapper.</summary>
    static int Wrap(nint L)
    {
        var lib = Self(L, "wrap");
        var types = FfiContext.Of(L).Types;
        var ret = types.Resolve(FfiLimits.MethodName(L, 2, "wrap", "type name"));
        var name = FfiLimits.MethodName(L, 3, "wrap");
        var parameters = new List<CType>();
        int top = gettop(L);
        if (top == 4 && type(L, 4) == TTABLE)
        {
            long n = (long)rawlen(L, 4);
            FfiLimits.CheckParameterCount(n, "wrap");
            for (int i = 1; i <= n; i++)
            {
                var s = PushTypeName(L, 4, i, 3, "wrap");
                settop(L, -2);
                parameters.Add(types.Resolve(s));
            }
        }
        else
        {
            FfiLimits.CheckParameterCount(top - 3, "wrap");
            for (int i = 4; i <= top; i++) parameters.Add(types.Resolve(FfiLimits.MethodName(L, i, "wrap", "type name")));
        }
        SymbolKinds.CheckFunction(name, lib.Symbol(name), "wrap");
        CallDispatcher.Push(L, lib.Bind(name, MakeSignature(ret, parameters, "wrap")));
        return 1;
    }

    /// <summary>Pushes element <paramref name="i"/> of the argument-type table at <paramref name="table"/> and returns it; it must be a type name.</summary>
    internal static string PushTypeName(nint L, int table, int i, int arg, string method)
    {
        rawgeti(L, table, i);
        if (type(L, -1) != TSTRING)
            throw LuaException.BadArgument(arg, method, $"argument type #{i} must be a type name, got {LuaOps.TypeName(L, -1)}");
        return FfiLimits.Name(L, -1, arg, method, $"argument type #{i}");
    }

    /// <summary>Builds the signature; (void) as the only parameter means none, as in C; void elsewhere is an error.</summary>
    internal static FunctionType MakeSignature(CType ret, List<CType> parameters, string method)
    {
        if (parameters.Count == 1 && parameters[0].Scalar == ScalarKind.Void) parameters.Clear();
        if (parameters.Any(p => p.Scalar == ScalarKind.Void))
            throw new LuaException($"{method}: void is not a parameter type");
        CallSignature.CheckByValue(ret, parameters, method);
        return new FunctionType(ret, parameters);
    }

    /// <summary>lib:value(type, name): the exported variable's current value; it must be a variable of at least the type's size.</summary>
    static int Value(nint L)
    {
        var lib = Self(L, "value");
        var t = FfiContext.Of(L).Types.Resolve(FfiLimits.MethodName(L, 2, "value", "type name"));
        var name = FfiLimits.MethodName(L, 3, "value");
        var address = lib.Symbol(name);
        if (t.Scalar == ScalarKind.Void) return 0;
        SymbolKinds.CheckVariable(name, address, t);
        CToLua.Load(L, t, (byte*)address);
        return 1;
    }
}
