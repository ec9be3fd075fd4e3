using System.Diagnostics;
using Lunet.Tests.Support;

namespace Lunet.Bench;

/// <summary>
/// Cold start as whole processes: `lua5.4 -e ''`, the JIT build of `lunet -e ''` (artifacts/lunet,
/// which ./lunet builds) and the NativeAOT binary (artifacts/aot/Lunet.Cli, made by
/// `dotnet publish src/Lunet.Cli -r linux-x64 -p:PublishAot=true -o artifacts/aot`, or by
/// bench/run --publish-aot), each started <see cref="Runs"/> times after warm-up runs, median wall clock.
/// </summary>
static class ColdStartRows
{
    const int Warmups = 3, Runs = 15;

    public static string AotBinary => Path.Combine(NativeSetup.RepoRoot, "artifacts", "aot", "Lunet.Cli");

    /// <summary>Publishes the NativeAOT binary into artifacts/aot.</summary>
    public static void PublishAot()
    {
        Console.Error.WriteLine("publishing the NativeAOT binary into artifacts/aot ...");
        NativeBuild.Run("dotnet", $"publish \"{Path.Combine(NativeSetup.RepoRoot, "src", "Lunet.Cli")}\" -r linux-x64 -p:PublishAot=true -o \"{Path.GetDirectoryName(AotBinary)}\" -nologo");
    }

    public static void Append(Action<string> line)
    {
        var root = NativeSetup.RepoRoot;
        // ./lunet builds the JIT command when a source is newer than it; time its apphost, not the script.
        NativeBuild.Run(Path.Combine(root, "lunet"), "-e \"\"");
        var jit = Path.Combine(root, "artifacts", "lunet", "Lunet.Cli");
        var lua = new[] { "/usr/bin/lua5.4", "/usr/local/bin/lua5.4" }.FirstOrDefault(File.Exists);

        line("\n### Cold start\n");
        line($"Each command started {Runs} times after {Warmups} warm-up runs, median wall clock from process start to exit.\n");
        line("| command | ms | × lua5.4 |");
        line("|---|---:|---:|");
        double? luaMs = lua == null ? null : Median(lua);
        if (luaMs is double l) line($"| `lua5.4 -e ''` | {l:F1} | 1.00 |");
        else line("| `lua5.4 -e ''` | not installed | |");
        foreach (var (name, path) in new[] { ("`lunet -e ''`, JIT build (artifacts/lunet)", jit), ("`lunet -e ''`, NativeAOT (artifacts/aot)", AotBinary) })
        {
            if (!File.Exists(path))
            {
                line($"| {name} | not built (bench/run --publish-aot) | |");
                continue;
            }
            double ms = Median(path);
            line($"| {name} | {ms:F1} | {(luaMs is double b ? $"{ms / b:F2}" : "")} |");
        }
    }

    static double Median(string exe)
    {
        var times = new List<double>();
        for (int i = 0; i < Warmups + Runs; i++)
        {
            var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            psi.ArgumentList.Add("-e");
            psi.ArgumentList.Add("");
            var sw = Stopwatch.StartNew();
            using var p = Process.Start(psi)!;
            p.WaitForExit();
            double ms = sw.Elapsed.TotalMilliseconds;
            if (p.ExitCode != 0) throw new InvalidOperationException($"{exe} -e '' exited with {p.ExitCode}: {p.StandardError.ReadToEnd()}");
            if (i >= Warmups) times.Add(ms);
        }
        times.Sort();
        return times[times.Count / 2];
    }
}
