using System.Text;
using Lunet.Ffi.Calls;
using Lunet.Ffi.Conversion;
using Lunet.Ffi.Libraries;
using Lunet.Ffi.Types;
using Lunet.Interop;
using static Lunet.Interop.LuaApi;

namespace Lunet.Ffi;

/// <summary>
/// The ffi's declaration functions: ffi.cdef, and what declarations make reachable through
/// ffi.C (enum constants, static const integers).
/// </summary>
internal static unsafe class TypeFunctions
{
    /// <summary>ffi.cdef(text): registers the types, constants, functions and variables the C declarations declare.</summary>
    public static int CDef(nint L)
    {
        var text = DeclarationText(L, 1, "cdef");
        FfiContext.Of(L).Types.Declare(text, "cdef");
        return 0;
    }

    /// <summary>The declaration text argument: a string of at most <see cref="FfiLimits.MaxDeclarationLength"/> bytes, no NUL.</summary>
    internal static string DeclarationText(nint L, int arg, string function)
    {
        if (type(L, arg) != TSTRING)
            throw LuaException.BadArgument(arg, function, $"string expected, got {LuaOps.TypeName(L, arg)}");
        nuint len;
        byte* p = tolstring(L, arg, &len);
        if (len > FfiLimits.MaxDeclarationLength)
            throw LuaException.BadArgument(arg, function, $"declarations are {len} bytes long; the limit is {FfiLimits.MaxDeclarationLength}");
        if (new ReadOnlySpan<byte>(p, (int)len).IndexOf((byte)0) >= 0)
            throw LuaException.BadArgument(arg, function, "declarations contain a NUL byte");
        return Encoding.UTF8.GetString(p, (int)len);
    }

    /// <summary>
    /// Gives the library table at idx (ffi.C) a metatable whose __index finds the library's
    /// methods first, then what ffi.cdef declared. getmetatable still answers "NativeLibrary".
    /// </summary>
    public static void GiveDeclarations(nint L, int idx)
    {
        idx = absindex(L, idx);
        if (getmetatable(L, idx) == 0) return;
        int library = gettop(L);
        createtable(L, 0, 4);
        LuaOps.PushString(L, "__index");
        rawget(L, library);
        LuaOps.RawSetField(L, -2, "methods");
        LuaOps.PushString(L, "__tostring");
        rawget(L, library);
        LuaOps.RawSetField(L, -2, "__tostring");
        LuaOps.PushString(L, "__name");
        rawget(L, library);
        LuaOps.RawSetField(L, -2, "__name");
        Metatables.Protect(L, -1, "NativeLibrary");
        CFunction.Set(L, -1, "__index", &DeclaredIndex);
        setmetatable(L, idx);
        settop(L, library - 1);
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
        var lib = context.Process();
        var address = lib.Symbol(declared.Symbol);
        if (declared.Type is FunctionType f)
        {
            // Scalars and pointers only, as lib:wrap: the same checks, the same shared stubs.
            if (f.IsVariadic) throw new LuaException($"ffi.C.{name}: calling a variadic function through ffi.C is not supported");
            SymbolKinds.CheckFunction(declared.Symbol, address, "ffi.C");
            CallDispatcher.Push(L, lib.Bind(declared.Symbol, LibraryObject.MakeSignature(f.Returns, [.. f.Parameters], $"ffi.C.{name}")));
            return 1;
        }
        // A declared variable reads as its current value, as lib:value(type, name) does.
        if (!declared.Type.IsScalarValue)
            throw new LuaException($"ffi.C.{name}: a variable of type {declared.Type.Name} cannot be read as one value");
        SymbolKinds.CheckVariable(declared.Symbol, address, declared.Type);
        CToLua.Load(L, declared.Type, (byte*)address);
        return 1;
    }
}
