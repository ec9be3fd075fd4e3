using Lunet.Ffi.Conversion;
using Lunet.Interop;
using static Lunet.Interop.LuaApi;

namespace Lunet.Ffi.Memory;

/// <summary>
/// Pointers are light userdata, so equal addresses are equal values. Lua gives all
/// light userdata one shared metatable; this is it: tostring shows the address,
/// p + n and p - n move by bytes, p - q is the distance, and pointers compare.
/// </summary>
internal static unsafe class PointerValues
{
    public static void InstallMetatable(nint L)
    {
        pushlightuserdata(L, 0);
        createtable(L, 0, 8);
        LuaOps.PushString(L, "pointer");
        LuaOps.SetField(L, -2, "__name");
        Metatables.Protect(L, -1, "pointer");
        CFunction.Set(L, -1, "__tostring", &ToString);
        CFunction.Set(L, -1, "__add", &Add);
        CFunction.Set(L, -1, "__sub", &Sub);
        CFunction.Set(L, -1, "__lt", &Less);
        CFunction.Set(L, -1, "__le", &LessEqual);
        setmetatable(L, -2);
        settop(L, -2);
    }

    public static string Format(nint p) => $"pointer: 0x{(ulong)p:x}";

    static int ToString(nint L)
    {
        LuaOps.PushString(L, Format(touserdata(L, 1)));
        return 1;
    }

    static int Add(nint L)
    {
        // Either operand order: p + n or n + p.
        int p = type(L, 1) == TLIGHTUSERDATA ? 1 : 2;
        // Reached by hand (debug.getmetatable) with no pointer at all.
        if (type(L, p) != TLIGHTUSERDATA)
            throw new LuaException($"attempt to perform pointer arithmetic (+) on a {LuaOps.TypeName(L, 1)} and a {LuaOps.TypeName(L, 2)}");
        long n = Offset(L, 3 - p, "+");
        pushlightuserdata(L, touserdata(L, p) + (nint)n);
        return 1;
    }

    static int Sub(nint L)
    {
        if (type(L, 1) != TLIGHTUSERDATA)
            throw new LuaException($"attempt to subtract a pointer from a {LuaOps.TypeName(L, 1)}");
        if (type(L, 2) == TLIGHTUSERDATA)
        {
            pushinteger(L, (long)touserdata(L, 1) - (long)touserdata(L, 2));
            return 1;
        }
        pushlightuserdata(L, touserdata(L, 1) - (nint)Offset(L, 2, "-"));
        return 1;
    }

    static long Offset(nint L, int idx, string op)
    {
        if (LuaToC.TryInteger(L, idx, out var n)) return n;
        throw new LuaException(type(L, idx) == TNUMBER
            ? $"pointer arithmetic ({op}) needs an integer byte offset, got a number with a fraction"
            : $"attempt to perform pointer arithmetic ({op}) on a pointer and a {LuaOps.TypeName(L, idx)}");
    }

    static int Less(nint L) => Compare(L, (a, b) => a < b);
    static int LessEqual(nint L) => Compare(L, (a, b) => a <= b);

    static int Compare(nint L, Func<ulong, ulong, bool> op)
    {
        if (type(L, 1) != TLIGHTUSERDATA || type(L, 2) != TLIGHTUSERDATA)
            throw new LuaException($"attempt to compare {LuaOps.TypeName(L, 1)} with {LuaOps.TypeName(L, 2)}");
        pushboolean(L, op((ulong)touserdata(L, 1), (ulong)touserdata(L, 2)) ? 1 : 0);
        return 1;
    }
}
