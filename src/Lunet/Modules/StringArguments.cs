using Lunet.Interop;
using static Lunet.Interop.LuaApi;

namespace Lunet.Modules;

/// <summary>
/// String arguments as luaL_checkstring and luaL_optstring take them for a C call: a string
/// or a number (converted in place, as Lua does), read up to its first NUL. The pointer
/// stays valid while the value is on the stack.
/// </summary>
internal static unsafe class StringArguments
{
    public static byte* Check(nint L, int arg, string function)
    {
        int t = type(L, arg);
        if (t != TSTRING && t != TNUMBER)
            throw LuaException.BadArgument(arg, function, $"string expected, got {TypeName(L, arg)}");
        return tolstring(L, arg, null);
    }

    /// <summary>As <see cref="Check"/>, with <paramref name="absent"/> for nil or no value.</summary>
    public static byte* Optional(nint L, int arg, string function, byte* absent) =>
        type(L, arg) <= TNIL ? absent : Check(L, arg, function);

    /// <summary>The name luaL_typeerror gives: the metatable's __name (read raw) for any value, "light userdata", else the type.</summary>
    static string TypeName(nint L, int arg)
    {
        if (getmetatable(L, arg) != 0)
        {
            LuaOps.RawGetField(L, -1, "__name");
            var name = LuaOps.ToStringOrNull(L, -1);
            settop(L, -3);
            if (name != null) return name;
        }
        return type(L, arg) == TLIGHTUSERDATA ? "light userdata" : LuaOps.TypeName(L, arg);
    }
}
