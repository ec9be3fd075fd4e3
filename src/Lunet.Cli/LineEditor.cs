using System.Text;

namespace Lunet.Cli;

/// <summary>
/// A small line editor for the REPL on a terminal (the NuGet source serves no maintained
/// one that fits): left/right, Home/End, Ctrl-A/E (start/end), Ctrl-U/K (delete before/after
/// the cursor), Ctrl-W (delete the word before), Backspace/Delete, up/down through
/// <see cref="History"/>, Tab completion through a callback. Ctrl-D on an empty line is end of
/// input (null); Ctrl-C drops the line and gives an empty one.
/// </summary>
sealed class LineEditor(History history, Func<string, IReadOnlyList<string>> complete)
{
    public string? ReadLine(string prompt)
    {
        Console.Write(prompt);
        var line = new StringBuilder();
        int cursor = 0;
        int browsing = history.Count; // the entry shown: Count is the line being written
        string pending = "";
        bool savedCtrlC = Console.TreatControlCAsInput;
        Console.TreatControlCAsInput = true;
        try
        {
            while (true)
            {
                var key = Console.ReadKey(intercept: true);
                bool ctrl = (key.Modifiers & ConsoleModifiers.Control) != 0;
                switch (key.Key)
                {
                    case ConsoleKey.Enter:
                        Console.WriteLine();
                        var text = line.ToString();
                        history.Add(text);
                        return text;
                    case ConsoleKey.D when ctrl:
                        if (line.Length == 0) { Console.WriteLine(); return null; }
                        if (cursor < line.Length) line.Remove(cursor, 1);
                        break;
                    case ConsoleKey.C when ctrl:
                        Console.WriteLine("^C");
                        return "";
                    case ConsoleKey.LeftArrow or ConsoleKey.B when key.Key == ConsoleKey.LeftArrow || ctrl:
                        if (cursor > 0) cursor--;
                        break;
                    case ConsoleKey.RightArrow or ConsoleKey.F when key.Key == ConsoleKey.RightArrow || ctrl:
                        if (cursor < line.Length) cursor++;
                        break;
                    case ConsoleKey.Home: cursor = 0; break;
                    case ConsoleKey.A when ctrl: cursor = 0; break;
                    case ConsoleKey.End: cursor = line.Length; break;
                    case ConsoleKey.E when ctrl: cursor = line.Length; break;
                    case ConsoleKey.U when ctrl: line.Remove(0, cursor); cursor = 0; break;
                    case ConsoleKey.K when ctrl: line.Remove(cursor, line.Length - cursor); break;
                    case ConsoleKey.W when ctrl:
                        int start = cursor;
                        while (start > 0 && line[start - 1] == ' ') start--;
                        while (start > 0 && line[start - 1] != ' ') start--;
                        line.Remove(start, cursor - start);
                        cursor = start;
                        break;
                    case ConsoleKey.Backspace:
                        if (cursor > 0) line.Remove(--cursor, 1);
                        break;
                    case ConsoleKey.Delete:
                        if (cursor < line.Length) line.Remove(cursor, 1);
                        break;
                    case ConsoleKey.UpArrow or ConsoleKey.DownArrow:
                        int next = browsing + (key.Key == ConsoleKey.UpArrow ? -1 : 1);
                        if (next < 0 || next > history.Count) break;
                        if (browsing == history.Count) pending = line.ToString();
                        browsing = next;
                        line.Clear().Append(browsing == history.Count ? pending : history[browsing]);
                        cursor = line.Length;
                        break;
                    case ConsoleKey.Tab:
                        Complete(prompt, line, ref cursor);
                        break;
                    default:
                        if (key.KeyChar >= ' ' && !ctrl) line.Insert(cursor++, key.KeyChar);
                        break;
                }
                Redraw(prompt, line, cursor);
            }
        }
        finally { Console.TreatControlCAsInput = savedCtrlC; }
    }

    /// <summary>Completes the name before the cursor: the common prefix of the candidates, else lists them.</summary>
    void Complete(string prompt, StringBuilder line, ref int cursor)
    {
        int start = cursor;
        while (start > 0 && (char.IsLetterOrDigit(line[start - 1]) || line[start - 1] is '_' or '.' or ':')) start--;
        var word = line.ToString(start, cursor - start);
        var candidates = complete(word);
        if (candidates.Count == 0) return;
        var common = candidates.Aggregate((a, b) =>
        {
            int n = 0;
            while (n < a.Length && n < b.Length && a[n] == b[n]) n++;
            return a[..n];
        });
        if (common.Length > word.Length)
        {
            line.Remove(start, cursor - start).Insert(start, common);
            cursor = start + common.Length;
        }
        else if (candidates.Count > 1)
        {
            Console.WriteLine();
            Console.WriteLine(string.Join("  ", candidates));
            Console.Write(prompt + line);
        }
    }

    /// <summary>Rewrites the line: back to the start, prompt and text, clear to the end, cursor placed.</summary>
    static void Redraw(string prompt, StringBuilder line, int cursor)
    {
        var text = line.ToString();
        Console.Write("\r" + prompt + text + "\x1b[K");
        int back = text.Length - cursor;
        if (back > 0) Console.Write($"\x1b[{back}D");
    }
}
