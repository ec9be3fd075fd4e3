using System.Runtime.InteropServices;
using Lunet.Ffi.Calls;
using Lunet.Ffi.Libraries;
using Lunet.Ffi.Memory;
using Lunet.Ffi.Types;
using Lunet.Interop;
using static Lunet.Interop.LuaApi;

namespace Lunet.Ffi.Callbacks;

/// <summary>
/// ffi.callback, ffi.poll and the FfiCallback userdata scripts hold. The userdata follows the
/// <see cref="NativeObject"/> protocol (its first word is the code address), so every pointer
/// argument takes it as its C function pointer: { code, 0, cookie, tag, GCHandle of the
/// <see cref="Callback"/> }. The 0 in the kind word is no kind the ffi knows the extent of: its
/// code is no memory to any bounded operation (<see cref="NativeObject.KindOf"/>).
/// </summary>
internal static unsafe class CallbackObject
{
    const int Words = 5, TagWord = 3, HandleWord = 4;
    const string TypeName = "FfiCallback";
    static readonly long Tag = Metatables.NewTag();


    /// <summary>ffi.callback(fn, retType, argTypes [, options]).</summary>
    public static int New(nint L)
    {
        if (type(L, 1) != TFUNCTION)
            throw LuaException.BadArgument(1, "callback", $"function expected, got {LuaOps.TypeName(L, 1)}");
        var types = FfiContext.Of(L).Types;
        var ret = types.Resolve(FfiLimits.Name(L, 2, 2, "callback", "type name"));
        if (type(L, 3) != TTABLE)
            throw LuaException.BadArgument(3, "callback", $"table of argument type names expected, got {LuaOps.TypeName(L, 3)}");
        long n = (long)rawlen(L, 3);
        FfiLimits.CheckParameterCount(n, "callback");
        var parameters = new List<CType>();
        for (int i = 1; i <= n; i++)
        {
            var s = LibraryObject.PushTypeName(L, 3, i, 3, "callback");
            settop(L, -2);
            parameters.Add(types.Resolve(s));
        }
        bool queue = ReadOptions(L);

        Refuse(ret, parameters, "ffi.callback");
        var sig = LibraryObject.MakeSignature(ret, parameters, "ffi.callback");
        var cb = Make(L, 1, sig, queue, "ffi.callback");
        var block = (nint*)newuserdatauv(L, (nuint)(Words * sizeof(nint)), 0);
        for (int i = 0; i < Words; i++) block[i] = 0;
        block[0] = cb.Code;
        block[2] = (nint)Memory.Buffer.Cookie;
        block[TagWord] = (nint)Tag;
        block[HandleWord] = GCHandle.ToIntPtr(GCHandle.Alloc(cb));
        cb.Pin = CallbackCells.Pin(cb.Cell);   // its address stays this callback's (or the freed entry) while the object lives
        Metatables.Push(L, TypeName, &BuildMetatable);
        setmetatable(L, -2);
        return 1;
    }

    /// <summary>
    /// Makes the Lua function at <paramref name="fn"/> a callback of <paramref name="sig"/>: its
    /// store slot and code cell (ffi.callback, and the temporary and owned callbacks that
    /// function-pointer parameters and fields make). Errors name <paramref name="function"/>.
    /// </summary>
    public static Callback Make(nint L, int fn, FunctionType sig, bool queue, string function)
    {
        Refuse(sig.Returns, sig.Parameters, function);
        if (sig.IsVariadic) throw new LuaException($"{function}: a callback cannot be variadic ({sig.Name})");
        if (!NativeStubCompiler.IsSupported)
            throw new LuaException($"{function}: callbacks are not supported on this platform ({RuntimeInformation.OSDescription.Split(' ')[0]} {RuntimeInformation.ProcessArchitecture}); they need x86-64 System V (Linux, macOS, BSD)");
        var registry = CallbackRegistry.For(L);
        var cb = new Callback(sig, registry, queue);
        cb.Reference = registry.Keep(L, fn);
        var (cell, code) = CallbackCells.Take(cb, CallbackTrampoline.For(sig), (nint)registry.Counters, registry.Store, cb.Reference,
            queue ? CallbackCells.QueueFlag : 0);
        cb.Cell = cell;
        cb.Code = code;
        return cb;
    }

    /// <summary>What callbacks cannot take or return: a string result, and what no call passes by value (incomplete records, arrays, records aligned past 16).</summary>
    static void Refuse(CType ret, IReadOnlyList<CType> parameters, string function)
    {
        if (ret.Scalar == ScalarKind.CString)
            throw new LuaException($"{function}: a callback cannot return a string (Lua would collect it when the callback returns); return a pointer to memory that outlives the call");
        CallSignature.CheckByValue(ret, parameters, function);
    }

