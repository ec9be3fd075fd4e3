using Lunet.Interop;
using static Lunet.Interop.LuaApi;

namespace Lunet.Ffi.Memory;

/// <summary>
/// The protocol every ffi full userdata follows (Buffers, slices, struct
/// instances, callbacks): the block starts with the native address it stands for,
/// and its third word holds <see cref="Buffer.Cookie"/>, so a pointer argument can
/// accept any of them without knowing which kind it is. The cookie is what tells:
/// no script can make a userdata carrying it, while a metatable says nothing (a
/// script can move ours onto any userdata, take it off ours, or copy any key of it
/// into its own). The call stubs make the same check in machine code
/// (<see cref="Calls.NativeStubCompiler"/>), so both paths accept the same values.
/// </summary>
internal static unsafe class NativeObject
{
    /// <summary>The protocol's words: the address first, the cookie third; a block has at least three.</summary>
    public const int AddressOffset = 0, CookieOffset = 16, MinBlockBytes = 24;

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
}
