using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Lunet.Ffi.Calls;
using Lunet.Ffi.Conversion;
using Lunet.Ffi.Types;
using Lunet.Interop;
using static Lunet.Interop.LuaApi;

namespace Lunet.Bench;

/// <summary>
/// Hand-built C# Lua functions that add the ffi's call path one piece at a time,
/// so the difference between neighbours is the cost of that piece:
/// the unmanaged→managed transition, the error thunk, the GCHandle lookup, the
/// stub delegate, the argument checks and the GC transition of the calli.
/// </summary>
static unsafe class Probes
{
    sealed class Holder
    {
        public bool Closed = false; // read on every call, as FunctionBinding.IsClosed is
        public nint Noop, Add;
    }

    static FunctionBinding? binding;

    /// <summary>Registers the probes as globals probe_*; <paramref name="benchlib"/> gives the C targets.</summary>
    public static void Register(LuaRuntime rt, string benchlib)
    {
        var L = rt.State;
        var h = NativeLibrary.Load(benchlib);
        var noop = NativeLibrary.GetExport(h, "noop");
        var add = NativeLibrary.GetExport(h, "add_i32");
        var holder = new Holder { Noop = noop, Add = add };
        binding = new FunctionBinding("noop", noop, new FunctionType(ScalarType.Void, new List<CType>()), null);

        Set(L, "probe_noop_direct", (nint)(delegate* unmanaged[Cdecl]<nint, int>)&NoopDirect, null);
        Set(L, "probe_noop_thunk", NativeThunks.ErrorThunk((nint)(delegate* unmanaged[Cdecl]<nint, int>)&NoopDirect), null);
        Set(L, "probe_noop_handle", NativeThunks.ErrorThunk((nint)(delegate* unmanaged[Cdecl]<nint, int>)&NoopHandle), holder);
        Set(L, "probe_noop_calli", NativeThunks.ErrorThunk((nint)(delegate* unmanaged[Cdecl]<nint, int>)&NoopCalli), holder);
        Set(L, "probe_noop_calli_nogc", NativeThunks.ErrorThunk((nint)(delegate* unmanaged[Cdecl]<nint, int>)&NoopCalliNoTransition), holder);
        Set(L, "probe_noop_stub", NativeThunks.ErrorThunk((nint)(delegate* unmanaged[Cdecl]<nint, int>)&NoopStub), holder);
        Set(L, "probe_add_cs", NativeThunks.ErrorThunk((nint)(delegate* unmanaged[Cdecl]<nint, int>)&AddInCSharp), holder);
        Set(L, "probe_add_calli", NativeThunks.ErrorThunk((nint)(delegate* unmanaged[Cdecl]<nint, int>)&AddCalli), holder);
        CFunction.Push(L, &NoopManaged);
        fixed (byte* n = "probe_noop_entry\0"u8) setglobal(L, n);
        CFunction.Push(L, &CallSelf);
        fixed (byte* n = "probe_call_self\0"u8) setglobal(L, n);
        CFunction.Push(L, &CallLookup);
        fixed (byte* n = "probe_call_lookup\0"u8) setglobal(L, n);
        Set(L, "probe_add_calli_unchecked", NativeThunks.ErrorThunk((nint)(delegate* unmanaged[Cdecl]<nint, int>)&AddCalliUnchecked), holder);
    }

    static void Set(nint L, string name, nint fn, object? upvalue)
    {
        if (upvalue != null)
        {
            Metatables.NewHandleUserdata(L, upvalue, ProbeTag); // never freed: lives as long as the process
            pushcclosure(L, fn, 1);
        }
        else pushcclosure(L, fn, 0);
        fixed (byte* n = Encoding.UTF8.GetBytes(name + "\0")) setglobal(L, n);
    }

    static readonly long ProbeTag = Metatables.NewTag();

    /// <summary>A C# noop reached the way ffi functions such as lib:call are: CFunction's shared entry.</summary>
    static int NoopManaged(nint L) => 0;

    /// <summary>+ what a library method does to find its LoadedLibrary from self: the handle table, lua_rawget, the tag, the GCHandle.</summary>
    static int CallSelf(nint L) => Lunet.Ffi.Libraries.LibraryObject.Find(L, 1) != null ? 0 : -1;

