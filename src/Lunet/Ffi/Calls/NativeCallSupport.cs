using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Lunet.Ffi.Memory;
using Lunet.Interop;

namespace Lunet.Ffi.Calls;

/// <summary>
/// The C# the native stubs call, off the fast path only: error messages (pushed,
/// then the stub raises) and the address of an ffi object passed as a pointer.
/// None of these raise or throw.
/// </summary>
internal static unsafe class NativeCallSupport
{
    public static readonly nint BadArgumentAddress = (nint)(delegate* unmanaged[Cdecl]<nint, nint, int, int, void>)&BadArgument;
    public static readonly nint BadArgCountAddress = (nint)(delegate* unmanaged[Cdecl]<nint, nint, int, void>)&BadArgCount;
    public static readonly nint ClosedAddress = (nint)(delegate* unmanaged[Cdecl]<nint, nint, void>)&Closed;
    public static readonly nint ObjectAddressAddress = (nint)(delegate* unmanaged[Cdecl]<nint, int, nint*, int>)&ObjectAddress;

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

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    static int ObjectAddress(nint L, int idx, nint* address)
    {
        try { return NativeObject.TryGetAddress(L, idx, out *address) ? 1 : 0; }
        catch { return 0; }
    }
}
