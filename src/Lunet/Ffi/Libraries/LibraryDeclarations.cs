using Lunet.Ffi.Declarations;
using Lunet.Ffi.Types;
using Lunet.Interop;
using static Lunet.Interop.LuaApi;

namespace Lunet.Ffi.Libraries;

/// <summary>
/// What declarations make reachable through a library table. ffi.C finds what ffi.cdef declared
/// when a name is first looked up (<see cref="GiveDeclarations"/>) and keeps a function it found
/// as a field of its table, so later lookups are plain table reads; lib:cdef binds once, when it runs, each
/// function and variable its text declares as a field of the library table, so lib.add costs
/// what a lib:wrap wrapper costs. A declared name the library cannot give (absent, found only in
/// a dependency, a variadic function, a struct by value) is not a field: reading it raises the
/// reason, through the library's own metatable, and the rest of the text is bound.
/// </summary>
internal static unsafe class LibraryDeclarations
{
    /// <summary>The field of a cdef'd library's metatable mapping each name it could not bind to the reason.</summary>
    const string UnavailableField = "unavailable";

    /// <summary>The field of ffi.C's metatable mapping each function it keeps as a field of its table to that value.</summary>
    const string BoundField = "bound";

    /// <summary>lib:cdef(text): registers the declarations as ffi.cdef does, then binds this text's functions and variables on the library.</summary>
    public static int CDef(nint L)
    {
        var lib = LibraryObject.Self(L, "cdef");
        var text = TypeFunctions.DeclarationText(L, 2, "cdef", argNumber: 1);
        lib.EnsureOpen();
        var types = FfiContext.Of(L).Types;
        var list = types.Parse(text, "cdef");
        types.Declare(list, "cdef");
        // ffi.C already finds every declaration on lookup (the process has all of them).
        if (lib.IsProcess)
        {
            Redeclared(L, list);
            return 0;
        }

        settop(L, 1);
        if (!LibraryObject.PushHandle(L, 1)) throw new LuaException("cdef: the library's handle is missing");
        int owner = gettop(L);
        PushUnavailable(L, 1);
        int unavailable = gettop(L);
        foreach (var name in DeclaredNames(list))
        {
            // The library's own fields and methods keep their names (lib:close stays the method).
            if (LibraryNames.Contains(name)) continue;
            if (types.Symbol(name) is not { } declared) continue;
            int top = gettop(L);
            try
            {
                LuaOps.PushString(L, name);
                DeclaredValues.Push(L, lib, declared, name, owner);
                rawset(L, 1);
                pushnil(L);
                LuaOps.RawSetField(L, unavailable, name);
            }
            catch (LuaException e)
            {
                // This name alone is unavailable: reading it raises why.
                settop(L, top);
                LuaOps.PushString(L, e.Message);
                LuaOps.RawSetField(L, unavailable, name);
            }
        }
        return 0;
    }

