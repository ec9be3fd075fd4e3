using System.IO.Compression;
using System.Reflection;
using Lunet.Tests.Cli;
using Lunet.Tests.Support;

namespace Lunet.Tests.Packaging;

/// <summary>
/// `dotnet pack` makes the Lunet library package and the Lunet.Cli .NET tool, and the tool
/// installs from a local feed alone and runs. About 45 s (a Release build of both projects
/// into a temporary artifacts path, so it never touches the checkout's bin/obj).
/// </summary>
public class PackageTests
{
    [Fact]
    public void PacksTheLibraryAndAToolThatInstallsFromALocalFeed()
    {
        var work = Directory.CreateTempSubdirectory("lunet-pack").FullName;
        try
        {
            var feed = Path.Combine(work, "feed");
            var pack = CliRunner.Exec(CliRunner.DotnetHost,
                ["pack", Path.Combine(NativeBuild.RepoRoot, "Lunet.slnx"), "-c", "Release", "-nologo",
                 "--artifacts-path", Path.Combine(work, "artifacts"), "-o", feed], timeoutMs: 300_000);
            Assert.True(pack.ExitCode == 0, pack.ToString());

            // One version everywhere: the packages carry the assemblies' version.
            var version = typeof(LuaRuntime).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!
                .InformationalVersion.Split('+')[0];
            var library = Path.Combine(feed, $"Lunet.{version}.nupkg");
            var tool = Path.Combine(feed, $"Lunet.Cli.{version}.nupkg");
            Assert.True(File.Exists(library), string.Join(", ", Directory.GetFiles(feed)));
            Assert.True(File.Exists(tool));
            using (var zip = ZipFile.OpenRead(library))
            {
                var names = zip.Entries.Select(e => e.FullName).ToList();
                Assert.Contains("README.md", names);
                Assert.Contains("LICENSE", names);
                Assert.Contains("lib/net10.0/Lunet.dll", names);
                Assert.Contains("lib/net10.0/Lunet.xml", names); // IntelliSense
                Assert.Contains("types/ffi.meta.lua", names); // LuaLS definitions
                var nuspec = new StreamReader(zip.Entries.Single(e => e.FullName.EndsWith(".nuspec")).Open()).ReadToEnd();
                Assert.Contains("<license type=\"expression\">MIT</license>", nuspec);
                Assert.Contains("<dependency id=\"KeraLua\"", nuspec);
            }

            var tools = Path.Combine(work, "tools");
            var install = CliRunner.Exec(CliRunner.DotnetHost,
                ["tool", "install", "--tool-path", tools, "Lunet.Cli", "--version", version, "--add-source", feed],
                // A package folder of its own: the machine's cache would keep an older Lunet.Cli of the same version.
                env: new Dictionary<string, string> { ["NUGET_PACKAGES"] = Path.Combine(work, "packages") }, timeoutMs: 120_000);
            Assert.True(install.ExitCode == 0, install.ToString());
            var script = Path.Combine(work, "script.lua");
            File.WriteAllText(script, "print(1, select('#', ...), require('ffi').C ~= nil)");
            var run = CliRunner.Exec(Path.Combine(tools, OperatingSystem.IsWindows() ? "lunet.exe" : "lunet"), [script, "a", "b"]);
            Assert.Equal(0, run.ExitCode);
            Assert.Equal("1\t2\ttrue\n", run.Stdout);
            var e = CliRunner.Exec(Path.Combine(tools, OperatingSystem.IsWindows() ? "lunet.exe" : "lunet"), ["-e", "print(1)"]);
            Assert.Equal("1\n", e.Stdout);
        }
        finally { Directory.Delete(work, true); }
    }
}
