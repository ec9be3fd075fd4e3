namespace Lunet.Interop;

/// <summary>
/// A Lua error raised from C#. Entry points catch it and hand the message to the
/// native error thunk, which raises it in Lua with the caller's position.
/// </summary>
public class LuaException : Exception
{
    public LuaException(string message) : base(message) { }

    /// <summary>Raise with "chunk:line:" of the calling Lua code in front (as luaL_error does).</summary>
    internal bool WithPosition { get; init; } = true;

    /// <summary>For "bad argument #n to 'f' (...)" errors.</summary>
    internal static LuaException BadArgument(int arg, string function, string detail) =>
        new($"bad argument #{arg} to '{function}' ({detail})");

    /// <summary>A method called on something that is not its object, usually for want of a colon.</summary>
    internal static LuaException BadSelf(string method, string expected, string got, string example) =>
        new($"bad self to '{method}' ({expected} expected, got {got}; call it with a colon: {example})");
}