    /// <summary>The functions and variables a text declares, each once, in order (static const constants are no symbols).</summary>
    static IEnumerable<string> DeclaredNames(DeclarationList list)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var d in list.Declarations)
        {
            var name = d switch
            {
                FunctionDeclaration f => f.Name,
                VariableDeclaration { Storage: StorageClass.Static, Initializer: not null } => null,
                VariableDeclaration v => v.Name,
                _ => null,
            };
            if (name != null && seen.Add(name)) yield return name;
        }
    }

    /// <summary>The library's own fields and methods: a declaration does not take their names.</summary>
    static readonly HashSet<string> LibraryNames = new(StringComparer.Ordinal)
        { "path", "call", "getSymbol", "hasSymbol", "listExports", "wrap", "value", "cdef", "close" };

    /// <summary>
    /// Pushes the table of names the library table at <paramref name="library"/> could not bind,
    /// giving the library its own metatable (once) whose __index finds the methods first, then
    /// raises the reason for an unavailable name.
    /// </summary>
    static void PushUnavailable(nint L, int library)
    {
        if (getmetatable(L, library) != 0)
        {
            LuaOps.PushString(L, UnavailableField);
            if (rawget(L, -2) == TTABLE)
            {
                rotate(L, -2, 1);
                settop(L, -2);
                return;
            }
            settop(L, -3);
        }
        OwnMetatable(L, library, &UnavailableIndex);
        getmetatable(L, library);
        createtable(L, 0, 8);
        pushvalue(L, -1);
        LuaOps.RawSetField(L, -3, UnavailableField);
        rotate(L, -2, 1);
        settop(L, -2);
    }

    /// <summary>__index of a cdef'd library: the methods, then the reason a declared name is unavailable. A script can call it with anything.</summary>
    static int UnavailableIndex(nint L)
    {
        if (type(L, 2) != TSTRING) return 0;
        if (type(L, 1) != TTABLE || getmetatable(L, 1) == 0) return 0;
        int mt = gettop(L);
        LuaOps.PushString(L, "methods");
        if (rawget(L, mt) == TTABLE)
        {
            pushvalue(L, 2);
            if (rawget(L, -2) != TNIL) return 1;
        }
        settop(L, mt);
        LuaOps.PushString(L, UnavailableField);
        if (rawget(L, mt) == TTABLE)
        {
            pushvalue(L, 2);
            if (rawget(L, -2) == TSTRING && LuaOps.ToStringOrNull(L, -1) is { } reason)
                throw new LuaException(reason);
        }
        return 0;
    }

    /// <summary>
    /// Gives the library table at idx (ffi.C) a metatable whose __index finds the library's
    /// methods first, then what ffi.cdef declared. getmetatable still answers "NativeLibrary".
    /// </summary>
    public static void GiveDeclarations(nint L, int idx) => OwnMetatable(L, idx, &DeclaredIndex);

    /// <summary>
    /// Gives the library table at idx a metatable of its own, made from the shared NativeLibrary
    /// one (whatever metatable a script left on the table): the same __tostring and __name, the
    /// methods kept as "methods", and <paramref name="index"/> as __index.
    /// </summary>
    static void OwnMetatable(nint L, int idx, delegate*<nint, int> index)
    {
        idx = absindex(L, idx);
        int top = gettop(L);
        LibraryObject.PushSharedMetatable(L);
        int shared = gettop(L);
        createtable(L, 0, 4);
        LuaOps.PushString(L, "__index");
        rawget(L, shared);
        LuaOps.RawSetField(L, -2, "methods");
        LuaOps.PushString(L, "__tostring");
        rawget(L, shared);
        LuaOps.RawSetField(L, -2, "__tostring");
        LuaOps.PushString(L, "__name");
        rawget(L, shared);
        LuaOps.RawSetField(L, -2, "__name");
        Metatables.Protect(L, -1, "NativeLibrary");
        CFunction.Set(L, -1, "__index", index);
        setmetatable(L, idx);
        settop(L, top);
    }

    /// <summary>__index of ffi.C; a script can reach it (debug.getmetatable) and call it with anything.</summary>
    static int DeclaredIndex(nint L)
    {
        if (type(L, 2) != TSTRING) return 0;
        if (type(L, 1) == TTABLE && getmetatable(L, 1) != 0)
        {
            LuaOps.PushString(L, "methods");
            if (rawget(L, -2) == TTABLE)
            {
                pushvalue(L, 2);
                if (rawget(L, -2) != TNIL) return 1;
            }
            settop(L, 2);
        }
        var name = LuaOps.ToStringOrNull(L, 2);
        if (name == null || name.Length > FfiLimits.MaxNameLength) return 0;
        var context = FfiContext.Of(L);
        if (context.Types.TryConstant(name, out var value))
        {
            pushinteger(L, value);
            return 1;
        }
        if (context.Types.Symbol(name) is not { } declared) return 0;
        DeclaredValues.Push(L, context.Process(), declared, $"ffi.C.{name}", 0);
        // A function is the same value on every lookup until a cdef declares its name again (a
        // variable is read anew each time): kept in the table, `ffi.C.f(...)` costs a table read.
        if (declared.Type is FunctionType && type(L, 1) == TTABLE && getmetatable(L, 1) != 0)
        {
            int found = gettop(L) - 1, mt = gettop(L);
            LuaOps.PushString(L, BoundField);
            if (rawget(L, mt) != TTABLE)
            {
                settop(L, mt);
                createtable(L, 0, 8);
                LuaOps.PushString(L, BoundField);
                pushvalue(L, -2);
                rawset(L, mt);
            }
            pushvalue(L, 2);
            pushvalue(L, found);
            rawset(L, -3);
            pushvalue(L, 2);
            pushvalue(L, found);
            rawset(L, 1);
            settop(L, found);
        }
        return 1;
    }

    /// <summary>
    /// After a cdef: ffi.C forgets the functions it kept for the names <paramref name="list"/>
    /// declares (a later declaration may give a name another symbol, __asm__("...")), so the next
    /// lookup binds the declaration as it is now. A value a script stored under such a name stays.
    /// </summary>
    public static void Redeclared(nint L, DeclarationList list)
    {
        int top = gettop(L);
        LuaOps.PushString(L, "ffi.C");
        if (rawget(L, LUA_REGISTRYINDEX) != TTABLE || getmetatable(L, -1) == 0)
        {
            settop(L, top);
            return;
        }
        int table = top + 1, mt = top + 2;
        LuaOps.PushString(L, BoundField);
        if (rawget(L, mt) == TTABLE)
        {
            int bound = gettop(L);
            foreach (var name in DeclaredNames(list))
            {
                LuaOps.PushString(L, name);
                if (rawget(L, bound) != TNIL)
                {
                    LuaOps.PushString(L, name);
                    rawget(L, table);
                    if (rawequal(L, -1, -2) != 0)
                    {
                        LuaOps.PushString(L, name);
                        pushnil(L);
                        rawset(L, table);
                    }
                    LuaOps.PushString(L, name);
                    pushnil(L);
                    rawset(L, bound);
                }
                settop(L, bound);
            }
        }
        settop(L, top);
    }
}
