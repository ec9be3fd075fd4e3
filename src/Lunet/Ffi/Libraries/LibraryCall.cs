using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Lunet.Ffi.Calls;
using Lunet.Ffi.Types;
using Lunet.Interop;
using static Lunet.Interop.LuaApi;

namespace Lunet.Ffi.Libraries;

/// <summary>
/// lib:call(name, retType, argTypes, ...), Lune's call. Each library has its own
/// closure (upvalue: the library handle) behind its own unmanaged entry, and the
/// binding is found by the identity of the Lua strings it is given
/// (<see cref="CallSiteCache"/>), so the type strings are parsed once.
/// </summary>
internal static unsafe class LibraryCall
{
    const int ArgBase = 5;         // self, name, retType, argTypes, then the arguments

    static readonly nint EntryThunk = NativeThunks.ErrorThunk((nint)(delegate* unmanaged[Cdecl]<nint, int>)&Entry);

    /// <summary>Pushes the call closure over the library handle userdata on top of the stack (which it pops).</summary>
    public static void Push(nint L) =>
        pushcclosure(L, NativeCallCache.IsSupported ? NativeCallCache.Entry(EntryThunk) : EntryThunk, 1);

    /// <summary>Words in the library handle userdata: its GCHandle and tag, then the native call-site table.</summary>
    public static int HandleWords => NativeCallCache.IsSupported ? NativeCallCache.BlockWords : Metatables.HeaderWords;

    /// <summary>The tag of a library handle userdata (<see cref="Metatables"/>).</summary>
    public static readonly long HandleTag = Metatables.NewTag();

    /// <summary>__gc of the library handle: the call-site entries' handles, then the library's. Anything but a library handle is left alone.</summary>
    public static int FreeHandleGc(nint L)
    {
        var block = Metatables.HandleBlock(L, 1, HandleTag, HandleWords);
        if (block == null) return 0;
        if (NativeCallCache.IsSupported) NativeCallCache.Clear((nint)block);
        Metatables.FreeHandle(L, HandleTag, HandleWords);
        return 0;
    }

    /// <summary>The library of the handle userdata at idx; "library was closed" once its __gc let it go.</summary>
    public static LoadedLibrary Library(nint L, int idx)
    {
        var block = Metatables.HandleBlock(L, idx, HandleTag, HandleWords);
        if (block == null || block[0] == 0)
            throw new LuaException("this library was closed (its object was collected)");
        return Unsafe.As<LoadedLibrary>(GCHandle.FromIntPtr(block[0]).Target!);
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    static int Entry(nint L)
    {
        try
        {
            var lib = Library(L, UpvalueIndex(1));
            if (type(L, 1) != TTABLE)
                throw LuaException.BadSelf("call", "NativeLibrary", LuaOps.TypeName(L, 1), "lib:call(...)");
            var b = lib.CallSites.Find(L) ?? Bind(L, lib);
            if (b.IsClosed) return CallSupport.Closed(L, b);
            if (b.NativeStub != 0)
            {
                // The native entry runs the stub (C# must not: it raises from native code). Self is
                // no longer needed, so its stack slot keeps the slot userdata alive for the call.
                CallDispatcher.PushNativeSlot(L, b);
                copy(L, -1, 1);
                settop(L, -2);
                return NativeSlot.RunStubAtSelf;
            }
            return b.Stub(L, b, ArgBase);
        }
        catch (Exception e)
        {
            return CFunction.PushError(L, e);
        }
    }

    static FunctionBinding Bind(nint L, LoadedLibrary lib)
    {
        var types = FfiContext.Of(L).Types;
        var name = FfiLimits.MethodName(L, 2, "call");
        var ret = types.Resolve(FfiLimits.MethodName(L, 3, "call", "type name"));
        var parameters = new List<CType>();
        var keys = new List<nint>();
        // Cacheable only if every string is interned: its address then stands for its content.
        bool cacheable = InternedStrings.IsShort(L, 2) && InternedStrings.IsShort(L, 3);
        int t = type(L, 4);
        if (t == TTABLE)
        {
            long n = (long)rawlen(L, 4);
            FfiLimits.CheckParameterCount(n, "call");
            for (int i = 1; i <= n; i++)
            {
                var s = LibraryObject.PushTypeName(L, 4, i, 3, "call");
                keys.Add(topointer(L, -1));
                cacheable &= InternedStrings.IsShort(L, -1);
                settop(L, -2);
                parameters.Add(types.Resolve(s));
            }
        }
        else if (t != TNIL)
            throw LuaException.BadArgument(3, "call", $"table of argument types expected, got {LuaOps.TypeName(L, 4)}");

        SymbolKinds.CheckFunction(name, lib.Symbol(name), "call");
        var binding = lib.Bind(name, LibraryObject.MakeSignature(ret, parameters, "call"));
        if (cacheable && !lib.CallSites.IsFull)
        {
            InternedStrings.Anchor(L, 2);
            InternedStrings.Anchor(L, 3);
            for (int i = 1; i <= keys.Count; i++)
            {
                rawgeti(L, 4, i);
                InternedStrings.Anchor(L, -1);
                settop(L, -2);
            }
            var args = keys.ToArray();
            lib.CallSites.Add(topointer(L, 2), topointer(L, 3), args, binding);
            if (NativeCallCache.IsSupported)
                NativeCallCache.Add(L, touserdata(L, UpvalueIndex(1)), topointer(L, 2), topointer(L, 3), args, binding);
        }
        return binding;
    }
}
