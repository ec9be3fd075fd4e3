namespace Lunet.Cli;

/// <summary>
/// The global <c>arg</c> table, built as lua.c builds it: with argv = the program name
/// followed by the command-line arguments and s = the script's index in argv (0 when
/// there is no script), <c>arg[i - s] = argv[i]</c>. So arg[0] is the script, arg[1..n]
/// its arguments, and the program and the options before the script sit at negative
/// indices (<c>lunet -e x s.lua a</c>: arg[-3] = "lunet", arg[-2] = "-e", arg[-1] = "x").
/// The arguments are the bytes given (<see cref="RawArguments"/>), UTF-8 or not.
/// </summary>
static class ScriptArgs
{
    /// <summary>argv[0]: what the wrapper script was invoked as, else "lunet".</summary>
    public static string ProgramName =>
        Environment.GetEnvironmentVariable("LUNET_ARGV0") is { Length: > 0 } name ? name : "lunet";

    public static void Install(LuaRuntime runtime, IReadOnlyList<byte[]> args, int scriptIndex)
    {
        int s = scriptIndex < 0 ? 0 : scriptIndex + 1;
        var values = new object?[args.Count + 3];
        values[0] = (long)-s;
        values[1] = (long)(args.Count + 1);
        values[2] = ProgramName;
        for (int i = 0; i < args.Count; i++) values[i + 3] = args[i];
        runtime.DoString("""
            local first, n = ...
            local t = {}
            for i = 1, n do t[first + i - 1] = select(i + 2, ...) end
            arg = t
            """, "=arg", values);
    }

    /// <summary>The script's own arguments, passed to its chunk as <c>...</c>.</summary>
    public static object?[] Varargs(IReadOnlyList<byte[]> args, int scriptIndex) =>
        scriptIndex < 0 ? [] : args.Skip(scriptIndex + 1).Cast<object?>().ToArray();
}