    /// <summary>+ the call-site cache lookup (string identities), without calling the stub.</summary>
    static int CallLookup(nint L)
    {
        var lib = Lunet.Ffi.Libraries.LibraryObject.Find(L, 1);
        return lib != null && lib.CallSites.Find(L) != null ? 0 : -1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Holder Self(nint L) => Unsafe.As<Holder>(GCHandle.FromIntPtr(*(nint*)touserdata(L, UpvalueIndex(1))).Target!);

    /// <summary>Nothing but the unmanaged→managed transition.</summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    static int NoopDirect(nint L) => 0;

    /// <summary>+ GCHandle lookup of the upvalue, the closed check and a try/catch, as CallDispatcher does.</summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    static int NoopHandle(nint L)
    {
        var b = Self(L);
        if (b.Closed) return -1;
        try { return 0; }
        catch (Exception e) { return CFunction.PushError(L, e); }
    }

    /// <summary>+ an argument-count check and a calli of C noop with the normal GC transition.</summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    static int NoopCalli(nint L)
    {
        var b = Self(L);
        if (b.Closed) return -1;
        try
        {
            return NoopCalliBody(L, b);
        }
        catch (Exception e) { return CFunction.PushError(L, e); }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static int NoopCalliBody(nint L, Holder b)
    {
        if (gettop(L) != 0) return -1;
        ((delegate* unmanaged[Cdecl]<void>)b.Noop)();
        return 0;
    }

    /// <summary>The same without the GC transition (only valid because the target is a known noop).</summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    static int NoopCalliNoTransition(nint L)
    {
        var b = Self(L);
        if (b.Closed) return -1;
        try
        {
            return NoopCalliNoTransitionBody(L, b);
        }
        catch (Exception e) { return CFunction.PushError(L, e); }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static int NoopCalliNoTransitionBody(nint L, Holder b)
    {
        if (gettop(L) != 0) return -1;
        ((delegate* unmanaged[Cdecl, SuppressGCTransition]<void>)b.Noop)();
        return 0;
    }

    /// <summary>NoopHandle + the real emitted stub for void(void) through its delegate: what lib:wrap's dispatcher does.</summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    static int NoopStub(nint L)
    {
        var h = Self(L);
        if (h.Closed) return -1;
        var b = binding!;
        try { return b.Stub(L, b, 1); }
        catch (Exception e) { return CFunction.PushError(L, e); }
    }

    /// <summary>add(i32, i32) with the ffi's checks, the addition done in C# (no calli).</summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    static int AddInCSharp(nint L)
    {
        var b = Self(L);
        if (b.Closed) return -1;
        try
        {
            return AddInCSharpBody(L, b);
        }
        catch (Exception e) { return CFunction.PushError(L, e); }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static int AddInCSharpBody(nint L, Holder b)
    {
        if (gettop(L) != 2) return -1;
        if (!LuaToC.TryInteger(L, 1, out var x)) return -1;
        if (!LuaToC.TryInteger(L, 2, out var y)) return -1;
        pushinteger(L, (int)x + (int)y);
        return 1;
    }

    /// <summary>The same calling C add_i32 through calli with the normal GC transition: the stub, hand-written.</summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    static int AddCalli(nint L)
    {
        var b = Self(L);
        if (b.Closed) return -1;
        try
        {
            return AddCalliBody(L, b);
        }
        catch (Exception e) { return CFunction.PushError(L, e); }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static int AddCalliBody(nint L, Holder b)
    {
        if (gettop(L) != 2) return -1;
        if (!LuaToC.TryInteger(L, 1, out var x)) return -1;
        if (!LuaToC.TryInteger(L, 2, out var y)) return -1;
        pushinteger(L, ((delegate* unmanaged[Cdecl]<int, int, int>)b.Add)((int)x, (int)y));
        return 1;
    }

    /// <summary>AddCalli without the lua_type checks (accepts numeric strings: for measurement only).</summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    static int AddCalliUnchecked(nint L)
    {
        var b = Self(L);
        if (b.Closed) return -1;
        try
        {
            return AddCalliUncheckedBody(L, b);
        }
        catch (Exception e) { return CFunction.PushError(L, e); }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static int AddCalliUncheckedBody(nint L, Holder b)
    {
        if (gettop(L) != 2) return -1;
        int ok1, ok2;
        long x = tointegerx(L, 1, &ok1);
        long y = tointegerx(L, 2, &ok2);
        if ((ok1 & ok2) == 0) return -1;
        pushinteger(L, ((delegate* unmanaged[Cdecl]<int, int, int>)b.Add)((int)x, (int)y));
        return 1;
    }
}
