using Lunet.Interop;
using static Lunet.Interop.LuaApi;

namespace Lunet.Ffi.Memory;

/// <summary>
/// The protocol every ffi full userdata follows (Buffers, slices, struct
/// instances, callbacks): the block starts with the native address it stands for,
/// its second word names its kind and its third word holds <see cref="Buffer.Cookie"/>,
/// so a pointer argument can accept any of them without knowing which kind it is. The
/// cookie is what tells an ffi object: no script can make a userdata carrying it, while a
/// metatable says nothing (a script can move ours onto any userdata, take it off ours, or
/// copy any key of it into its own). The call stubs make the same check in machine code
/// (<see cref="Calls.NativeStubCompiler"/>), so both paths accept the same values.
///
/// What an ffi object's memory is comes from its kind word alone (<see cref="KindOf"/>):
/// <see cref="Buffer.Tag"/> is a Buffer or slice, whose size is in its header;
/// <see cref="Instance.Tag"/> an instance or view, as large as its type. Any other word (a
/// callback's, whose address is code; any kind added later) is an object whose extent the ffi
/// does not know: every bounded operation refuses it as no memory at all.
/// </summary>
internal static unsafe class NativeObject
{
    /// <summary>The protocol's words: the address first, the kind second, the cookie third; a block has at least three.</summary>
    public const int AddressOffset = 0, KindOffset = 8, CookieOffset = 16, MinBlockBytes = 24;

    /// <summary>What a value is to the bounded operations.</summary>
    public enum Kind
    {
        /// <summary>Not an ffi object.</summary>
        None,
        /// <summary>A Buffer or a slice (<see cref="Buffer.Header"/>).</summary>
        Buffer,
        /// <summary>An instance or a view (<see cref="Instance.Header"/>).</summary>
        Instance,
        /// <summary>An ffi object of no extent the ffi knows (a callback's code): no memory.</summary>
        Unbounded,
    }

    /// <summary>The kind of the value at idx, read from its header only; <paramref name="block"/> is the userdata's block.</summary>
    public static Kind KindOf(nint L, int idx, out byte* block)
    {
        block = null;
        if (type(L, idx) != TUSERDATA) return Kind.None;
        ulong length = rawlenFast(L, idx);
        if (length < MinBlockBytes) return Kind.None;
        block = (byte*)touserdata(L, idx);
        if (*(long*)(block + CookieOffset) != Buffer.Cookie) return Kind.None;
        long kind = *(long*)(block + KindOffset);
        // Both headers are four words: a shorter block with the cookie is no object the ffi made of that kind.
        if (kind == Buffer.Tag && length >= (ulong)sizeof(Buffer.Header)) return Kind.Buffer;
        if (kind == Instance.Tag && length >= (ulong)sizeof(Instance.Header)) return Kind.Instance;
        return Kind.Unbounded;
    }

    /// <summary>The address of the ffi object at idx, or false when idx is not one.</summary>
    public static bool TryGetAddress(nint L, int idx, out nint address)
    {
        address = 0;
        if (type(L, idx) != TUSERDATA || rawlen(L, idx) < MinBlockBytes) return false;
        var block = (byte*)touserdata(L, idx);
        if (*(long*)(block + CookieOffset) != Buffer.Cookie) return false;
        address = *(nint*)(block + AddressOffset);
        return true;
    }

    /// <summary>The error for an ffi object a bounded operation cannot use (<see cref="Kind.Unbounded"/>).</summary>
    public static LuaException NoMemory(nint L, int idx, int arg, string function) =>
        LuaException.BadArgument(arg, function,
            $"Buffer, instance or pointer expected, got {LuaOps.TypeName(L, idx)} (an ffi object whose extent is not known is no memory to read or write)");
}
