using Lunet.Ffi.Callbacks;
using Lunet.Ffi.Libraries;
using Lunet.Interop;

namespace Lunet.Ffi.Calls;

/// <summary>
/// Which addresses a script may make callable (ffi.func, function-pointer fields and elements,
/// function pointers a C function returns). Under <see cref="FfiAccess.Full"/>, any. Under the
/// allow-list (and <see cref="FfiAccess.Disabled"/>), only code of a library this runtime opened
/// and has not closed (an executable part of its image: its functions, exported or not) and
/// the code of a live callback of this runtime; anything else is an error naming the address,
/// raised before a callable exists. A callable of a library's code is bound to that library,
/// so once it is closed every call through it is the closed library's error (the stub checks
/// its closed cell, as for lib:wrap), and it keeps the library from being unloaded by the collector.
/// </summary>
internal static class CallTargets
{
    /// <summary>
    /// The library <paramref name="target"/> must be bound to, or null (the Full policy, or a live
    /// callback); a Lua error starting with <paramref name="what"/> when the policy refuses it.
    /// </summary>
    public static unsafe LoadedLibrary? Check(nint L, nint target, string what)
    {
        var context = FfiContext.Of(L);
        if (context.Access == FfiAccess.Full) return null;
        if (context.CodeOwner(target) is { } lib) return lib;
        if (CallbackCells.LiveCallbackAt(target) is { } cb && cb.Registry == CallbackRegistry.Of(Allocator.Of(L))) return null;
        throw new LuaException(
            $"{what}: cannot call 0x{target:x}: under this runtime's ffi policy ({(context.Access == FfiAccess.AllowList ? "allow-list" : "disabled")}) "
            + "a function pointer may reach only the code of a library it opened from its allow-list (and has not closed) or a live callback of this runtime");
    }
}
