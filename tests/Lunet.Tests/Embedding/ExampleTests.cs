using Lunet.Tests.Cli;
using Lunet.Tests.Support;

namespace Lunet.Tests.Embedding;

/// <summary>examples/embedding builds against the library and prints what docs/embedding.md says (about 15 s).</summary>
public class ExampleTests
{
    [Fact]
    public void HostExampleBuildsAndRuns()
    {
        var artifacts = Directory.CreateTempSubdirectory("lunet-example").FullName;
        try
        {
            var r = CliRunner.Exec(CliRunner.DotnetHost,
                ["run", "--project", Path.Combine(NativeBuild.RepoRoot, "examples", "embedding"), "--artifacts-path", artifacts, "-v", "q"],
                timeoutMs: 300_000);
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.EndsWith("""
                name = demo, sizes = 1,2,3
                square(12) = 144
                stopped: (string):1: the script ran past its instruction limit (10000000)
                script output:
                HELLO	42
                false	bad argument #2 to 'add' (number expected, got string)
                false	host function 'fail' failed

                """.Replace("\r", ""), r.Stdout);
        }
        finally { Directory.Delete(artifacts, true); }
    }
}
