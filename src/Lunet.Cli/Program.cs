namespace Lunet.Cli;

/// <summary>
/// The lunet command: runs Lua scripts the way the lua command does
/// (see <see cref="CommandLine.Usage"/>), plus the <c>exports</c> subcommand.
/// Lua's own output (print, io.write) goes through C stdio; lunet's messages go
/// through Console, which flushes on every write.
/// </summary>
static class Program
{
    static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "exports") return Exports(args[1..]);

        var raw = RawArguments.Get(args);
        var cl = CommandLine.Parse(args, raw);
        if (cl.Error != null)
        {
            Console.Error.WriteLine($"lunet: {cl.Error}");
            Console.Error.WriteLine(CommandLine.Usage);
            return 1;
        }
        if (cl.ShowHelp)
        {
            Console.WriteLine(CommandLine.Usage);
            return 0;
        }
        // As lua: a script or -e without -i runs and exits; otherwise (or with -i) the REPL follows.
        bool repl = cl.Interactive || (!cl.HasScript && cl.Actions.All(a => a.Kind != 'e') && !cl.ShowVersion);
        bool terminal = !Console.IsInputRedirected;
        if (cl.ShowVersion || (repl && terminal)) Console.WriteLine(VersionInfo.Text);

        LuaRuntime runtime;
        try { runtime = new LuaRuntime(cl.RuntimeOptions()); }
        catch (ArgumentException e) // an --allow-lib that names no library
        {
            Console.Error.WriteLine($"lunet: {e.Message}");
            return 1;
        }
        using var _ = runtime;
        try
        {
            if (cl.WarningsOn) runtime.DoString("warn('@on')", "=(command line)");
            ScriptArgs.Install(runtime, raw, cl.ScriptIndex);
            if (!cl.IgnoreEnvironment) RunInit(runtime);
            foreach (var action in cl.Actions) RunAction(runtime, action);
            if (cl.HasScript) RunScript(runtime, args, raw, cl.ScriptIndex);
            if (repl) new Repl(runtime, Console.In, prompts: terminal).Run();
            return 0;
        }
        catch (LuaScriptException e)
        {
            FlushLuaOutput(runtime); // what the script printed comes before the error
            ReportError(e);
            return 1;
        }
        finally { FlushLuaOutput(runtime); }
    }

    /// <summary>
    /// As lua: LUA_INIT_5_4, else LUA_INIT, runs before -e, -l and the script: "@file" runs
    /// the file, anything else is code (chunk "=LUA_INIT_5_4" or "=LUA_INIT").
    /// </summary>
    static void RunInit(LuaRuntime runtime)
    {
        var name = "LUA_INIT_5_4";
        var init = Environment.GetEnvironmentVariable(name);
        if (init == null) init = Environment.GetEnvironmentVariable(name = "LUA_INIT");
        if (init == null) return;
        if (init.StartsWith('@'))
        {
            var path = init[1..];
            using (Interrupt.While(runtime.State)) runtime.DoScript(ReadScript(path), "@" + path, []);
        }
        else
            using (Interrupt.While(runtime.State)) runtime.DoScript(System.Text.Encoding.UTF8.GetBytes(init), "=" + name, []);
    }

    static void RunAction(LuaRuntime runtime, StartupAction action)
    {
        if (action.Kind == 'e')
        {
            using (Interrupt.While(runtime.State)) runtime.DoScript(action.Code, "=(command line)", []);
            return;
        }
        // -l mod, or -l g=mod (global g = require "mod")
        int eq = action.Text.IndexOf('=');
        var (global, module) = eq < 0 ? (action.Text, action.Text) : (action.Text[..eq], action.Text[(eq + 1)..]);
        runtime.DoString("local g, m = ...; _G[g] = require(m)", "=(command line)", global, module);
    }

    static void RunScript(LuaRuntime runtime, string[] args, byte[][] raw, int scriptIndex)
    {
        var script = args[scriptIndex];
        var varargs = ScriptArgs.Varargs(raw, scriptIndex);
        if (script == "-")
        {
            using var stdin = new MemoryStream();
            Console.OpenStandardInput().CopyTo(stdin);
            using (Interrupt.While(runtime.State)) runtime.DoScript(stdin.ToArray(), "=stdin", varargs);
        }
        else
        {
            // lua opens a directory and fails reading it; .NET fails opening it.
            if (Directory.Exists(script)) throw new LuaScriptException($"cannot read {script}: Is a directory", null);
            using (Interrupt.While(runtime.State)) runtime.DoFile(script, varargs);
        }
    }

    /// <summary>A file's bytes for LUA_INIT's "@file", with lua's messages when it cannot be read.</summary>
    static byte[] ReadScript(string path)
    {
        if (Directory.Exists(path)) throw new LuaScriptException($"cannot read {path}: Is a directory", null);
        try { return File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            var why = e switch
            {
                FileNotFoundException or DirectoryNotFoundException => "No such file or directory",
                UnauthorizedAccessException => "Permission denied",
                _ => "cannot read the file",
            };
            throw new LuaScriptException($"cannot open {path}: {why}", null);
        }
    }

    /// <summary>An uncaught error as lua reports it: "lunet: message", then the traceback.</summary>
    public static void ReportError(LuaScriptException e)
    {
        Console.Error.WriteLine($"lunet: {e.Message}");
        if (e.LuaTraceback != null) Console.Error.WriteLine(e.LuaTraceback);
    }

    /// <summary>Flushes C stdio's stdout, where print and io.write go, so it interleaves with lunet's own output.</summary>
    public static void FlushLuaOutput(LuaRuntime runtime) => runtime.FlushOutput();

    static int Exports(string[] args) => ExportsCommand.Run(args);
}
