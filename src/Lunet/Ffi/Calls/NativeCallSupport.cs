using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Lunet.Ffi.Conversion;
using Lunet.Ffi.Memory;
using Lunet.Ffi.Types;
using Lunet.Interop;

namespace Lunet.Ffi.Calls;

/// <summary>
/// The C# the native stubs call, off the fast path only: error messages (pushed,
/// then the stub raises), a full userdata passed as a pointer that the stub did not
/// recognise as an ffi object, and structs by value.
/// None of these raise or throw.
/// </summary>
internal static unsafe class NativeCallSupport
{
    public static readonly nint BadArgumentAddress = (nint)(delegate* unmanaged[Cdecl]<nint, nint, int, int, void>)&BadArgument;
    public static readonly nint BadArgCountAddress = (nint)(delegate* unmanaged[Cdecl]<nint, nint, int, void>)&BadArgCount;
    public static readonly nint ClosedAddress = (nint)(delegate* unmanaged[Cdecl]<nint, nint, void>)&Closed;
    public static readonly nint ObjectAddressAddress = (nint)(delegate* unmanaged[Cdecl]<nint, int, nint*, int>)&ObjectAddress;
    public static readonly nint PointerArgumentAddress = (nint)(delegate* unmanaged[Cdecl]<nint, nint, int, int, nint*, int>)&PointerArgument;
    public static readonly nint AggregateArgumentAddress = (nint)(delegate* unmanaged[Cdecl]<nint, nint, int, int, byte*, int>)&AggregateArgument;
    public static readonly nint RecordResultAddress = (nint)(delegate* unmanaged[Cdecl]<nint, nint, byte*, int>)&RecordResult;

    static FunctionBinding? Binding(nint slot)
    {
        nint handle = *(nint*)(slot + NativeSlot.HandleOffset);
        return handle == 0 ? null : Unsafe.As<FunctionBinding>(GCHandle.FromIntPtr(handle).Target!);
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    static void BadArgument(nint L, nint slot, int parameter, int argBase)
    {
        try
        {
            if (Binding(slot) is { } b) CallSupport.BadArgument(L, b, parameter, argBase);
            else CallSupport.Collected(L);
        }
        catch (Exception e) { CFunction.PushError(L, e); }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    static void BadArgCount(nint L, nint slot, int argBase)
    {
        try
        {
            if (Binding(slot) is { } b) CallSupport.BadArgCount(L, b, argBase);
            else CallSupport.Collected(L);
        }
        catch (Exception e) { CFunction.PushError(L, e); }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    static void Closed(nint L, nint slot)
    {
        try
        {
            if (Binding(slot) is { } b) CallSupport.Closed(L, b);
            else CallSupport.Collected(L);
        }
        catch (Exception e) { CFunction.PushError(L, e); }
    }

    /// <summary>Calls of <see cref="ObjectAddress"/> on this thread: how tests see that the stub read an ffi object itself.</summary>
    [ThreadStatic] internal static long ObjectAddressCalls;

    /// <summary>A full userdata the stub did not recognise as an ffi object: 1 with its address, 0 when it is not one.</summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    static int ObjectAddress(nint L, int idx, nint* address)
    {
        ObjectAddressCalls++;
        try { return NativeObject.TryGetAddress(L, idx, out *address) ? 1 : 0; }
        catch { return 0; }
    }

    /// <summary>
    /// An instance passed to a pointer to a struct or union that the stub did not find of the pointer's
    /// type: 1 with its address when the pointer may point at it (an array of that type, say), 0 when not
    /// (the stub then reports the argument as bad, and the message names both types).
    /// </summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    static int PointerArgument(nint L, nint slot, int parameter, int argBase, nint* address)
    {
        try
        {
            return Binding(slot) is { } b && LuaToC.TryPointerTo(L, argBase + parameter, b.Signature.Parameters[parameter], out *address) ? 1 : 0;
        }
        catch { return 0; }
    }

    /// <summary>Calls of the two struct helpers below on this thread: how tests see that instances crossed natively.</summary>
    [ThreadStatic] internal static long RecordHelperCalls;

    /// <summary>
    /// Fills the stub's area for a struct argument from the Lua value (an instance, a view, a table of
    /// fields). 1 when done; 0 with the error message pushed.
    /// </summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    static int AggregateArgument(nint L, nint slot, int parameter, int argBase, byte* dest)
    {
        RecordHelperCalls++;
        try
        {
            if (Binding(slot) is not { } b) { CallSupport.Collected(L); return 0; }
            CallSupport.StoreRecord(L, argBase, b, parameter, dest);
            return 1;
        }
        catch (Exception e) { CFunction.PushError(L, e); return 0; }
    }

    /// <summary>Pushes a new instance that owns a copy of the struct result at <paramref name="bytes"/>. 1 when done; 0 with the error message pushed.</summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    static int RecordResult(nint L, nint slot, byte* bytes)
    {
        RecordHelperCalls++;
        try
        {
            if (Binding(slot) is not { } b) { CallSupport.Collected(L); return 0; }
            return CallSupport.PushRecord(L, b, bytes);
        }
        catch (Exception e) { CFunction.PushError(L, e); return 0; }
    }
}
