using Lunet.Tests.Cli;
using Lunet.Tests.Support;

namespace Lunet.Tests.Packaging;

/// <summary>
/// ./lunet's first build says so on stderr, with how long it took. Run on a copy of the script
/// in a scratch checkout whose `dotnet` (first on PATH) only records what it was asked, so the
/// test costs no real build.
/// </summary>
public class WrapperScriptTests
{
    [Fact]
    public void FirstBuildSaysItIsBuildingAndHowLongItTook()
    {
        var root = Directory.CreateTempSubdirectory("lunet-wrapper").FullName;
        try
        {
            File.Copy(Path.Combine(NativeBuild.RepoRoot, "lunet"), Path.Combine(root, "lunet"));
            Directory.CreateDirectory(Path.Combine(root, "src", "Lunet.Cli"));
            File.WriteAllText(Path.Combine(root, "src", "Lunet.Cli", "Program.cs"), "");
            var bin = Directory.CreateDirectory(Path.Combine(root, "bin")).FullName;
            // build: make the dll in the -o folder; anything else: say what would run.
            File.WriteAllText(Path.Combine(bin, "dotnet"), """
                #!/bin/sh
                if [ "$1" = build ]; then
                  while [ $# -gt 0 ]; do [ "$1" = -o ] && { mkdir -p "$2"; : > "$2/Lunet.Cli.dll"; }; shift; done
                  exit 0
                fi
                echo "ran $*"
                """.Replace("\r", ""));
            File.SetUnixFileMode(Path.Combine(bin, "dotnet"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            // Another test's fork may hold the new file open for writing until its exec ("Text file busy").
            for (int attempt = 0; attempt < 50 && CliRunner.Exec(Path.Combine(bin, "dotnet"), ["--version"]).ExitCode != 0; attempt++) Thread.Sleep(100);
            var env = new Dictionary<string, string> { ["PATH"] = $"{bin}:{Environment.GetEnvironmentVariable("PATH")}" };

            var first = CliRunner.Exec("bash", [Path.Combine(root, "lunet"), "-e", "x"], env: env);
            Assert.True(first.ExitCode == 0, first.ToString());
            Assert.Matches(@"^lunet: building src/Lunet.Cli \(Release\) into artifacts/lunet/ \.\.\.\nlunet: built in \d+ s\n$", first.Stderr);
            Assert.EndsWith("Lunet.Cli.dll -e x\n", first.Stdout);

            var second = CliRunner.Exec("bash", [Path.Combine(root, "lunet"), "-e", "x"], env: env);
            Assert.Equal("", second.Stderr); // up to date: no build, nothing said
        }
        finally { Directory.Delete(root, true); }
    }
}
