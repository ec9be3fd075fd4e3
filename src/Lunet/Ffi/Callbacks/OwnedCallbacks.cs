using System.Runtime.InteropServices;
using Lunet.Ffi.Conversion;
using Lunet.Ffi.Types;
using Lunet.Interop;
using static Lunet.Interop.LuaApi;

namespace Lunet.Ffi.Callbacks;

/// <summary>
/// A Lua function assigned to a function-pointer field of an instance: a callback of the
/// field's function type that the instance owns. Each is held by a guard userdata whose __gc
/// releases it, kept in a registry table with weak keys: { [the object that owns the bytes] =
/// { [field address] = guard } }. Assigning the field again releases the old callback at once;
/// when the instance (or the Buffer a view lies in) is collected, its entry goes, and the
/// guards' __gc release the callbacks.
/// </summary>
internal static unsafe class OwnedCallbacks
{
    static readonly long Tag = Metatables.NewTag();
    static readonly nint TableKey = Marshal.AllocHGlobal(1);

    /// <summary>
    /// Stores the value at <paramref name="value"/> into the field of type <paramref name="field"/> (a
    /// pointer to <paramref name="f"/>) at <paramref name="at"/> of the instance or view at
    /// <paramref name="self"/>: a Lua function becomes an owned callback, anything else is stored as a
    /// pointer is (and lets go of the callback the field owned).
    /// </summary>
    public static void Store(nint L, int self, int value, CType field, FunctionType f, byte* at, string what, Func<string, LuaException> fail)
    {
        self = absindex(L, self);
        value = absindex(L, value);
        if (checkstack(L, 6) == 0) throw new LuaException($"cannot set {what}: no room on the Lua stack");
        int top = gettop(L);
        try
        {
            if (type(L, value) != TFUNCTION)
            {
                LuaToC.Store(L, value, field, at, fail);
                if (PushFields(L, self, create: false)) Replace(L, (nint)at, null);
                return;
            }
            PushFields(L, self, create: true);
            var cb = CallbackObject.Make(L, value, f, queue: false, what);
            Replace(L, (nint)at, cb);
            *(nint*)at = cb.Code;
        }
        finally { settop(L, top); }
    }

    /// <summary>Pushes the field table of the object that owns <paramref name="self"/>'s bytes; false (nothing pushed) when there is none and <paramref name="create"/> is false.</summary>
    static bool PushFields(nint L, int self, bool create)
    {
        int top = gettop(L);
        if (rawgetp(L, LUA_REGISTRYINDEX, TableKey) != TTABLE)
        {
            settop(L, top);
            if (!create) return false;
            createtable(L, 0, 0);
            createtable(L, 0, 2);
            Metatables.Protect(L, -1, "ffi.owned");
            LuaOps.PushString(L, "k");
            LuaOps.RawSetField(L, -2, "__mode");
            setmetatable(L, -2);
            pushvalue(L, -1);
            rawsetp(L, LUA_REGISTRYINDEX, TableKey);
        }
        int owners = top + 1;
        // The owner of the bytes: a view's user value 1, else the instance itself.
        if (getiuservalue(L, self, 1) != TUSERDATA)
        {
            settop(L, owners);
            pushvalue(L, self);
        }
        int owner = owners + 1;
        pushvalue(L, owner);
        if (rawget(L, owners) != TTABLE)
        {
            settop(L, owner);
            if (!create)
            {
                settop(L, top);
                return false;
            }
            createtable(L, 0, 1);
            pushvalue(L, owner);
            pushvalue(L, owner + 1);
            rawset(L, owners);
        }
        rotate(L, owners, 1); // the field table where the owners table was
        settop(L, owners);
        return true;
    }

    /// <summary>In the field table on top: releases the callback guarded at <paramref name="address"/>, guards <paramref name="cb"/> there instead (or nothing).</summary>
    static void Replace(nint L, nint address, Callback? cb)
    {
        pushinteger(L, address);
        if (rawget(L, -2) is TUSERDATA) Release(Metatables.HandleBlock(L, -1, Tag));
        settop(L, -2);
        pushinteger(L, address);
        if (cb == null) pushnil(L);
        else
        {
            Metatables.NewHandleUserdata(L, cb, Tag);
            Metatables.Push(L, "ffi.ownedcallback", &BuildMetatable);
            setmetatable(L, -2);
        }
        rawset(L, -3);
    }

    static void BuildMetatable(nint L) => CFunction.Set(L, -1, "__gc", &Collect);

    static void Release(nint* block)
    {
        if (block == null || block[0] == 0) return;
        var handle = GCHandle.FromIntPtr(block[0]);
        block[0] = 0;
        var cb = (Callback)handle.Target!;
        handle.Free();
        cb.Release();
    }

    /// <summary>__gc of a guard: its owner was collected (or its entry dropped).</summary>
    static int Collect(nint L)
    {
        try { Release(Metatables.HandleBlock(L, 1, Tag)); }
        catch (LuaException) { } // a tampered callback store: the callback stays, as it would after free() failed
        return 0;
    }
}
