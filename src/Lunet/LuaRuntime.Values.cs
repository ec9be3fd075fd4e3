using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Lunet.Interop;
using static Lunet.Interop.LuaApi;

namespace Lunet;

// Globals by indexer, and Lua tables and functions held by C# (registry references).
public sealed unsafe partial class LuaRuntime
{
    static readonly delegate* unmanaged[Cdecl]<nint, int, int> luaL_ref =
        (delegate* unmanaged[Cdecl]<nint, int, int>)NativeLibrary.GetExport(Handle, "luaL_ref");
    static readonly delegate* unmanaged[Cdecl]<nint, int, int, void> luaL_unref =
        (delegate* unmanaged[Cdecl]<nint, int, int, void>)NativeLibrary.GetExport(Handle, "luaL_unref");

    /// <summary>Registry slots let go of by Dispose or a finalizer (any thread), freed on the runtime's thread.</summary>
    readonly ConcurrentQueue<int> releasedReferences = new();

    /// <summary>The global <paramref name="name"/>, as <see cref="GetGlobal"/> and <see cref="SetGlobal"/>.</summary>
    public object? this[string name]
    {
        get => GetGlobal(name);
        set => SetGlobal(name, value);
    }

    internal void ReleaseReference(int reference)
    {
        if (state != 0) releasedReferences.Enqueue(reference);
    }

    /// <summary>A registry reference to the value at <paramref name="idx"/> (luaL_ref is raw; C# is on the stack, so it cannot fail for memory).</summary>
    int Reference(nint L, int idx)
    {
        while (releasedReferences.TryDequeue(out int old)) luaL_unref(L, LUA_REGISTRYINDEX, old);
        pushvalue(L, idx);
        return luaL_ref(L, LUA_REGISTRYINDEX);
    }

    void PushReference(LuaReference value) => PushReference(State, value);

    void PushReference(nint L, LuaReference value)
    {
        if (value.Runtime != this) throw new ArgumentException("a Lua value can only go back to the runtime it came from");
        rawgeti(L, LUA_REGISTRYINDEX, value.Reference);
    }

    internal object?[] CallReference(LuaFunction function, object?[] args)
    {
        using var use = Use();
        var L = State;
        using var frame = ProtectedCall.Enter(L);
        using var budget = StartBudget();
        int top = gettop(L);
        try
        {
            PushMessageHandler(args.Length + 1);
            PushReference(function);
            return CallPushed(top, args);
        }
        finally { settop(L, top); }
    }

    internal object? GetTableValue(LuaTable table, object key) => ProtectedGet(table, key);

    internal void SetTableValue(LuaTable table, object key, object? value) => ProtectedSet(table, key, value);

    /// <summary><paramref name="table"/>[<paramref name="key"/>] (the globals for null) as Lua code reads it: metamethods run, protected; their error is thrown.</summary>
    object? ProtectedGet(LuaTable? table, object key)
    {
        using var use = Use();
        var L = State;
        using var frame = ProtectedCall.Enter(L);
        using var budget = StartBudget();
        int top = gettop(L);
        try
        {
            PushHelper(RuntimeFunctions.GetTable, 2);
            PushTableOrGlobals(L, table);
            Push(key);
            if (ProtectedCall.Call(L, 2, 1, top + 1) != LUA_OK) throw ErrorFromStack(L);
            return ToValue(-1);
        }
        finally { settop(L, top); }
    }

    /// <summary><paramref name="table"/>[<paramref name="key"/>] = <paramref name="value"/> (the globals for null) as Lua code writes it.</summary>
    void ProtectedSet(LuaTable? table, object key, object? value)
    {
        using var use = Use();
        var L = State;
        using var frame = ProtectedCall.Enter(L);
        using var budget = StartBudget();
        int top = gettop(L);
        try
        {
            PushHelper(RuntimeFunctions.SetTable, 3);
            PushTableOrGlobals(L, table);
            Push(key);
            Push(value);
            if (ProtectedCall.Call(L, 3, 0, top + 1) != LUA_OK) throw ErrorFromStack(L);
        }
        finally { settop(L, top); }
    }

    void PushTableOrGlobals(nint L, LuaTable? table)
    {
        if (table == null) rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
        else PushReference(L, table);
    }

    /// <summary>
    /// Walks a table with the <c>next</c> the state started with, one protected call per pair
    /// (lua_next raises on a key the table no longer has: never from C#). The current key is
    /// kept in a registry slot of its own, so keys of any type (userdata too) keep their identity.
    /// </summary>
    internal IEnumerator<KeyValuePair<object, object?>> EnumerateTable(LuaTable table)
    {
        int keySlot = NewNilSlot();
        try
        {
            while (NextPair(table, keySlot, out var pair)) yield return pair;
        }
        finally { ReleaseReference(keySlot); }
    }

    int NewNilSlot()
    {
        using var use = Use();
        using var frame = ProtectedCall.Enter(State);
        pushnil(State);
        return NewSlot();
    }

    bool NextPair(LuaTable table, int keySlot, out KeyValuePair<object, object?> pair)
    {
        using var use = Use();
        var L = State;
        using var frame = ProtectedCall.Enter(L);
        using var budget = StartBudget();
        int top = gettop(L);
        try
        {
            PushMessageHandler(3);
            if (rawgetp(L, LUA_REGISTRYINDEX, HostHelpersKey) != TTABLE || rawgeti(L, -1, NextHelper) != TFUNCTION)
                throw new LuaScriptException("the runtime's own functions were removed from the registry", null);
            rotate(L, -2, 1);
            settop(L, -2);
            PushReference(table);
            rawgeti(L, LUA_REGISTRYINDEX, keySlot);
            if (ProtectedCall.Call(L, 2, 2, top + 1) != LUA_OK) throw ErrorFromStack(L);
            if (type(L, -2) == TNIL) { pair = default; return false; }
            pair = new(ToValue(-2)!, ToValue(-1));
            pushvalue(L, -2);
            rawseti(L, LUA_REGISTRYINDEX, keySlot);
            return true;
        }
        finally { settop(L, top); }
    }

    /// <summary>A registry slot holding the value on top (popped); nil is kept too (luaL_ref would not).</summary>
    int NewSlot()
    {
        var L = State;
        pushboolean(L, 0);
        int slot = Reference(L, -1);
        settop(L, -2);
        rawseti(L, LUA_REGISTRYINDEX, slot);
        return slot;
    }

    // The host API's own Lua helpers, in the registry under a light-userdata key read raw.
    static readonly nint HostHelpersKey = (nint)(delegate*<nint, int>)&WriteOutput;
    const int NextHelper = 1;

    static readonly byte[] HostHelpers = """
        local next = next
        return function(t, k)
          if not next then error("enumerating a table needs the base library", 0) end
          return next(t, k)
        end
        """u8.ToArray();

    /// <summary>Makes the host API's helpers, at start-up (C# on the stack: nothing fails for memory).</summary>
    void InstallHostHelpers()
    {
        var L = state;
        createtable(L, 1, 0);
        fixed (byte* code = HostHelpers)
        fixed (byte* name = "=(lunet host)\0"u8)
        fixed (byte* mode = "t\0"u8)
        {
            if (loadbufferx(L, code, (nuint)HostHelpers.Length, name, mode) != LUA_OK || pcallk(L, 0, 1, 0, 0, 0) != LUA_OK)
                throw new InvalidOperationException("the host helper functions did not load: " + LuaOps.ToStringOrNull(L, -1));
        }
        rawseti(L, -2, NextHelper);
        rawsetp(L, LUA_REGISTRYINDEX, HostHelpersKey);
    }
}
