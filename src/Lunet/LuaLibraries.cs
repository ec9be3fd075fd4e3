namespace Lunet;

/// <summary>
/// The standard libraries a runtime opens (<see cref="LuaRuntimeOptions.Libraries"/>).
/// Under <see cref="FfiAccess.Disabled"/> and <see cref="FfiAccess.AllowList"/> the
/// native-code rules apply on top of any choice: <c>debug</c> keeps only
/// <c>traceback</c>, <c>package</c> loses its C loaders. docs/security.md has the details.
/// </summary>
[Flags]
public enum LuaLibraries
{
    None = 0,
    /// <summary>The base functions (print, pairs, load, ...).</summary>
    Base = 1 << 0,
    /// <summary>require and the package table.</summary>
    Package = 1 << 1,
    Coroutine = 1 << 2,
    Table = 1 << 3,
    /// <summary>The io library. Without it nothing reads files: dofile, loadfile and require's file searchers go too.</summary>
    IO = 1 << 4,
    /// <summary>The whole os library. io.popen, which starts a shell as os.execute does, is there only with it.</summary>
    OS = 1 << 5,
    String = 1 << 6,
    Math = 1 << 7,
    UTF8 = 1 << 8,
    /// <summary>The whole debug library (only under <see cref="FfiAccess.Full"/>; else as <see cref="DebugTraceback"/>).</summary>
    Debug = 1 << 9,
    /// <summary>os.clock, os.date, os.difftime and os.time only: no processes, files or environment.</summary>
    OSTime = 1 << 10,
    /// <summary>debug.traceback only.</summary>
    DebugTraceback = 1 << 11,

    /// <summary>Every library, as the lua command opens them.</summary>
    All = Base | Package | Coroutine | Table | IO | OS | String | Math | UTF8 | Debug,

    /// <summary>
    /// For scripts that should touch nothing outside the runtime: no io (so no file is
    /// read, not even by require or dofile), os only for time, debug only for traceback.
    /// require still finds preloaded modules (the ffi, if the policy allows it).
    /// </summary>
    Sandbox = Base | Package | Coroutine | Table | String | Math | UTF8 | OSTime | DebugTraceback,
}
