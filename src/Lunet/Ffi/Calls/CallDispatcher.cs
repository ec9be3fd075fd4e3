using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Lunet.Interop;
using static Lunet.Interop.LuaApi;

namespace Lunet.Ffi.Calls;

/// <summary>
/// Wrapped C functions as Lua sees them: a C closure over one shared unmanaged
/// dispatcher (behind the error thunk) whose upvalue is a userdata holding a
/// handle to the <see cref="FunctionBinding"/>. The dispatcher hands the Lua
/// stack to the binding's stub.
/// </summary>
internal static unsafe class CallDispatcher
{
    static readonly nint DispatchThunk = NativeThunks.ErrorThunk((nint)(delegate* unmanaged[Cdecl]<nint, int>)&Dispatch);

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    static int Dispatch(nint L)
    {
        var b = Unsafe.As<FunctionBinding>(GCHandle.FromIntPtr(*(nint*)touserdata(L, UpvalueIndex(1))).Target!);
        if (b.IsClosed) return CallSupport.Closed(L, b);
        try
        {
            return b.Stub(L, b, 1);
        }
        catch (Exception e)
        {
            return CFunction.PushError(L, e);
        }
    }

    /// <summary>Pushes a Lua function that calls <paramref name="binding"/>.</summary>
    public static void Push(nint L, FunctionBinding binding)
    {
        if (binding.NativeStub != 0)
        {
            // The native stub is the Lua C function itself; its slot is the upvalue.
            var slot = Metatables.NewHandleUserdata(L, binding, NativeSlot.Words);
            slot[NativeSlot.TargetOffset / sizeof(nint)] = binding.Target;
            slot[NativeSlot.ClosedCellOffset / sizeof(nint)] = binding.ClosedCell;
            slot[NativeSlot.StubOffset / sizeof(nint)] = binding.NativeStub;
            Metatables.Push(L, "ffi.binding", &BuildMetatable);
            setmetatable(L, -2);
            pushcclosure(L, NativeStubCache.Entry, 1);
            return;
        }
        Metatables.NewHandleUserdata(L, binding);
        Metatables.Push(L, "ffi.binding", &BuildMetatable);
        setmetatable(L, -2);
        pushcclosure(L, DispatchThunk, 1);
    }

    static void BuildMetatable(nint L) => CFunction.Set(L, -1, "__gc", &Metatables.FreeHandleGc);
}
