using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Lunet.Interop;
using static Lunet.Interop.LuaApi;

namespace Lunet.Ffi.Callbacks;

/// <summary>
/// One runtime's callbacks: the error a callback left for the ffi call to raise, the
/// invocations other threads queued, and what foreign-thread calls to report. Found through
/// the state's counters (<see cref="Allocator.Counters.Callbacks"/>). A sentinel userdata in
/// the registry lets go of it when the state closes (its __gc runs in lua_close): every slot
/// of the runtime then stops reading its counters.
/// </summary>
internal sealed unsafe class CallbackRegistry
{
    /// <summary>Queued invocations kept at most; more are reported as foreign-thread calls.</summary>
    public const int MaxQueued = 1 << 20;

    readonly Allocator.Counters* counters;
    GCHandle self;

    CallbackRegistry(Allocator.Counters* counters) => this.counters = counters;

    public Allocator.Counters* Counters => counters;

    /// <summary>The first error a callback raised during the ffi call in progress (the runtime's thread only).</summary>
    public string? PendingError;

    /// <summary>The last callback error an ffi call raised: the message handler leaves it as it is when it comes back through an outer callback.</summary>
    public string? LastRaised;

    public readonly ConcurrentQueue<QueuedCall> Queued = new();

    /// <summary>The temporary callbacks of the ffi calls in progress: their Lua thread and frame depth (<see cref="TemporaryCallbacks"/>).</summary>
    public readonly List<(nint State, int Depth, Callback Callback)> Temporaries = new();
    /// <summary>Queued calls are running (the runtime's thread only): the ffi calls they make do not run more.</summary>
    public bool DrainingQueue;
    int queuedCount;
    int foreignCalls;
    volatile string? foreignCallback;

    public static CallbackRegistry? Of(Allocator.Counters* c) =>
        c == null || c->Callbacks == 0 ? null : (CallbackRegistry)GCHandle.FromIntPtr(c->Callbacks).Target!;

    /// <summary>The state's registry, made (with its sentinel) on first use.</summary>
    public static CallbackRegistry For(nint L)
    {
        var c = Allocator.Of(L);
        if (c == null) throw new LuaException("ffi.callback: callbacks need a state made by LuaRuntime");
        if (Of(c) is { } existing) return existing;
        var r = new CallbackRegistry(c);
        r.self = GCHandle.Alloc(r);
        c->Callbacks = GCHandle.ToIntPtr(r.self);
        // The sentinel: a userdata in the registry under a key of ours, whose __gc lets go; its user
        // value is the function store, so the store outlives the sentinel's __gc.
        // Its metatable is made here, not found by name in the registry, where a script could plant one.
        newuserdatauv(L, 1, 1);
        createtable(L, 0, 2);
        Metatables.Protect(L, -1, "ffi.callbacks");
        CFunction.Set(L, -1, "__gc", &Close);
        setmetatable(L, -2);
        r.Store = newthread(L);
        setiuservalue(L, -2, 1);
        rawsetp(L, LUA_REGISTRYINDEX, SentinelKey);
        return r;
    }

    static readonly nint SentinelKey = Marshal.AllocHGlobal(1);

    /// <summary>The state is closing (or a script let the sentinel go): no slot may use this runtime again.</summary>
    static int Close(nint L)
    {
        var c = Allocator.Of(L);
        if (Of(c) is not { } r) return 0;
        c->Callbacks = 0;
        c->CallbackAttention = 0;
        CallbackCells.Forget((nint)c);
        r.Queued.Clear();
        if (r.self.IsAllocated) r.self.Free();
        return 0;
    }

    /// <summary>
    /// The function store: a Lua thread that never runs, whose stack holds the callbacks'
    /// functions (which keeps them alive), one slot each. A trampoline copies its function from
    /// there with lua_pushvalue and lua_xmove: no table lookup on the way.
    /// </summary>
    public nint Store { get; private set; }
    readonly Stack<int> freeSlots = new();
    int slots;

    /// <summary>At most this many callbacks of a runtime live at once (LUAI_MAXSTACK is 1,000,000).</summary>
    public const int MaxLive = 900_000;

    public static readonly nint XMove = NativeLibrary.GetExport(LuaApi.Handle, "lua_xmove");
    static readonly delegate* unmanaged[Cdecl]<nint, nint> newthread = (delegate* unmanaged[Cdecl]<nint, nint>)NativeLibrary.GetExport(LuaApi.Handle, "lua_newthread");
    static readonly delegate* unmanaged[Cdecl]<nint, int, int, void> copy = (delegate* unmanaged[Cdecl]<nint, int, int, void>)NativeLibrary.GetExport(LuaApi.Handle, "lua_copy");
    static readonly delegate* unmanaged[Cdecl]<nint, nint, int, void> xmove = (delegate* unmanaged[Cdecl]<nint, nint, int, void>)XMove;

