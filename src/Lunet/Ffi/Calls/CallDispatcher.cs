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
        try
        {
            var block = Metatables.HandleBlock(L, UpvalueIndex(1), Tag);
            // Freed by __gc: a wrapper a finalizer brought back after its library went away.
            if (block == null || block[0] == 0) return CallSupport.Collected(L);
            var b = Unsafe.As<FunctionBinding>(GCHandle.FromIntPtr(block[0]).Target!);
            if (b.IsClosed) return CallSupport.Closed(L, b);
            int results = b.Stub(L, b, 1);
            if (results < 0) Callbacks.TemporaryCallbacks.ReleaseAfterFailure(L);   // raised: its temporary callbacks go with it
            return results;
        }
        catch (Exception e)
        {
            return CFunction.PushError(L, e);
        }
    }

    /// <summary>The tag of a wrapper's upvalue userdata (<see cref="Metatables"/>).</summary>
    static readonly long Tag = Metatables.NewTag();

    /// <summary>Pushes a Lua function that calls <paramref name="binding"/>.</summary>
    public static void Push(nint L, FunctionBinding binding)
    {
        if (binding.NativeStub != 0)
        {
            // The native stub is the Lua C function itself; its slot is the upvalue.
            PushNativeSlot(L, binding);
            pushcclosure(L, NativeStubCache.Entry, 1);
            return;
        }
        Metatables.NewHandleUserdata(L, binding, Tag);
        Metatables.Push(L, "ffi.binding", &BuildMetatable);
        setmetatable(L, -2);
        pushcclosure(L, DispatchThunk, 1);
    }

    /// <summary>
    /// Pushes the userdata a native stub reads (<see cref="NativeSlot"/>) for <paramref name="binding"/>,
    /// which must have a native stub; its __gc frees the handle to the binding.
    /// </summary>
    public static void PushNativeSlot(nint L, FunctionBinding binding)
    {
        var slot = Metatables.NewHandleUserdata(L, binding, Tag, NativeSlot.Words);
        NativeSlot.Fill(L, slot, binding);
        Metatables.Push(L, "ffi.binding", &BuildMetatable);
        setmetatable(L, -2);
    }

    static void BuildMetatable(nint L) => CFunction.Set(L, -1, "__gc", &FreeSlot);

    /// <summary>
    /// __gc of a wrapper's upvalue: frees the handle to the binding, and points a native slot at a
    /// cell that always reads closed, so a wrapper that a finalizer brings back raises "library was
    /// closed" instead of reading the library's cell (freed with it) or calling its unloaded code.
    /// </summary>
    static int FreeSlot(nint L)
    {
        // A callback's slot held by this value may go to another callback now.
        if (Metatables.HandleBlock(L, 1, Tag) is var held && held != null && held[0] != 0
            && GCHandle.FromIntPtr(held[0]).Target is FunctionBinding { Callback: { } pin }) pin.Release();
        var block = Metatables.FreeHandle(L, Tag);
        if (block != null && rawlen(L, 1) >= (ulong)(NativeSlot.Words * sizeof(nint)))
        {
            block[NativeSlot.ClosedCellOffset / sizeof(nint)] = FunctionBinding.AlwaysClosed;
            block[NativeSlot.TargetOffset / sizeof(nint)] = 0;
        }
        return 0;
    }
}
