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

    static FunctionBinding Binding(nint slot) =>
        Unsafe.As<FunctionBinding>(GCHandle.FromIntPtr(*(nint*)(slot + NativeSlot.HandleOffset)).Target!);

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    static void BadArgument(nint L, nint slot, int parameter, int argBase)
    {
        try { CallSupport.BadArgument(L, Binding(slot), parameter, argBase); }
        catch (Exception e) { CFunction.PushError(L, e); }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    static void BadArgCount(nint L, nint slot, int argBase)
    {
        try { CallSupport.BadArgCount(L, Binding(slot), argBase); }
        catch (Exception e) { CFunction.PushError(L, e); }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    static void Closed(nint L, nint slot)
    {
        try { CallSupport.Closed(L, Binding(slot)); }
        catch (Exception e) { CFunction.PushError(L, e); }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    static int ObjectAddress(nint L, int idx, nint* address)
    {
        try { return NativeObject.TryGetAddress(L, idx, out *address) ? 1 : 0; }
        catch { return 0; }
    }
}
