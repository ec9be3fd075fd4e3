using System.Diagnostics;
using System.Text;

namespace Lunet.Tests.Cli;

/// <summary>
/// The REPL on a terminal: the command runs under a pseudo-terminal (util-linux's
/// <c>script</c>), keystrokes are written to it and the screen output is read back.
/// </summary>
public class ReplTerminalTests
{
    static readonly string? Script = new[] { "/usr/bin/script", "/bin/script" }.FirstOrDefault(File.Exists);

    /// <summary>The REPL under a pseudo-terminal, its history in <paramref name="historyFile"/>.</summary>
    sealed class Terminal : IDisposable
    {
        readonly Process process;
        readonly StringBuilder output = new();

        public Terminal(string historyFile)
        {
            var psi = new ProcessStartInfo(Script!)
            {
                RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            };
            // script runs the command with $SHELL -c; exec replaces that shell, which would
            // otherwise (dash) die of the Ctrl-C the test types and make script exit 130.
            foreach (var a in new[] { "-qfec", $"exec '{CliRunner.DotnetHost}' '{CliRunner.CliDll}'", "/dev/null" }) psi.ArgumentList.Add(a);
            psi.Environment["LUNET_HISTORY"] = historyFile;
            psi.Environment["TERM"] = "xterm";
            process = Process.Start(psi)!;
            // Read as it comes, not by lines: a prompt ends no line.
            new Thread(() =>
            {
                var buffer = new char[4096];
                int n;
                while ((n = process.StandardOutput.Read(buffer, 0, buffer.Length)) > 0)
                    lock (output) output.Append(buffer, 0, n);
            }) { IsBackground = true }.Start();
            process.BeginErrorReadLine();
        }

        public string Output { get { lock (output) return output.ToString().Replace("\r\n", "\n"); } }

        public void Type(string keys)
        {
            process.StandardInput.Write(keys);
            process.StandardInput.Flush();
        }

        /// <summary>Waits until the screen has shown <paramref name="text"/> <paramref name="times"/> times.</summary>
        public void WaitFor(string text, int times = 1)
        {
            var until = DateTime.UtcNow.AddSeconds(30);
            while (Count(Output, text) < times)
            {
                if (DateTime.UtcNow > until) throw new TimeoutException($"never saw '{text}' x{times}; the screen:\n{Output}");
                Thread.Sleep(50);
            }
        }

        public int Exit()
        {
            if (!process.WaitForExit(30_000)) { process.Kill(true); throw new TimeoutException("the REPL did not exit:\n" + Output); }
            process.WaitForExit();
            return process.ExitCode;
        }

        public void Dispose()
        {
            if (!process.HasExited) process.Kill(true);
            process.Dispose();
        }
    }

    static int Count(string s, string part)
    {
        int n = 0;
        for (int at = s.IndexOf(part, StringComparison.Ordinal); at >= 0; at = s.IndexOf(part, at + 1, StringComparison.Ordinal)) n++;
        return n;
    }

    const string Up = "\x1b[A", Left = "\x1b[D", Home = "\x1b[H", End = "\x1b[F";

    [Fact]
    public void LineEditingHistoryExpressionsCompletionCtrlCAndCtrlD()
    {
        if (Script == null || OperatingSystem.IsWindows()) return;
        var history = Path.Combine(CliRunner.TempDir(), "history");
        using (var t = new Terminal(history))
        {
            t.WaitFor("> ");
            t.Type("x = 4\r");
            t.WaitFor("> ", 2);
            t.Type("=x * 10\r");                       // "=expr"
            t.WaitFor("40");
            // Ctrl-A, Home, End, Left, Ctrl-K, Ctrl-E: "print(x + 1)" edited into "print('ok', x + 2)"
            t.Type("x + 1)\x01print(" + End + Left + Left + "\x0b2)" + Home + "\x05" + "\r");
            t.WaitFor("6");
            t.Type("zz = 'a' print('no') \x17\x17\x17\x15print('ctrl-u', zz)\r"); // Ctrl-W, Ctrl-U
            t.WaitFor("ctrl-u\tnil");
            t.Type("string.for" + "\t" + "('%d!', 7)\r");  // Tab completes a table's field
            t.WaitFor("7!");
            t.Type("pri" + "\t" + "('tab', 1)\r");        // and a global
            t.WaitFor("tab\t1");
            t.Type("ffi = require('ffi')\r");
            t.Type("=ffi.sizeo" + "\t" + "('i32') * 1000\r");  // and an ffi member
            t.WaitFor("4000");
            t.Type(Up + Up + Up + Up + "\r");            // history: four back is the string.format line
            t.WaitFor("7!", 2);
            t.Type("for i = 1, 2 do\r");                  // multi-line input
            t.Type("io.write('line', i, ' ') end\r");
            t.WaitFor("line1 line2");
            t.Type("while true do end\r");
            Thread.Sleep(1000);
            t.Type("\x03");                                // Ctrl-C interrupts and returns to the prompt
            t.WaitFor("interrupted!");
            t.Type("=x .. ' kept'\r");                     // state intact
            t.WaitFor("4 kept");
            t.Type("\x04");                                // Ctrl-D on an empty line exits
            Assert.Equal(0, t.Exit());
            Assert.DoesNotContain("Exception", t.Output);
        }
        var lines = File.ReadAllLines(history);
        Assert.Contains("=x * 10", lines);
        Assert.Contains("string.format('%d!', 7)", lines);

        // The history persists: a new session's Up gives the last line of the previous one (x is not set here).
        using (var t = new Terminal(history))
        {
            t.WaitFor("> ");
            t.Type(Up + "\r");
            t.WaitFor("attempt to concatenate a nil value (global 'x')");
            t.Type("\x04");
            Assert.Equal(0, t.Exit());
        }
    }
}
