using System.Runtime.CompilerServices;
using Lunet.Ffi.Conversion;
using Lunet.Interop;
using static Lunet.Interop.LuaApi;

namespace Lunet.Ffi.Calls;

/// <summary>What the emitted stubs call besides the conversions: argument counts, pushes and error messages.</summary>
internal static unsafe class CallSupport
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool HasArgCount(nint L, int argBase, int count) => gettop(L) - argBase + 1 == count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void PushInteger(nint L, long v) => pushinteger(L, v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void PushNumber(nint L, double v) => pushnumber(L, v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void PushBool(nint L, byte v) => pushboolean(L, v != 0 ? 1 : 0);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void PushPointer(nint L, nint v) => pushlightuserdata(L, v);

    public static void PushCString(nint L, nint v) => CToLua.PushCString(L, v);

    /// <summary>Pointer argument <paramref name="parameter"/> at idx, its instance's type checked (<see cref="LuaToC.TryPointerTo"/>).</summary>
    public static bool TryTypedPointer(nint L, int idx, FunctionBinding b, int parameter, out nint value) =>
        LuaToC.TryPointerTo(L, idx, b.Signature.Parameters[parameter], out value);

    /// <summary>Fills <paramref name="dest"/> with struct argument <paramref name="parameter"/> (at argBase + parameter); throws the Lua error for a bad value.</summary>
    public static void StoreRecord(nint L, int argBase, FunctionBinding b, int parameter, byte* dest) =>
        AggregateArgument.Store(L, argBase + parameter, (Types.StructType)b.Signature.Parameters[parameter], dest, parameter + 1, b.Name);

    /// <summary>Pushes a new instance holding a copy of the struct result at <paramref name="bytes"/>; returns 1, the result count.</summary>
    public static int PushRecord(nint L, FunctionBinding b, byte* bytes)
    {
        var t = b.Signature.Returns;
        var h = Memory.Instance.New(L, t, b.Name);
        System.Runtime.InteropServices.NativeMemory.Copy(bytes, (void*)h->Address, (nuint)t.Size);
        return 1;
    }

    /// <summary>"bad argument #2 to 'add' (i32 expected, got string)"; returns -1 for the thunk.</summary>
    public static int BadArgument(nint L, FunctionBinding b, int parameter, int argBase)
    {
        var t = b.Signature.Parameters[parameter];
        int idx = argBase + parameter;
        return CFunction.PushError(L, LuaException.BadArgument(parameter + 1, b.Name, LuaToC.Describe(L, idx, t)));
    }

    public static int BadArgCount(nint L, FunctionBinding b, int argBase)
    {
        int got = gettop(L) - argBase + 1;
        int want = b.Signature.Parameters.Count;
        var what = b.Signature.IsVariadic ? $"at least {want}" : want.ToString();
        return CFunction.PushError(L, new LuaException(
            $"wrong number of arguments to '{b.Name}' ({what} expected, got {got})"));
    }

    /// <summary>A wrapper whose binding was let go by its __gc (a finalizer brought it back): its library may be gone.</summary>
    public static int Collected(nint L) =>
        CFunction.PushError(L, new LuaException("cannot call this function: its library was closed (the wrapper was collected)"));

    public static int Closed(nint L, FunctionBinding b) =>
        CFunction.PushError(L, new LuaException(b.Library is { IsClosed: true } || b.Callback == null
            ? $"cannot call '{b.Name}': {b.Library!.Describe()} is closed"
            : $"cannot call '{b.Name}': it points to a freed callback ({b.Signature.Name}; its code at 0x{b.Target:x} runs no Lua function any more)"));
}
