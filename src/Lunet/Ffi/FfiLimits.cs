using System.Text;
using Lunet.Interop;
using static Lunet.Interop.LuaApi;

namespace Lunet.Ffi;

/// <summary>
/// The bounds the ffi puts on what scripts hand it, checked before any work depends on
/// them, and the one check of every name argument (library, symbol and type names).
/// </summary>
internal static unsafe class FfiLimits
{
    /// <summary>Parameters of a C function: C compilers must accept 127; 255 is past every real signature.</summary>
    public const int MaxParameters = 255;

    /// <summary>Bytes in a library, symbol or type name (a path longer than this cannot be opened anyway).</summary>
    public const int MaxNameLength = 4096;

    /// <summary>Bytes of C declarations one ffi.cdef or ffi.struct reads (a whole preprocessed system header is well under this).</summary>
    public const int MaxDeclarationLength = 16 << 20;

    /// <summary>
    /// The largest alignment an instance (ffi.new, an array, a struct result) gets: a page. Its block is
    /// allocated by Lua's allocator with this much slack less one, so the bytes can start aligned.
    /// </summary>
    public const int MaxAlignment = 4096;

    /// <summary>
    /// Distinct struct, union and array types one runtime makes instances or views of. Each has a
    /// native block (<see cref="Memory.InstanceTypes"/>) that instances point at and that lives as long
    /// as the runtime, so a script making new types without end is stopped here, with an error.
    /// </summary>
    public const int MaxInstanceTypes = 65536;

    /// <summary>Levels of pointer in a type name ("int**" is 2); C compilers must accept 12.</summary>
    public const int MaxPointerDepth = 16;

    /// <summary>
    /// The name argument at idx: a string of at most <see cref="MaxNameLength"/> bytes with no
    /// NUL in it (C would read only up to the NUL: "strlen\0x" must not find strlen).
    /// </summary>
    public static string Name(nint L, int idx, int arg, string function, string what = "name", string expected = "string")
    {
        if (type(L, idx) != TSTRING)
            throw LuaException.BadArgument(arg, function, $"{expected} expected, got {LuaOps.TypeName(L, idx)}");
        nuint len;
        byte* p = tolstring(L, idx, &len);
        if (len > MaxNameLength)
            throw LuaException.BadArgument(arg, function, $"{what} is {len} bytes long; the limit is {MaxNameLength}");
        if (new ReadOnlySpan<byte>(p, (int)len).IndexOf((byte)0) >= 0)
            throw LuaException.BadArgument(arg, function, $"{what} contains a NUL byte");
        return Encoding.UTF8.GetString(p, (int)len);
    }

    /// <summary>A name argument of a method (obj:m(...)): numbered without self, as Lua's own libraries do.</summary>
    public static string MethodName(nint L, int idx, string method, string what = "name") => Name(L, idx, idx - 1, method, what);

    /// <summary>A type name given as a .NET string (read from a table): the same rules as <see cref="Name"/>, without the argument number.</summary>
    public static void CheckTypeName(string name)
    {
        if (name.Length > MaxNameLength && Encoding.UTF8.GetByteCount(name) > MaxNameLength)
            throw new LuaException($"type name is {Encoding.UTF8.GetByteCount(name)} bytes long; the limit is {MaxNameLength}");
        if (name.Contains('\0')) throw new LuaException("type name contains a NUL byte");
    }

    /// <summary>Refuses a signature of more than <see cref="MaxParameters"/> parameters, before any type is read.</summary>
    public static void CheckParameterCount(long count, string function)
    {
        if (count > MaxParameters)
            throw new LuaException($"{function}: too many parameters ({count}; the limit is {MaxParameters})");
    }
}
