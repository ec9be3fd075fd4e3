using System.Runtime.InteropServices;
using Lunet.Ffi.Memory;
using Lunet.Ffi.Types;
using Lunet.Interop;
using static Lunet.Interop.LuaApi;

namespace Lunet.Ffi.Conversion;

/// <summary>
/// A struct or union passed by value: the Lua value at an argument index becomes the record's bytes in a
/// caller-owned area. An instance or view of that very type is copied; a table gives fields by name
/// (missing ones are zero, nested records and arrays as tables or instances, through the instances'
/// own store); anything else, an unknown field, a value of the wrong type or an instance of another type
/// is a Lua error naming the argument, the function, what was expected and what was given.
/// </summary>
internal static unsafe class AggregateArgument
{
    /// <summary>Fills <paramref name="dest"/> (<paramref name="t"/>.Size bytes) from the value at <paramref name="idx"/>, argument number <paramref name="arg"/> of <paramref name="function"/>.</summary>
    public static void Store(nint L, int idx, StructType t, byte* dest, int arg, string function)
    {
        try
        {
            Fill(L, idx, t, dest, function);
        }
        catch (LuaException e)
        {
            throw LuaException.BadArgument(arg, function, e.Message);
        }
    }

    /// <summary>
    /// The same for any value that must become a <paramref name="t"/> (a callback's struct result too): the
    /// error says only what was expected and what was given, for the caller to place.
    /// </summary>
    public static void Fill(nint L, int idx, StructType t, byte* dest, string function)
    {
        if (Instance.TryGet(L, idx) is var h && h != null)
        {
            var given = Instance.TypeOf(h);
            if (!ReferenceEquals(given, t))
                throw new LuaException($"{t.Name} expected, got {given.Name}");
            NativeMemory.Copy((void*)h->Address, dest, (nuint)t.Size);
            return;
        }
        if (type(L, idx) != TTABLE)
            throw new LuaException($"{t.Name} expected (an instance or a table of fields), got {LuaOps.TypeName(L, idx)}");
        CheckFieldNames(L, idx, t);
        InstanceMethods.Store(L, idx, t, dest, t.Name, function);
    }

    /// <summary>Every key of the table must name a field of <paramref name="t"/> (raw traversal: no metamethod runs).</summary>
    static void CheckFieldNames(nint L, int table, StructType t)
    {
        LuaOps.EnsureStack(L, 3);
        pushnil(L);
        while (next(L, table) != 0)
        {
            string? name = type(L, -2) == TSTRING && rawlen(L, -2) <= (ulong)FfiLimits.MaxNameLength ? LuaOps.ToStringOrNull(L, -2) : null;
            if (name == null || t.Field(name) == null)
            {
                var key = name != null ? $"'{(name.Length > 48 ? name[..48] + "..." : name)}'" : type(L, -2) == TSTRING ? "(a long string)" : $"(a {LuaOps.TypeName(L, -2)})";
                settop(L, -3);
                throw new LuaException($"{t.Name} has no field {key}");
            }
            settop(L, -2);
        }
    }
}