    /// <summary>The options table: { threads = "error" | "queue" }; true for "queue".</summary>
    static bool ReadOptions(nint L)
    {
        int t = type(L, 4);
        if (t is TNONE or TNIL) return false;
        if (t != TTABLE) throw LuaException.BadArgument(4, "callback", $"options table expected, got {LuaOps.TypeName(L, 4)}");
        LuaOps.RawGetField(L, 4, "threads");
        try
        {
            if (type(L, -1) == TNIL) return false;
            return LuaOps.ToStringOrNull(L, -1) switch
            {
                "queue" => true,
                "error" => false,
                _ => throw LuaException.BadArgument(4, "callback", $"threads must be \"error\" or \"queue\", got {Shown(L, -1)}"),
            };
        }
        finally { settop(L, -2); }
    }

    static string Shown(nint L, int idx) =>
        LuaOps.ToStringOrNull(L, idx) is { } s ? $"\"{(s.Length > 40 ? s[..40] + "..." : s)}\"" : LuaOps.TypeName(L, idx);

    /// <summary>ffi.poll(): runs the invocations queued when it began; returns how many ran... or raises the first error.</summary>
    public static int Poll(nint L)
    {
        var c = Allocator.Of(L);
        var r = CallbackRegistry.Of(c);
        if (r == null) { pushinteger(L, 0); return 1; }
        Interlocked.And(ref c->CallbackAttention, ~(long)CallbackHooks.QueuedBit);
        if (CallbackSupport.RunQueued(L, r, out int ran) is { } failure)
            throw new LuaException(failure) { WithPosition = false };
        pushinteger(L, ran);
        return 1;
    }

    static void BuildMetatable(nint L)
    {
        CFunction.Set(L, -1, "__index", &Index);
        CFunction.Set(L, -1, "__tostring", &ToString);
        CFunction.Set(L, -1, "__gc", &Collect);
    }

    static Callback? Of(nint L, int idx)
    {
        if (type(L, idx) != TUSERDATA || rawlen(L, idx) < (ulong)(Words * sizeof(nint))) return null;
        var block = (nint*)touserdata(L, idx);
        if (block[TagWord] != (nint)Tag) return null;
        if (block[HandleWord] == 0)
            throw new LuaException($"this {TypeName} was finalized (its __gc ran); its C function pointer stays as it was until its runtime is disposed");
        return (Callback)GCHandle.FromIntPtr(block[HandleWord]).Target!;
    }

    static Callback Self(nint L, string method) =>
        Of(L, 1) ?? throw LuaException.BadSelf(method, TypeName, LuaOps.TypeName(L, 1), $"cb:{method}()");

    static int Index(nint L)
    {
        var cb = Of(L, 1) ?? throw LuaException.BadArgument(1, "__index", $"{TypeName} expected, got {LuaOps.TypeName(L, 1)}");
        switch (LuaOps.ToStringOrNull(L, 2))
        {
            case "ptr": pushlightuserdata(L, Live(cb, "ptr").Code); return 1;
            case "retType": LuaOps.PushString(L, cb.Signature.Returns.Name); return 1;
            case "argCount": pushinteger(L, cb.Signature.Parameters.Count); return 1;
            case "isValid": pushboolean(L, cb.IsFreed ? 0 : 1); return 1;
            case "getPtr": CFunction.Push(L, &GetPtr); return 1;
            case "free": CFunction.Push(L, &Free); return 1;
            default: pushnil(L); return 1;
        }
    }

    static Callback Live(Callback cb, string what) =>
        cb.IsFreed ? throw new LuaException($"{what}: this {cb.Describe()} was freed") : cb;

    static int GetPtr(nint L)
    {
        pushlightuserdata(L, Live(Self(L, "getPtr"), "getPtr").Code);
        return 1;
    }

    /// <summary>free(): the slot goes to the freed entry, the function to the collector.</summary>
    static int Free(nint L)
    {
        Live(Self(L, "free"), "free").Release();
        return 0;
    }

    static int ToString(nint L)
    {
        var cb = Of(L, 1) ?? throw LuaException.BadArgument(1, "__tostring", $"{TypeName} expected, got {LuaOps.TypeName(L, 1)}");
        LuaOps.PushString(L, $"{TypeName}<{cb.Signature.Name}>: 0x{cb.Code:x} ({(cb.IsFreed ? "freed" : "valid")})");
        return 1;
    }

    /// <summary>__gc lets go of the handle and of the object's hold on the slot: the callback stays valid until free(), as C may hold its pointer.</summary>
    static int Collect(nint L)
    {
        if (type(L, 1) != TUSERDATA || rawlen(L, 1) < (ulong)(Words * sizeof(nint))) return 0;
        var block = (nint*)touserdata(L, 1);
        if (block[TagWord] != (nint)Tag || block[HandleWord] == 0) return 0;
        var handle = GCHandle.FromIntPtr(block[HandleWord]);
        block[HandleWord] = 0;
        ((Callback)handle.Target!).Pin?.Release();
        handle.Free();
        return 0;
    }
}
