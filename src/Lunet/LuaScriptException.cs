namespace Lunet;

/// <summary>An error raised by Lua code run through <see cref="LuaRuntime"/>: the message, then the traceback.</summary>
public sealed class LuaScriptException : Exception
{
    public LuaScriptException(string message, string? traceback) : base(message) => LuaTraceback = traceback;

    /// <summary>Lua's "stack traceback:" text, when there is one.</summary>
    public string? LuaTraceback { get; }
}
