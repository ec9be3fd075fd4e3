namespace Lunet.Cli;

/// <summary>One -e or -l option, kept in command-line order.</summary>
/// <param name="Kind">'e' (run code) or 'l' (require a module).</param>
/// <param name="Code">The argument's bytes as given (-e code need not be UTF-8).</param>
sealed record StartupAction(char Kind, string Text, byte[] Code);

/// <summary>
/// The interpreter's options, parsed as lua.c parses its own: options come before
/// the script, the first argument that is not an option (or "-", stdin) is the script,
/// "--" ends the options, and everything after the script belongs to the script.
/// </summary>
sealed class CommandLine
{

    public const string Usage = """
        usage: lunet [options] [script [args]]
               lunet exports LIB [--json]
        Available options are:
          -e stat         execute string 'stat'
          -i              enter interactive mode after executing 'script'
          -l mod          require library 'mod' into global 'mod'
          -l g=mod        require library 'mod' into global 'g'
          -v              show version information
          -E              ignore environment variables (LUA_INIT, LUA_PATH, LUA_CPATH)
          -W              turn warnings on
          -h, --help      show this help
          --no-ffi        run without the ffi module (require("ffi") fails), C modules,
                          binary chunks and the debug library (traceback stays)
          --allow-lib LIB let the ffi open only the libraries given (repeatable);
                          no C modules, binary chunks or debug library, as --no-ffi
          --memory-limit N  let Lua hold at most N bytes ("not enough memory" past it)
          --              stop handling options
          -               stop handling options and execute stdin
        Subcommands:
          exports LIB     list the functions LIB exports, one per line (--json: a JSON array)
        """;

    public List<StartupAction> Actions { get; } = [];
    public List<string> AllowedLibraries { get; } = [];

    /// <summary>Index of the script in the arguments, or -1 when there is none.</summary>
    public int ScriptIndex { get; private set; } = -1;
    public bool Interactive { get; private set; }
    public bool ShowVersion { get; private set; }
    public bool ShowHelp { get; private set; }
    public bool WarningsOn { get; private set; }
    public bool IgnoreEnvironment { get; private set; }
    public bool NoFfi { get; private set; }
    public long? MemoryLimit { get; private set; }

    /// <summary>Why the arguments are wrong, or null.</summary>
    public string? Error { get; private set; }

    public bool HasScript => ScriptIndex >= 0;

    public static CommandLine Parse(IReadOnlyList<string> args) =>
        Parse(args, args.Select(a => System.Text.Encoding.UTF8.GetBytes(a)).ToArray());

    /// <summary>Parses <paramref name="args"/>; <paramref name="raw"/> holds the same arguments as bytes.</summary>
    public static CommandLine Parse(IReadOnlyList<string> args, IReadOnlyList<byte[]> raw)
    {
        var c = new CommandLine();
        for (int i = 0; i < args.Count; i++)
        {
            var a = args[i];
            if (a == "-" || !a.StartsWith('-')) { c.ScriptIndex = i; break; }
            if (a == "--")
            {
                if (i + 1 < args.Count) c.ScriptIndex = i + 1;
                break;
            }
            switch (a)
            {
                case "-i": c.Interactive = true; continue;
                case "-v": c.ShowVersion = true; continue;
                case "-E": c.IgnoreEnvironment = true; continue;
                case "-W": c.WarningsOn = true; continue;
                case "-h" or "--help": c.ShowHelp = true; continue;
                case "--no-ffi": c.NoFfi = true; continue;
            }
            if (a.StartsWith("-e", StringComparison.Ordinal) || a.StartsWith("-l", StringComparison.Ordinal))
            {
                bool attached = a.Length > 2;
                var value = attached ? a[2..] : i + 1 < args.Count ? args[++i] : null;
                if (value == null) return c.Fail($"'{a}' needs argument");
                c.Actions.Add(new StartupAction(a[1], value, attached ? raw[i][2..] : raw[i]));
                continue;
            }
            if (a == "--allow-lib" || a.StartsWith("--allow-lib=", StringComparison.Ordinal))
            {
                var value = a.Length > "--allow-lib".Length ? a["--allow-lib=".Length..] : i + 1 < args.Count ? args[++i] : null;
                if (string.IsNullOrEmpty(value)) return c.Fail($"'--allow-lib' needs argument");
                c.AllowedLibraries.Add(value);
                continue;
            }
            if (a == "--memory-limit" || a.StartsWith("--memory-limit=", StringComparison.Ordinal))
            {
                var value = a.Length > "--memory-limit".Length ? a["--memory-limit=".Length..] : i + 1 < args.Count ? args[++i] : null;
                if (!long.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long limit))
                    return c.Fail("'--memory-limit' needs a number of bytes");
                c.MemoryLimit = limit;
                continue;
            }
            return c.Fail($"unrecognized option '{a}'");
        }
        return c;
    }

    /// <summary>
    /// The ffi policy: everything by default (set here: a runtime's own default is no ffi), only
    /// the --allow-lib paths when any are given, nothing with --no-ffi (which wins over --allow-lib).
    /// </summary>
    public LuaRuntimeOptions RuntimeOptions()
    {
        var o = new LuaRuntimeOptions { Ffi = FfiAccess.Full, MemoryLimit = MemoryLimit, IgnoreEnvironment = IgnoreEnvironment };
        if (NoFfi) o.Ffi = FfiAccess.Disabled;
        else if (AllowedLibraries.Count > 0)
        {
            o.Ffi = FfiAccess.AllowList;
            foreach (var lib in AllowedLibraries) o.AllowedLibraries.Add(lib);
        }
        return o;
    }

    CommandLine Fail(string message)
    {
        Error = message;
        return this;
    }
}
