using System.Diagnostics;

namespace Lunet.Tests.Cli;

/// <summary>What a run of the command gave.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

/// <summary>
/// Runs the lunet command as a child process: the Lunet.Cli.dll built next to this
/// test assembly (the test project references src/Lunet.Cli), through the dotnet host.
/// </summary>
public static class CliRunner
{
    public static string CliDll { get; } = Path.Combine(AppContext.BaseDirectory, "Lunet.Cli.dll");

    /// <summary>The dotnet host that runs this test run (DOTNET_HOST_PATH), else dotnet from PATH.</summary>
    public static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } p && File.Exists(p) ? p : "dotnet";

    public static CliResult Run(params string[] args) => Exec(DotnetHost, [CliDll, .. args]);

    public static CliResult RunWithInput(string stdin, params string[] args) => Exec(DotnetHost, [CliDll, .. args], stdin);

    /// <summary>Runs the command in <paramref name="directory"/>, so scripts can be named relative to it.</summary>
    public static CliResult RunIn(string directory, string? stdin, params string[] args) =>
        Exec(DotnetHost, [CliDll, .. args], stdin, directory);

    /// <summary>Runs any program; stdin is closed after <paramref name="stdin"/> (empty when null).</summary>
    public static CliResult Exec(string exe, IEnumerable<string> args, string? stdin = null,
        string? workingDirectory = null, IDictionary<string, string>? env = null, int timeoutMs = 60_000)
    {
        var psi = new ProcessStartInfo(exe)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment.Remove("LUNET_ARGV0"); // so arg[-n] starts with "lunet"
        if (env != null) foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (stdin != null) p.StandardInput.Write(stdin);
        p.StandardInput.Close();
        if (!p.WaitForExit(timeoutMs))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{exe} {string.Join(' ', args)} did not finish in {timeoutMs} ms");
        }
        p.WaitForExit();
        return new CliResult(p.ExitCode, stdout.Result.Replace("\r\n", "\n"), stderr.Result.Replace("\r\n", "\n"));
    }

    /// <summary>A new temporary folder holding the given files (name → content).</summary>
    public static string TempDir(params (string Name, string Content)[] files)
    {
        var dir = Path.Combine(Path.GetTempPath(), "lunet-cli-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dir);
        foreach (var (name, content) in files) File.WriteAllText(Path.Combine(dir, name), content);
        return dir;
    }
}
