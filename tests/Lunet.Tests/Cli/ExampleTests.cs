using Lunet.Tests.Support;

namespace Lunet.Tests.Cli;

/// <summary>The scripts in examples/ run through the lunet command against the real system libraries, so they stay true.</summary>
public class ExampleTests
{
    public static TheoryData<string> Examples()
    {
        var data = new TheoryData<string>();
        foreach (var path in Directory.GetFiles(Path.Combine(NativeBuild.RepoRoot, "examples"), "*.lua").Order(StringComparer.Ordinal))
            data.Add(Path.GetFileName(path));
        return data;
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void ExampleRunsAndPrints(string example)
    {
        var r = CliRunner.Run(Path.Combine(NativeBuild.RepoRoot, "examples", example));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.NotEmpty(r.Stdout);
        Assert.Empty(r.Stderr);
    }

    [Fact]
    public void HelloReportsWhatItGotFromLibcLibmAndZlib()
    {
        var r = CliRunner.Run(Path.Combine(NativeBuild.RepoRoot, "examples", "hello.lua"));
        Assert.Contains("strlen(\"Hello from Lua through the ffi\") = 30", r.Stdout);
        Assert.Contains($"getpid() = ", r.Stdout);
        Assert.Contains("cos(0) = 1, sqrt(2) = 1.414214", r.Stdout);
        Assert.Contains("crc32('hello') = 0x3610a686", r.Stdout);
    }
}
