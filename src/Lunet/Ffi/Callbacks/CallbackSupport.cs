using System.Runtime.InteropServices;
using Lunet.Ffi.Conversion;
using Lunet.Ffi.Types;
using Lunet.Interop;
using static Lunet.Interop.LuaApi;

namespace Lunet.Ffi.Callbacks;

/// <summary>
/// The C# the trampolines and the stubs' after-call hook reach, off the fast path: record a
/// callback's error for the ffi call to raise, queue or report a call from another thread,
/// run queued invocations, and push what the ffi call must raise. Nothing here raises or throws.
/// </summary>
internal static unsafe class CallbackSupport
{
    public static readonly nint FailedAddress = (nint)(delegate* unmanaged[Cdecl]<CallbackCells.Cell*, nint, int, void>)&Failed;
    public static readonly nint BadResultAddress = (nint)(delegate* unmanaged[Cdecl]<CallbackCells.Cell*, nint, void>)&BadResult;
    public static readonly nint NoStackAddress = (nint)(delegate* unmanaged[Cdecl]<CallbackCells.Cell*, nint, void>)&NoStack;
    public static readonly nint ForeignAddress = (nint)(delegate* unmanaged[Cdecl]<CallbackCells.Cell*, byte*, byte*, void>)&Foreign;
    public static readonly nint RecordArgumentAddress = (nint)(delegate* unmanaged[Cdecl]<CallbackCells.Cell*, nint, int, byte*, int>)&RecordArgument;
    public static readonly nint RecordResultAddress = (nint)(delegate* unmanaged[Cdecl]<CallbackCells.Cell*, nint, byte*, int>)&RecordResult;
    public static readonly nint ArgumentsBudgetAddress = (nint)(delegate* unmanaged[Cdecl]<CallbackCells.Cell*, byte*, byte*, int>)&ArgumentsBudget;
    public static readonly nint AfterCallAddress = (nint)(delegate* unmanaged[Cdecl]<nint, int>)&AfterCall;

    /// <summary>The message handler the trampolines push (a light C function): the runtime's traceback.</summary>
    public static readonly nint MessageHandler = NativeThunks.ErrorThunk((nint)(delegate* unmanaged[Cdecl]<nint, int>)&Handle);

    /// <summary>LUAI_MAXCCALLS of liblua54.</summary>
    public const int MaxCCalls = 200;

    const string YieldMessage = "attempt to yield across a C-call boundary";