    static readonly delegate* unmanaged[Cdecl]<nint, int> status = (delegate* unmanaged[Cdecl]<nint, int>)NativeLibrary.GetExport(LuaApi.Handle, "lua_status");

    /// <summary>
    /// The debug library can reach the store and resume it, which moves its stack: writes into a
    /// slot past its top would land in Lua's shared nil. Refuse to write into a store that moved.
    /// (Reads past the top give nil: a callback of a moved store fails with "attempt to call a nil value".)
    /// </summary>
    void CheckStore()
    {
        if (status(Store) != LUA_OK || gettop(Store) != slots)
            throw new LuaException("ffi.callback: this runtime's callback store was tampered with (resumed through the debug library); no callback can be made or freed in it any more");
    }

    /// <summary>Keeps the function at <paramref name="idx"/> of L in a store slot; returns the slot.</summary>
    public int Keep(nint L, int idx)
    {
        CheckStore();
        int slot;
        if (freeSlots.Count > 0) slot = freeSlots.Pop();
        else
        {
            if (slots >= MaxLive) throw new LuaException($"ffi.callback: too many callbacks alive in this runtime ({MaxLive}); free some");
            if (checkstack(Store, 2) == 0) throw new LuaException("ffi.callback: no room left for another callback");
            pushnil(Store);                       // the new slot, at the top of the store
            slot = ++slots;
        }
        pushvalue(L, idx);
        xmove(L, Store, 1);
        copy(Store, -1, slot);
        settop(Store, -2);
        return slot;
    }

    /// <summary>Lets go of the function in <paramref name="slot"/>.</summary>
    public void Drop(int slot)
    {
        CheckStore();
        pushnil(Store);
        copy(Store, -1, slot);
        settop(Store, -2);
        freeSlots.Push(slot);
    }

    /// <summary>Pushes the function in <paramref name="slot"/> onto L.</summary>
    public void PushFunction(nint L, int slot)
    {
        pushvalue(Store, slot);
        xmove(Store, L, 1);
    }

    public void NoteForeign(Callback cb)
    {
        Interlocked.Increment(ref foreignCalls);
        foreignCallback = cb.Describe();
        Interlocked.Or(ref counters->CallbackAttention, CallbackHooks.ForeignBit);
    }

    /// <summary>Bytes of strings and structs queued invocations hold at most: the runtime's memory limit, else 1 GiB.</summary>
    long MaxQueuedBytes => counters->Limit != long.MaxValue ? counters->Limit : 1L << 30;
    long queuedBytes;

    /// <summary>Queues an invocation from another thread; false when the queue is full (in calls, or in the bytes they hold).</summary>
    public bool Enqueue(QueuedCall call)
    {
        if (Interlocked.Increment(ref queuedCount) > MaxQueued)
        {
            Interlocked.Decrement(ref queuedCount);
            return false;
        }
        if (Interlocked.Add(ref queuedBytes, call.ByteCount) > MaxQueuedBytes)
        {
            Interlocked.Add(ref queuedBytes, -call.ByteCount);
            Interlocked.Decrement(ref queuedCount);
            return false;
        }
        Queued.Enqueue(call);
        Interlocked.Or(ref counters->CallbackAttention, CallbackHooks.QueuedBit);
        return true;
    }

    /// <summary>Invocations waiting now.</summary>
    public int QueuedCount => Volatile.Read(ref queuedCount);

    public bool TryDequeue(out QueuedCall call)
    {
        if (!Queued.TryDequeue(out call!)) return false;
        Interlocked.Add(ref queuedBytes, -call.ByteCount);
        Interlocked.Decrement(ref queuedCount);
        return true;
    }

    /// <summary>Takes the foreign-thread report: (calls, the last callback's name), or (0, null).</summary>
    public (int calls, string? which) TakeForeign() => (Interlocked.Exchange(ref foreignCalls, 0), foreignCallback);
}

/// <summary>An invocation a foreign thread queued: the callback and its arguments (the bytes of strings and structs copied).</summary>
internal sealed record QueuedCall(Callback Callback, long[] Values, byte[]?[] Bytes)
{
    /// <summary>The bytes it holds (what counts against <see cref="CallbackRegistry.MaxQueuedBytes"/>).</summary>
    public long ByteCount { get; } = Bytes.Sum(b => (long)(b?.Length ?? 0));
}
