using static Lunet.Interop.LuaApi;

namespace Lunet.Interop;

/// <summary>
/// A Lua state of our own, made for one check of liblua54's private layout and closed after it (what
/// the check finds holds for every state of the same liblua). The layout readers
/// (<see cref="LuaStackLayout"/>, <see cref="LuaTableLayout"/>, the callbacks' offsets) each run
/// their check here once.
/// </summary>
internal static unsafe class ScratchState
{
    /// <summary><paramref name="check"/> on a fresh state (luaL_newstate), which is closed after; <paramref name="none"/> when no state could be made.</summary>
    public static T Run<T>(Func<nint, T> check, T none)
    {
        nint L = newstate();
        if (L == 0) return none;
        try { return check(L); }
        finally { close(L); }
    }
}
