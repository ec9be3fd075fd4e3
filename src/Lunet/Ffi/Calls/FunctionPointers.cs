using Lunet.Ffi.Conversion;
using Lunet.Ffi.Libraries;
using Lunet.Ffi.Types;
using Lunet.Interop;
using static Lunet.Interop.LuaApi;

namespace Lunet.Ffi.Calls;

/// <summary>
/// C function pointers as Lua values: ffi.func(ptr, type) and the function-pointer fields and
/// results that read as callables. Each is a <see cref="FunctionBinding"/> of the pointer's
/// function type through the shared stub, as lib:wrap makes; NULL is never bound. Outside the
/// Full policy the address must be one <see cref="CallTargets"/> allows.
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
        CallDispatcher.Push(L, Bind(signature.Name, target, signature, CallTargets.Check(L, target, "ffi.func")));
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
        CallDispatcher.Push(L, Bind(name, target, signature, CallTargets.Check(L, target, $"function pointer '{name}'")));
    }

    /// <summary>
    /// The binding of a function pointer. When it is a callback's code, the binding holds its slot
    /// (<see cref="Callbacks.CallbackCells.Pin"/>): while the value lives the slot goes to no other
    /// callback, and once its callback is freed, calling the value is an error before C is reached.
    /// </summary>
    static FunctionBinding Bind(string name, nint target, FunctionType signature, LoadedLibrary? library)
    {
        int slot = Callbacks.CallbackCells.SlotAt(target);
        if (slot < 0) return new FunctionBinding(name, target, signature, library);
        var pin = Callbacks.CallbackCells.Pin(slot);
        try { return new FunctionBinding(name, target, signature, library) { Callback = pin }; }
        catch
        {
            pin.Release();
            throw;
        }
    }

    /// <summary>
    /// Pushes the callable for <paramref name="binding"/> (a cdef'd function). When it returns a
    /// function pointer of a type a stub can call, the callable is a Lua function around the
    /// binding that turns its result into a callable too (NULL stays nil): <c>conv(f(...))</c>.
    /// </summary>
    public static void PushDeclared(nint L, FunctionBinding binding)
    {
        CallDispatcher.Push(L, binding);
        var ret = binding.Signature.Returns;
        if (ret is not PointerType || FunctionOf(ret) is not { } f || f.IsVariadic || !IsCallable(f)) return;
        int top = gettop(L);
        if (checkstack(L, 4) == 0) return;
        fixed (byte* code = ResultWrapper)
        fixed (byte* name = "=(ffi)\0"u8)
        fixed (byte* mode = "t\0"u8)
        {
            // lua_load is protected: out of memory, the plain binding stays (its results read as pointers).
            if (loadbufferx(L, code, (nuint)ResultWrapper.Length, name, mode) != LUA_OK)
            {
                settop(L, top);
                return;
            }
        }
        pushvalue(L, top);
        Metatables.NewHandleUserdata(L, f, Tag);
        Metatables.Push(L, "ffi.functionresult", &BuildMetatable);
        setmetatable(L, -2);
        CFunction.Push(L, &ConvertResult, 1);
        if (ProtectedCall.Call(L, 2, 1, 0) != LUA_OK)
        {
            settop(L, top);
            return;
        }
        rotate(L, top, 1);
        settop(L, top);
    }

    static readonly byte[] ResultWrapper = "local f, conv = ...\nreturn function(...) return conv(f(...)) end"u8.ToArray();

    static readonly long Tag = Metatables.NewTag();

    static void BuildMetatable(nint L) => CFunction.Set(L, -1, "__gc", &FreeType);

    static int FreeType(nint L)
    {
        Metatables.FreeHandle(L, Tag);
        return 0;
    }

    /// <summary>conv(p): the result of a function returning a function pointer, made callable.</summary>
    static int ConvertResult(nint L)
    {
        var block = Metatables.HandleBlock(L, CFunction.Upvalue(1), Tag);
        if (block == null || block[0] == 0 || type(L, 1) != TLIGHTUSERDATA)
        {
            settop(L, 1);
            return 1;
        }
        var f = (FunctionType)System.Runtime.InteropServices.GCHandle.FromIntPtr(block[0]).Target!;
        Push(L, touserdata(L, 1), f, f.Name);
        return 1;
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
