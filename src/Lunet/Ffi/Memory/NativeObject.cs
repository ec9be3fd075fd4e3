using Lunet.Interop;
using static Lunet.Interop.LuaApi;

namespace Lunet.Ffi.Memory;

/// <summary>
/// The protocol every ffi full userdata follows (Buffers, slices, struct
/// instances, callbacks): the block starts with the native address it stands for,
/// its third word holds <see cref="Buffer.Cookie"/>, and its metatable carries a
/// marker, so a pointer argument can accept any of them without knowing which kind
/// it is. The cookie is checked as well as the marker: debug.setmetatable can put a
/// marked metatable on any userdata.
/// </summary>
internal static unsafe class NativeObject
{
    /// <summary>The marker key: a light userdata that only this class hands out.</summary>
    static readonly nint MarkerKey = System.Runtime.InteropServices.Marshal.AllocHGlobal(1);

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
        if (type(L, idx) != TUSERDATA || rawlen(L, idx) < (ulong)(3 * sizeof(nint)) || getmetatable(L, idx) == 0) return false;
        int t = rawgetp(L, -1, MarkerKey);
        settop(L, -3);
        var block = (nint*)touserdata(L, idx);
        if (t != TBOOLEAN || block[2] != (nint)Buffer.Cookie) return false;
        address = block[0];
        return true;
    }
}
