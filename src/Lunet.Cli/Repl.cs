namespace Lunet.Cli;

/// <summary>
/// The read-eval-print loop, after lua.c's: a line is first tried as an expression
/// (<c>return line</c>) and its values printed with Lua's print; otherwise it is a
/// statement, continued over more lines (prompt ">>") while the chunk is incomplete.
/// Errors are reported and the loop goes on; end of input ends it. Prompts are
/// shown only when the input is a terminal, so piped input gives just the output; on a
/// terminal lines are read with <see cref="LineEditor"/> (editing, history, completion).
/// </summary>
sealed class Repl(LuaRuntime runtime, TextReader input, bool prompts)
{
    const string ChunkName = "=stdin";

    /// <summary>On a terminal (input and output), lines come from the line editor; otherwise plain lines.</summary>
    readonly LineEditor? editor = prompts && !Console.IsOutputRedirected
        ? new LineEditor(new History(), new Completer(runtime).Complete) : null;

    public void Run()
    {
        while (ReadChunk() is string code)
        {
            try
            {
                using (Interrupt.While(runtime.State)) runtime.DoStringAndPrint(code, ChunkName);
            }
            catch (LuaScriptException e) { Program.ReportError(e); }
            Program.FlushLuaOutput(runtime);
        }
        if (prompts) Console.WriteLine();
    }

    /// <summary>The next complete chunk (or one with a syntax error, to be reported), or null at end of input.</summary>
    string? ReadChunk()
    {
        var line = Read("> ");
        if (line == null) return null;
        if (line.StartsWith('=')) line = "return " + line[1..]; // "=expr", as lua 5.4 before 5.4.4 and after
        var asExpression = "return " + line;
        if (runtime.Compile(asExpression, ChunkName, out _) == null) return asExpression;
        var code = line;
        while (runtime.Compile(code, ChunkName, out bool incomplete) != null && incomplete)
        {
            var more = Read(">> ");
            if (more == null) break;
            code += "\n" + more;
        }
        return code;
    }

    string? Read(string prompt)
    {
        if (editor != null) return editor.ReadLine(prompt);
        if (prompts) Console.Write(prompt);
        return input.ReadLine();
    }
}
