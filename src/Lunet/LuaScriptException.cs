namespace Lunet;

/// <summary>An error raised by Lua code run through <see cref="LuaRuntime"/>: the message, then the traceback.</summary>
public class LuaScriptException : Exception
{
    public LuaScriptException(string message, string? traceback) : base(message) => LuaTraceback = traceback;

    /// <summary>With the exception a registered C# function threw, which the script saw only as "host function 'f' failed".</summary>
    public LuaScriptException(string message, string? traceback, Exception? inner) : base(message, inner) => LuaTraceback = traceback;

    /// <summary>Lua's "stack traceback:" text, when there is one.</summary>
    public string? LuaTraceback { get; }
}

/// <summary>
/// A host call stopped because the script ran past <see cref="LuaRuntimeOptions.InstructionLimit"/>
/// or <see cref="LuaRuntimeOptions.Timeout"/>. The script may catch the error with pcall, but once
/// the budget is spent every instruction raises it again, so it always reaches the host.
/// </summary>
public sealed class LuaBudgetExceededException : LuaScriptException
{
    public LuaBudgetExceededException(string message, string? traceback) : base(message, traceback) { }
}
