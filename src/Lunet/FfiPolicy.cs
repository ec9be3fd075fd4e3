namespace Lunet;

/// <summary>What scripts of a runtime may do with the ffi.</summary>
public enum FfiAccess
{
    /// <summary>The ffi module does not exist: require("ffi") fails as for any missing module.</summary>
    Disabled,
    /// <summary>Only libraries whose full paths are on <see cref="LuaRuntimeOptions.AllowedLibraries"/> can be opened.</summary>
    AllowList,
    /// <summary>Any library, the process and the C library.</summary>
    Full,
}

public sealed class LuaRuntimeOptions
{
    public FfiAccess Ffi { get; set; } = FfiAccess.Full;

    /// <summary>Library paths an <see cref="FfiAccess.AllowList"/> runtime may open.</summary>
    public IList<string> AllowedLibraries { get; } = new List<string>();

    /// <summary>
    /// The most bytes Lua may hold (null: no limit). A script that needs more gets Lua's
    /// catchable "not enough memory" error; the runtime keeps working.
    /// </summary>
    public long? MemoryLimit { get; set; }
}