    [UnmanagedCallersOnly(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    static int Handle(nint L)
    {
        using var frame = ProtectedCall.Enter(L);
        try
        {
            settop(L, 1);
            // An inner callback's error, raised again by the ffi call it failed in: it has its traceback.
            if (CallbackRegistry.Of(Allocator.Of(L)) is { LastRaised: { } raised } && LuaOps.ToStringOrNull(L, 1) == raised) return 1;
            if (checkstack(L, 40) == 0) return 1;
            if (type(L, 1) is TSTRING or TNUMBER)
            {
                // As the runtime's handler does, from this level, so the traceback starts at the error.
                // luaL_traceback reads registry._LOADED with lua_getfield: leave the message bare without it.
                bool loaded = LuaOps.RawGetField(L, LUA_REGISTRYINDEX, "_LOADED") == TTABLE;
                settop(L, 1);
                if (loaded) traceback(L, L, tolstring(L, 1, null), 1);
                return 1;
            }
            // Other error values (tables, __tostring) are the runtime's handler's to describe.
            if (!RuntimeFunctions.Push(L, RuntimeFunctions.MessageHandler)) return 1;
            pushvalue(L, 1);
            if (ProtectedCall.Call(L, 1, 1, 0) != LUA_OK) settop(L, 1);
            return 1;
        }
        catch { return 1; }
    }

    /// <summary>The Lua function raised: keep the first error of this ffi call (the message handler's result is on top).</summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    static void Failed(CallbackCells.Cell* cell, nint L, int status)
    {
        using var frame = ProtectedCall.Enter(L);
        try
        {
            var cb = CallbackCells.Owner(cell->Index);
            string message = LuaOps.ToStringOrNull(L, -1) ?? $"(error object is a {LuaOps.TypeName(L, -1)} value)";
            if (message.StartsWith(YieldMessage, StringComparison.Ordinal))
                message = $"cannot yield inside {cb?.Describe() ?? "a callback"}: a callback runs inside a C function, which cannot be suspended ({YieldMessage})"
                    + message[YieldMessage.Length..];
            else if (status == 5 || message.StartsWith("C stack overflow", StringComparison.Ordinal)) // LUA_ERRERR: past the limit while handling it
                message = $"callbacks nested too deep in {cb?.Describe() ?? "a callback"}: {message} (Lua allows {MaxCCalls} nested C calls in all; each callback level {(CallbackNesting.Offset >= 0 ? $"past the first {CallbackNesting.FreeLevels} " : "")}takes one)";
            Record((Allocator.Counters*)cell->Counters, message);
        }
        catch (Exception e) { Record((Allocator.Counters*)cell->Counters, Describe(e)); }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    static void BadResult(CallbackCells.Cell* cell, nint L)
    {
        using var frame = ProtectedCall.Enter(L);
        try
        {
            var cb = CallbackCells.Owner(cell->Index);
            string detail = cb == null ? $"got {LuaOps.TypeName(L, -1)}" : LuaToC.Describe(L, -1, cb.Signature.Returns);
            Record((Allocator.Counters*)cell->Counters, $"bad result from {cb?.Describe() ?? "a callback"} ({detail}); C got 0");
        }
        catch (Exception e) { Record((Allocator.Counters*)cell->Counters, Describe(e)); }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    static void NoStack(CallbackCells.Cell* cell, nint L)
    {
        try
        {
            var cb = CallbackCells.Owner(cell->Index);
            Record((Allocator.Counters*)cell->Counters, $"{cb?.Describe() ?? "callback"}: no room on the Lua stack for its arguments (stack overflow); C got 0");
        }
        catch { }
    }

    /// <summary>
    /// Struct argument <paramref name="parameter"/> (its bytes at <paramref name="bytes"/>): pushes a new
    /// instance of its type holding a copy. 1 when done; 0, with nothing pushed and the error recorded, when not.
    /// </summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    static int RecordArgument(CallbackCells.Cell* cell, nint L, int parameter, byte* bytes)
    {
        using var frame = ProtectedCall.Enter(L);
        int top = gettop(L);
        var cb = CallbackCells.Owner(cell->Index);
        try
        {
            if (cb == null) throw new LuaException("it was freed while C called it");
            if (checkstack(L, 8) == 0) throw new LuaException("no room on the Lua stack (stack overflow)");
            PushRecord(L, cb.Signature.Parameters[parameter], bytes, cb.Describe());
            return 1;
        }
        catch (Exception e)
        {
            settop(L, top);
            Record((Allocator.Counters*)cell->Counters, $"{cb?.Describe() ?? "a callback"}: cannot pass argument #{parameter + 1}: {Describe(e)}; C got 0");
            return 0;
        }
    }

    /// <summary>Bytes a Lua string or an instance takes beyond its contents (header, allocator rounding): an estimate on the safe side.</summary>
    const int ValueOverhead = 64;

    /// <summary>
    /// Before the trampoline pushes its string and struct arguments (which cannot fail, C being on the
    /// stack): 1 when they fit under the runtime's memory limit; 0, with "not enough memory" recorded
    /// for the ffi call (C gets zero), when they do not. The arguments are where <see cref="Foreign"/> reads them.
    /// </summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    static int ArgumentsBudget(CallbackCells.Cell* cell, byte* args, byte* stackArgs)
    {
        try
        {
            var c = (Allocator.Counters*)cell->Counters;
            if (c == null || c->Limit == long.MaxValue || CallbackCells.Owner(cell->Index) is not { } cb) return 1;
            long need = 0;
            var ps = cb.Signature.Parameters;
            var plan = Abi.ArgumentPlans.Of(cb.Signature);
            var offsets = CallbackTrampoline.ArgumentOffsets(cb.Signature, plan, out _);
            for (int i = 0; i < ps.Count; i++)
            {
                if (ps[i].Kind == TypeKind.Record) need += ps[i].Size + ValueOverhead;
                else if (ps[i].Scalar == ScalarKind.CString)
                {
                    long v = *(long*)CallbackTrampoline.ArgumentAt(plan, offsets, i, args, stackArgs);
                    if (v != 0) need += (long)Strlen((byte*)v) + ValueOverhead;
                }
            }
            if (need <= c->Limit - c->Used) return 1;
            Record(c, $"{cb.Describe()}: cannot pass its arguments: not enough memory ({need} bytes would take the runtime past its memory limit); C got 0");
            return 0;
        }
        catch { return 1; }
    }

    static void PushRecord(nint L, CType t, byte* bytes, string function)
    {
        var h = Memory.Instance.New(L, t, function);
        NativeMemory.Copy(bytes, (void*)h->Address, (nuint)t.Size);
    }

    /// <summary>
    /// The struct result on top of the stack into <paramref name="dest"/> (the struct's size): an instance
    /// or view of its type, or a table of fields, as a struct argument is read. 1 when done; 0 when the
    /// value is refused: <paramref name="dest"/> is zeroed again and the error recorded.
    /// </summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    static int RecordResult(CallbackCells.Cell* cell, nint L, byte* dest)
    {
        using var frame = ProtectedCall.Enter(L);
        int top = gettop(L);
        var cb = CallbackCells.Owner(cell->Index);
        try
        {
            if (cb == null) throw new LuaException("it was freed while C called it");
            AggregateArgument.Fill(L, top, (StructType)cb.Signature.Returns, dest, cb.Describe());
            return 1;
        }
        catch (Exception e)
        {
            settop(L, top);
            if (cb != null) NativeMemory.Clear(dest, (nuint)cb.Signature.Returns.Size);
            var t = cb?.Signature.Returns.Name ?? "struct";
            Record((Allocator.Counters*)cell->Counters, $"bad result from {cb?.Describe() ?? "a callback"} ({Describe(e)}); C got a zeroed {t}");
            return 0;
        }
    }

    static string Describe(Exception e) => e is LuaException ? e.Message : CFunction.UnexpectedFailure;

    /// <summary>Keeps <paramref name="message"/> for the ffi call in progress to raise (the first one wins).</summary>
    static void Record(Allocator.Counters* c, string message)
    {
        if (CallbackRegistry.Of(c) is not { } r) return;
        r.PendingError ??= message;
        Interlocked.Or(ref c->CallbackAttention, CallbackHooks.ErrorBit);
    }

    /// <summary>
    /// Called on a thread that is not making its runtime's ffi call: queue the invocation, or report it.
    /// The arguments are in the trampoline's areas at <paramref name="args"/>; a struct passed on the
    /// stack, in the caller's stack arguments at <paramref name="stackArgs"/> (<see cref="CallbackTrampoline.ArgumentOffsets"/>).
    /// </summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    static void Foreign(CallbackCells.Cell* cell, byte* args, byte* stackArgs)
    {
        try
        {
            var cb = CallbackCells.Owner(cell->Index);
            if (cb == null || cb.IsFreed) return;
            var ps = cb.Signature.Parameters;
            if (cb.Queue)
            {
                var plan = Abi.ArgumentPlans.Of(cb.Signature);
                var offsets = CallbackTrampoline.ArgumentOffsets(cb.Signature, plan, out _);
                var values = new long[ps.Count];
                var bytes = new byte[]?[ps.Count];
                for (int i = 0; i < ps.Count; i++)
                {
                    byte* at = CallbackTrampoline.ArgumentAt(plan, offsets, i, args, stackArgs);
                    if (ps[i].Kind == TypeKind.Record)
                    {
                        bytes[i] = new ReadOnlySpan<byte>(at, ps[i].Size).ToArray();
                        continue;
                    }
                    long v = values[i] = *(long*)at;
                    if (ps[i].Scalar == ScalarKind.CString && v != 0)
                        bytes[i] = new ReadOnlySpan<byte>((byte*)v, checked((int)Strlen((byte*)v))).ToArray();
                }
                if (cb.Registry.Enqueue(new QueuedCall(cb, values, bytes))) return;
            }
            cb.Registry.NoteForeign(cb);
        }
        catch { }
    }

    static nuint Strlen(byte* s)
    {
        nuint n = 0;
        while (s[n] != 0) n++;
        return n;
    }

    /// <summary>The after-call hook's slow path: 0 to go on, or -1 with the error to raise pushed.</summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    static int AfterCall(nint L)
    {
        using var frame = ProtectedCall.Enter(L);
        try { return AfterCallManaged(L); }
        catch (Exception e) { return CFunction.PushError(L, e); }
    }

    /// <summary>What an ffi call's return raises for its callbacks; -1 with the message pushed, or 0.</summary>
    public static int AfterCallManaged(nint L)
    {
        var c = Allocator.Of(L);
        var r = CallbackRegistry.Of(c);
        if (r == null)
        {
            if (c != null) c->CallbackAttention = 0;
            return 0;
        }
        long bits = Interlocked.Exchange(ref c->CallbackAttention, 0);
        // Libraries closed inside a callback: unloaded once no callback runs (no library code is left below).
        if ((bits & CallbackHooks.UnloadBit) != 0)
        {
            bits &= ~CallbackHooks.UnloadBit;
            if (!Libraries.LibraryUnloading.Finish(c)) Interlocked.Or(ref c->CallbackAttention, CallbackHooks.UnloadBit);
        }
        // First, so that an error raised below still releases this call's temporary callbacks.
        if ((bits & CallbackHooks.TemporaryBit) != 0)
        {
            bits &= ~CallbackHooks.TemporaryBit;
            if (TemporaryCallbacks.Release(L, r)) Interlocked.Or(ref c->CallbackAttention, CallbackHooks.TemporaryBit);
        }
        if ((bits & CallbackHooks.ErrorBit) != 0)
        {
            Interlocked.Or(ref c->CallbackAttention, bits & ~CallbackHooks.ErrorBit);
            var message = r.PendingError ?? "a callback failed";
            r.PendingError = null;
            r.LastRaised = message;
            return CFunction.PushError(L, new LuaException(message) { WithPosition = false });
        }
        if ((bits & CallbackHooks.QueuedBit) != 0 && RunQueued(L, r) is { } failure)
        {
            Interlocked.Or(ref c->CallbackAttention, bits & ~CallbackHooks.QueuedBit);
            return CFunction.PushError(L, new LuaException(failure) { WithPosition = false });
        }
        if ((bits & CallbackHooks.ForeignBit) != 0)
        {
            Interlocked.Or(ref c->CallbackAttention, bits & CallbackHooks.FreedBit);
            var (calls, which) = r.TakeForeign();
            return CFunction.PushError(L, new LuaException(
                $"{which ?? "a callback"} was called from a foreign thread ({calls} call{(calls == 1 ? "" : "s")}; each returned 0 without running Lua): "
                + "a callback runs only on its runtime's thread, during an ffi call (ffi.callback(fn, ret, args, { threads = \"queue\" }) queues such calls)"));
        }
        if ((bits & CallbackHooks.FreedBit) != 0)
            return CFunction.PushError(L, new LuaException("a freed callback was called (C used its pointer after free(); the call returned 0)"));
        return 0;
    }

    /// <summary>
    /// Runs the invocations that were queued when it began, on this (the runtime's) thread; the first
    /// error's message, or null. Those queued meanwhile wait for the next ffi call or ffi.poll (the
    /// queued bit stays set): a thread queueing faster than Lua runs them never holds a call hostage.
    /// </summary>
    public static string? RunQueued(nint L, CallbackRegistry r) => RunQueued(L, r, out _);

    public static string? RunQueued(nint L, CallbackRegistry r, out int ran)
    {
        ran = 0;
        // A queued call's own ffi calls return through here too: the outer loop runs what they would.
        if (r.DrainingQueue) return null;
        r.DrainingQueue = true;
        try { return RunQueuedNow(L, r, r.QueuedCount, ref ran); }
        finally
        {
            r.DrainingQueue = false;
            if (!r.Queued.IsEmpty) Interlocked.Or(ref r.Counters->CallbackAttention, CallbackHooks.QueuedBit);
        }
    }

    static string? RunQueuedNow(nint L, CallbackRegistry r, int waiting, ref int ran)
    {
        for (; waiting > 0 && r.TryDequeue(out var call); waiting--)
        {
            ran++;
            var cb = call.Callback;
            if (cb.IsFreed) continue;
            var ps = cb.Signature.Parameters;
            if (checkstack(L, ps.Count + 10) == 0) return $"{cb.Describe()}: no room on the Lua stack for a queued call";
            int top = gettop(L);
            pushcclosure(L, MessageHandler, 0);
            r.PushFunction(L, cb.Reference);
            string? failure = null;
            long need = 0;
            foreach (var b in call.Bytes) if (b != null) need += b.Length + ValueOverhead;
            if (need > 0 && Allocator.Of(L) is var c && c != null && need > c->Limit - c->Used)
                failure = $"{cb.Describe()}: cannot pass the arguments of a queued call: not enough memory ({need} bytes would take the runtime past its memory limit)";
            for (int i = 0; i < ps.Count && failure == null; i++)
            {
                if (ps[i].Kind != TypeKind.Record) PushValue(L, ps[i].Scalar, call.Values[i], call.Bytes[i]);
                else
                    try
                    {
                        fixed (byte* b = call.Bytes[i]) PushRecord(L, ps[i], b, cb.Describe());
                    }
                    catch (LuaException e) { failure = $"{cb.Describe()}: cannot pass argument #{i + 1} of a queued call: {e.Message}"; }
            }
            if (failure != null)
            {
                settop(L, top);
                return failure;
            }
            int status = ProtectedCall.Call(L, ps.Count, 0, top + 1);
            string? message = status == LUA_OK ? null : LuaOps.ToStringOrNull(L, -1) ?? $"{cb.Describe()} failed in a queued call";
            settop(L, top);
            if (message != null) return message;
        }
        return null;
    }

    static void PushValue(nint L, ScalarKind k, long v, byte[]? s)
    {
        switch (k)
        {
            case var _ when k.IsInteger():
                var (bytes, signed) = k.Shape();
                pushinteger(L, bytes switch
                {
                    1 => signed ? (sbyte)v : (byte)v,
                    2 => signed ? (short)v : (ushort)v,
                    4 => signed ? (int)v : (uint)v,
                    _ => v,
                });
                break;
            case ScalarKind.F32: pushnumber(L, BitConverter.Int32BitsToSingle((int)v)); break;
            case ScalarKind.F64: pushnumber(L, BitConverter.Int64BitsToDouble(v)); break;
            case ScalarKind.Bool: pushboolean(L, (byte)v != 0 ? 1 : 0); break;
            case ScalarKind.Pointer: pushlightuserdata(L, (nint)v); break;
            case ScalarKind.CString:
                if (s == null) pushnil(L);
                else fixed (byte* p = s) pushlstring(L, p, (nuint)s.Length);
                break;
            default: pushnil(L); break;
        }
    }
}
