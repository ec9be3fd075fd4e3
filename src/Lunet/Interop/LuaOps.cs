using System.Runtime.CompilerServices;
using System.Text;
using static Lunet.Interop.LuaApi;

namespace Lunet.Interop;

/// <summary>Small helpers over the Lua C API that the rest of the code shares.</summary>
internal static unsafe class LuaOps
{
    /// <summary>
    /// The longest string C# (or the ffi's native code) makes from memory, 1 GiB: lua_pushlstring
    /// of a huge length raises (a "block too big" or "not enough memory" longjmp) from inside C#,
    /// so lengths are checked first.
    /// </summary>
    public const long MaxPushLength = 1L << 30;

    /// <summary>
    /// Throws a Lua error of ours when a string of <paramref name="length"/> bytes cannot be
    /// pushed: negative, longer than <see cref="MaxPushLength"/>, or past the state's memory limit.
    /// Call it before lua_pushlstring of any length a script chose.
    /// </summary>
    public static void CheckPushLength(nint L, long length, string function)
    {
        if (length < 0 || length > MaxPushLength)
            throw new LuaException($"{function}: a length of {length} bytes is past the limit of {MaxPushLength} bytes (1 GiB) for a string");
        Allocator.CheckBudget(L, length);
    }

    public static void PushString(nint L, string s)
    {
        int max = Encoding.UTF8.GetMaxByteCount(s.Length);
        if (max <= 512)
        {
            byte* buf = stackalloc byte[max];
            int n = Encoding.UTF8.GetBytes(s, new Span<byte>(buf, max));
            pushlstring(L, buf, (nuint)n);
        }
        else
        {
            var bytes = Encoding.UTF8.GetBytes(s);
            fixed (byte* p = bytes) pushlstring(L, p, (nuint)bytes.Length);
        }
    }

    /// <summary>The string at idx, or null when it is not a string (numbers are not converted).</summary>
    public static string? ToStringOrNull(nint L, int idx)
    {
        if (type(L, idx) != TSTRING) return null;
        nuint len;
        byte* p = tolstring(L, idx, &len);
        return Encoding.UTF8.GetString(p, (int)len);
    }

    /// <summary>The type name Lua errors use: a metatable's __name, "pointer" for light userdata, else Lua's name.</summary>
    public static string TypeName(nint L, int idx)
    {
        int t = type(L, idx);
        if (t == TNONE) return "no value";
        if (t == TLIGHTUSERDATA) return "pointer";
        if (t == TUSERDATA && getmetatable(L, idx) != 0)
        {
            RawGetField(L, -1, "__name"); // raw: a script may give the metatable an __index
            var name = ToStringOrNull(L, -1);
            settop(L, -3);
            if (name != null) return name;
        }
        return new string((sbyte*)typename_(L, t));
    }

    // GetField and SetField are raw (no metamethods run): they serve the registry and the
    // runtime's own tables, where a metamethod a script added must not run inside C#.

    /// <summary>t[key] = value on top, raw; pops the value.</summary>
    public static void SetField(nint L, int table, string key) => RawSetField(L, table, key);

    /// <summary>Pushes t[key], raw, and returns its type.</summary>
    public static int GetField(nint L, int table, string key) => RawGetField(L, table, key);

    public static int RawGetField(nint L, int table, string key)
    {
        table = absindex(L, table);
        PushString(L, key);
        return rawget(L, table);
    }

    public static void RawSetField(nint L, int table, string key)
    {
        table = absindex(L, table);
        PushString(L, key);
        rotate(L, -2, 1);
        rawset(L, table);
    }

    /// <summary>An integer argument, as luaL_checkinteger would take it, with our messages.</summary>
    public static long CheckInteger(nint L, int idx, string function)
    {
        if (type(L, idx) != TNUMBER)
            throw LuaException.BadArgument(idx, function, $"number expected, got {TypeName(L, idx)}");
        int ok;
        long v = tointegerx(L, idx, &ok);
        if (ok == 0) throw LuaException.BadArgument(idx, function, "number has no integer representation");
        return v;
    }

    public static string CheckString(nint L, int idx, string function) =>
        ToStringOrNull(L, idx) ?? throw LuaException.BadArgument(idx, function, $"string expected, got {TypeName(L, idx)}");

    /// <summary>A string argument of a method (obj:m(...)): numbered without self, as Lua's own libraries do.</summary>
    public static string CheckMethodString(nint L, int idx, string method) =>
        ToStringOrNull(L, idx) ?? throw LuaException.BadArgument(idx - 1, method, $"string expected, got {TypeName(L, idx)}");

    public static void EnsureStack(nint L, int n)
    {
        if (checkstack(L, n) == 0) throw new LuaException("stack overflow");
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long ToInteger(nint L, int idx)
    {
        int ok;
        return tointegerx(L, idx, &ok);
    }
}
