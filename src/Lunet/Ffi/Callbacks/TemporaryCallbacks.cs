using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Lunet.Ffi.Calls;
using Lunet.Interop;
using static Lunet.Interop.LuaApi;

namespace Lunet.Ffi.Callbacks;

/// <summary>
/// A plain Lua function passed to a function-pointer parameter: a callback of the parameter's
/// function type that lives for that call. The native stub asks for it when a pointer argument
/// is a function (<see cref="ArgumentAddress"/>); the callback is noted with its Lua thread and
/// the depth of the stub's frame on it, and the stub's after-call hook
/// (<see cref="CallbackSupport.AfterCall"/>, through <see cref="CallbackHooks.TemporaryBit"/>)
/// releases every temporary of that thread made at that depth or deeper: its own, and any a
/// call that failed before reaching C left behind. Calls nest properly, so an inner call never
/// releases an outer call's callbacks. A call that raises before reaching C (a later argument
/// refused) releases its own at once (<see cref="ReleaseFailedAddress"/>, from the stub's raise),
/// so nothing waits on a coroutine that dies of that error. The depth is where the call's frame
/// sits on its thread's Lua stack, read in constant time whatever the stack's depth.
/// </summary>
internal static unsafe class TemporaryCallbacks
{
    public static readonly nint ArgumentAddress = (nint)(delegate* unmanaged[Cdecl]<nint, int, int, nint, nint*, int>)&Argument;
    public static readonly nint ReleaseFailedAddress = (nint)(delegate* unmanaged[Cdecl]<nint, void>)&ReleaseFailed;

    static readonly delegate* unmanaged[Cdecl]<nint, int, void*, int> getstack =
        (delegate* unmanaged[Cdecl]<nint, int, void*, int>)NativeLibrary.GetExport(LuaApi.Handle, "lua_getstack");

    /// <summary>Bytes reserved for a lua_Debug (Lua 5.4's is under 200 on 64-bit platforms).</summary>
    const int DebugBytes = 512;

    /// <summary>
    /// Argument <paramref name="parameter"/> (at <paramref name="idx"/>) of the call through
    /// <paramref name="slot"/> is a Lua function: when the parameter is a function pointer, makes the
    /// temporary callback and stores its code at <paramref name="address"/>. 1 when done; 0 for the
    /// stub's bad-argument error.
    /// </summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    static int Argument(nint L, int idx, int parameter, nint slot, nint* address)
    {
        using var frame = ProtectedCall.Enter(L);
        try
        {
            nint handle = *(nint*)(slot + NativeSlot.HandleOffset);
            if (handle == 0 || GCHandle.FromIntPtr(handle).Target is not FunctionBinding b) return 0;
            return TryFunction(L, idx, b, parameter, out *address) ? 1 : 0;
        }
        catch { return 0; }
    }

    /// <summary>The same for the managed stubs: false (nothing made) when the argument is no function or the parameter no function pointer.</summary>
    public static bool TryFunction(nint L, int idx, FunctionBinding b, int parameter, out nint address)
    {
        address = 0;
        try
        {
            if (type(L, idx) != TFUNCTION) return false;
            if ((uint)parameter >= (uint)b.Signature.Parameters.Count) return false;
            if (FunctionPointers.FunctionOf(b.Signature.Parameters[parameter]) is not { } f) return false;
            var cb = CallbackObject.Make(L, idx, f, queue: false, b.Name);
            cb.Registry.Temporaries.Add((L, Depth(L), cb));
            Interlocked.Or(ref cb.Registry.Counters->CallbackAttention, CallbackHooks.TemporaryBit);
            address = cb.Code;
            return true;
        }
        catch { return false; }
    }

    /// <summary>
    /// The native stub's read of pointer argument <paramref name="i"/> when it is neither a userdata
    /// nor nil: <see cref="Argument"/> makes the temporary callback or sends it to <paramref name="bad"/>.
    /// The stub keeps L, argBase and its slot in the registers named; rsp is 16-byte aligned.
    /// </summary>
    public static void EmitArgument(X64Assembler a, int stateReg, int argBaseReg, int slotReg, int i, int area, X64Assembler.Label bad)
    {
        a.MovRR(X64Assembler.Rdi, stateReg);
        a.MovRR32(X64Assembler.Rsi, argBaseReg);
        if (i != 0) a.AddImm32(X64Assembler.Rsi, i);
        a.MovImm32(X64Assembler.Rdx, i);
        a.MovRR(X64Assembler.Rcx, slotReg);
        a.Lea(X64Assembler.R8, X64Assembler.Rsp, area);
        a.CallAbs(ArgumentAddress);
        a.Test32(X64Assembler.Rax, X64Assembler.Rax);
        a.Jcc(X64Assembler.Cond.E, bad);
    }

    /// <summary>
    /// The stub raises before (or after) its call (an argument refused, a result it cannot make): the
    /// temporaries this call made go now, as they would when it returns. The error is on top of the
    /// stack and stays there: only the function store is touched.
    /// </summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    static void ReleaseFailed(nint L)
    {
        using var frame = ProtectedCall.Enter(L);
        try { ReleaseAfterFailure(L); }
        catch { }
    }

    /// <summary><see cref="ReleaseFailed"/> for the managed stubs (their error pushed, about to be raised).</summary>
    public static void ReleaseAfterFailure(nint L)
    {
        var c = Allocator.Of(L);
        if (c == null || (Volatile.Read(ref c->CallbackAttention) & CallbackHooks.TemporaryBit) == 0) return;
        if (CallbackRegistry.Of(c) is not { } r) return;
        if (!Release(L, r)) Interlocked.And(ref c->CallbackAttention, ~(long)CallbackHooks.TemporaryBit);
    }

    /// <summary>The raise of a native stub: before lua_error (rdi = L then), the temporaries of the failed call go.</summary>
    public static void EmitReleaseOnRaise(X64Assembler a, int stateReg)
    {
        a.MovRR(X64Assembler.Rdi, stateReg);
        a.CallAbs(ReleaseFailedAddress);
    }

    /// <summary>Releases the temporaries of <paramref name="L"/> made at the running frame's depth or deeper; true when others remain.</summary>
    public static bool Release(nint L, CallbackRegistry r)
    {
        var list = r.Temporaries;
        if (list.Count == 0) return false;
        int depth = Depth(L);
        for (int i = list.Count - 1; i >= 0; i--)
        {
            var (state, at, cb) = list[i];
            if (state != L || at < depth) continue;
            cb.Release();
            list.RemoveAt(i);
        }
        return list.Count > 0;
    }

    /// <summary>
    /// The depth of the running function of <paramref name="L"/>: where its frame's function sits on
    /// L's stack (<see cref="LuaStackLayout.FrameDepth"/>, in constant time) where that layout was
    /// checked; else counted with lua_getstack (its levels, found by doubling then halving), which
    /// costs the depth.
    /// </summary>
    static int Depth(nint L) => LuaStackLayout.IsFrameDepthVerified ? LuaStackLayout.FrameDepth(L) : CountedDepth(L);

    static int CountedDepth(nint L)
    {
        byte* ar = stackalloc byte[DebugBytes];
        int lo = 0, hi = 1;
        while (getstack(L, hi, ar) != 0)
        {
            lo = hi;
            if (hi > int.MaxValue / 2) return hi;
            hi *= 2;
        }
        while (hi - lo > 1)
        {
            int mid = lo + (hi - lo) / 2;
            if (getstack(L, mid, ar) != 0) lo = mid;
            else hi = mid;
        }
        return lo;
    }
}
