using Lunet.Ffi.Conversion;
using Lunet.Ffi.Libraries;
using Lunet.Ffi.Types;
using Lunet.Interop;
using static Lunet.Interop.LuaApi;

namespace Lunet.Ffi.Calls;

/// <summary>
/// C function pointers as Lua values: ffi.func(ptr, type) and the function-pointer fields and
/// results that read as callables. Each is a <see cref="FunctionBinding"/> of the pointer's
/// function type through the shared stub, as lib:wrap makes; NULL is never bound.
/// </summary>
internal static unsafe class FunctionPointers
{
    /// <summary>ffi.func(ptr, "int (*)(int, int)") or ffi.func(ptr, retType, argType...).</summary>
    public static int Func(nint L)
    {
        var target = Address(L, 1);
        var types = FfiContext.Of(L).Types;
        int top = gettop(L);
        FunctionType signature;
        if (top == 2)
        {
            var t = types.Resolve(FfiLimits.Name(L, 2, 2, "func", "type name"));
            signature = FunctionOf(t) ?? throw LuaException.BadArgument(2, "func",
                $"function type or pointer to a function expected, got {t.Name} (give the result and argument types as type names instead)");
            CallSignature.CheckByValue(signature.Returns, signature.Parameters, "ffi.func");
        }
        else
        {
            var ret = types.Resolve(FfiLimits.Name(L, 2, 2, "func", "type name"));
            FfiLimits.CheckParameterCount(top - 2, "ffi.func");
            var parameters = new List<CType>();
            for (int i = 3; i <= top; i++) parameters.Add(types.Resolve(FfiLimits.Name(L, i, i, "func", "type name")));
            signature = types.FunctionOf(LibraryObject.MakeSignature(ret, parameters, "ffi.func"));
        }
        if (signature.IsVariadic)
            throw new LuaException($"ffi.func: cannot call a variadic function type ({signature.Name}) through a pointer; declare it with cdef");
        if (target == 0) throw new LuaException("ffi.func: NULL function pointer");
        CallDispatcher.Push(L, new FunctionBinding(signature.Name, target, signature, null));
        return 1;
    }

    /// <summary>The function type <paramref name="t"/> is or points to; null for any other type.</summary>
    public static FunctionType? FunctionOf(CType t) => t switch
    {
        FunctionType f => f,
        PointerType { Target: FunctionType f } => f,
        _ => null,
    };

    /// <summary>
    /// Pushes a callable for the function at <paramref name="target"/> (a field or a result of
    /// function-pointer type), or nil for NULL. <paramref name="name"/> names it in error messages.
    /// </summary>
    public static void Push(nint L, nint target, FunctionType signature, string name)
    {
        if (target == 0 || signature.IsVariadic || !IsCallable(signature))
        {
            if (target == 0) pushnil(L);
            else pushlightuserdata(L, target); // a type no stub calls: the raw pointer, as before
            return;
        }
        CallDispatcher.Push(L, new FunctionBinding(name, target, signature, null));
    }

    /// <summary>A signature a binding can call here (its records complete, by-value rules met).</summary>
    static bool IsCallable(FunctionType f)
    {
        try
        {
            CallSignature.CheckByValue(f.Returns, f.Parameters, "call");
            return true;
        }
        catch (LuaException) { return false; }
    }

    /// <summary>ffi.func's first argument: a light userdata, an ffi object (an FfiCallback: its code), nil, or an integer address.</summary>
    static nint Address(nint L, int idx)
    {
        if (type(L, idx) == TNUMBER)
            return LuaToC.TryInteger(L, idx, out var a) ? (nint)a
                : throw LuaException.BadArgument(idx, "func", "number has no integer representation");
        if (type(L, idx) != TSTRING && LuaToC.TryPointer(L, idx, out var p)) return p;
        throw LuaException.BadArgument(idx, "func", $"pointer expected, got {LuaOps.TypeName(L, idx)}");
    }
}
