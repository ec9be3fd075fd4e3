namespace Lunet;

/// <summary>
/// What scripts of a runtime may do with native code. Under <see cref="Disabled"/> and
/// <see cref="AllowList"/> a script reaches no native code but the allowed libraries'
/// own functions: no package.loadlib, no C module searchers, no binary chunks, no debug
/// functions but traceback (docs/security.md).
/// </summary>
public enum FfiAccess
{
    /// <summary>The ffi module does not exist: require("ffi") fails as for any missing module.</summary>
    Disabled,
    /// <summary>Only the files on <see cref="LuaRuntimeOptions.AllowedLibraries"/> can be opened.</summary>
    AllowList,
    /// <summary>Any library, the process and the C library; Lua C modules and binary chunks load, as with the lua command.</summary>
    Full,
}

public sealed class LuaRuntimeOptions
{
    /// <summary>
    /// What scripts may do with native code. Default <see cref="FfiAccess.Disabled"/>: a runtime a
    /// host creates has no ffi, whatever <see cref="Libraries"/> says, until the host sets this
    /// (the lunet command sets <see cref="FfiAccess.Full"/>). A host that sets <see cref="FfiAccess.Full"/>
    /// with <see cref="LuaLibraries.Sandbox"/> gets what it asked for: the ffi opens any library.
    /// </summary>
    public FfiAccess Ffi { get; set; } = FfiAccess.Disabled;

    /// <summary>
    /// The libraries an <see cref="FfiAccess.AllowList"/> runtime may open: paths (any
    /// path to the same file is the same library) or bare names, which are resolved once,
    /// when the runtime is created, as ffi.open resolves them. An entry that names no
    /// file makes the runtime's constructor throw an <see cref="ArgumentException"/>.
    /// </summary>
    public IList<string> AllowedLibraries { get; } = new List<string>();

    /// <summary>
    /// The most bytes Lua may hold (null: no limit). A script that needs more gets Lua's
    /// catchable "not enough memory" error; the runtime keeps working.
    /// </summary>
    public long? MemoryLimit { get; set; }

    /// <summary>The standard libraries to open.</summary>
    public LuaLibraries Libraries { get; set; } = LuaLibraries.All;

    /// <summary>
    /// Whether precompiled (binary) chunks load, in load, loadfile, dofile, require and the
    /// host's DoString/DoFile. Only under <see cref="FfiAccess.Full"/>: the other policies
    /// never load them, whatever this says (patched bytecode reaches any memory).
    /// </summary>
    public bool BinaryChunks { get; set; } = true;

    /// <summary>
    /// Whether package.path and package.cpath ignore LUA_PATH(_5_4) and LUA_CPATH(_5_4),
    /// as lua -E does (the lunet command's -E sets it).
    /// </summary>
    internal bool IgnoreEnvironment { get; set; }

    /// <summary>
    /// Where <c>print</c> and <c>io.write</c> (and the <c>write</c> method of what io.write
    /// returns) send their text; null: the process's standard output, as the lua command. Lua
    /// strings are bytes: the writer gets them read as UTF-8. <c>io.stdout</c>, <c>io.output()</c>
    /// and <c>io.stderr</c> stay the process's own files (leave io out of <see cref="Libraries"/>
    /// to take them away).
    /// </summary>
    public TextWriter? Output { get; set; }

    /// <summary>
    /// The most Lua instructions one host call (DoString, DoFile, LuaFunction.Call, a table
    /// access...) may run, counted in steps of 1000; null: no limit. Past it the call throws
    /// <see cref="LuaBudgetExceededException"/>.
    /// </summary>
    public long? InstructionLimit { get; set; }

    /// <summary>
    /// The longest one host call may run Lua code (looked at every 1000 instructions); null:
    /// no limit. Time spent inside one C function (a native call through the ffi, a huge
    /// string.rep) is not interrupted. Past it the call throws <see cref="LuaBudgetExceededException"/>.
    /// </summary>
    public TimeSpan? Timeout { get; set; }

    internal bool LoadsBinaryChunks => BinaryChunks && Ffi == FfiAccess.Full;
}
