namespace Lunet;

/// <summary>A Lua function handed to C#; <see cref="Call"/> runs it in a protected call.</summary>
public sealed class LuaFunction : LuaReference
{
    internal LuaFunction(LuaRuntime runtime, int reference) : base(runtime, reference) { }

    /// <summary>
    /// Calls the function with <paramref name="args"/> and returns its results; a Lua error
    /// (or a spent budget) is thrown as <see cref="LuaScriptException"/>, with the traceback.
    /// </summary>
    public object?[] Call(params object?[] args) => Runtime.CallReference(this, args);

    public override string ToString() => "function";
}
