using Lunet.Interop;
using static Lunet.Interop.LuaApi;

namespace Lunet.Ffi.Memory;

/// <summary>
/// The protocol every ffi full userdata follows (Buffers, slices, struct
/// instances, callbacks): the block starts with the native address it stands for,
/// its third word holds <see cref="Buffer.Cookie"/>, and its metatable carries a
/// marker, so a pointer argument can accept any of them without knowing which kind
/// it is. The cookie is checked as well as the marker: debug.setmetatable can put a
/// marked metatable on any userdata. The call stubs make the same checks in machine
/// code (<see cref="Calls.NativeStubCompiler"/>), so both paths accept the same values.
/// </summary>
internal static unsafe class NativeObject
{
    /// <summary>The protocol's words: the address first, the cookie third; a block has at least three.</summary>
    public const int AddressOffset = 0, CookieOffset = 16, MinBlockBytes = 24;

    /// <summary>The marker key: a light userdata that only this class hands out (the stubs look it up too).</summary>
    public static readonly nint MarkerKey = System.Runtime.InteropServices.Marshal.AllocHGlobal(1);

    /// <summary>Marks the metatable on top of the stack as one of ours.</summary>
    public static void MarkMetatable(nint L)
    {
        pushboolean(L, 1);
        rawsetp(L, -2, MarkerKey);
    }

    /// <summary>The address of the ffi object at idx, or false when idx is not one.</summary>
    public static bool TryGetAddress(nint L, int idx, out nint address)
    {
        address = 0;
        if (type(L, idx) != TUSERDATA || rawlen(L, idx) < MinBlockBytes || getmetatable(L, idx) == 0) return false;
        int t = rawgetp(L, -1, MarkerKey);
        settop(L, -3);
        var block = (byte*)touserdata(L, idx);
        if (t != TBOOLEAN || *(long*)(block + CookieOffset) != Buffer.Cookie) return false;
        address = *(nint*)(block + AddressOffset);
        return true;
    }
}
