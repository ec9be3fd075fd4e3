using System.Runtime.InteropServices;
using Lunet.Tests.Cli;
using Lunet.Tests.Hostile;
using Lunet.Tests.Support;

namespace Lunet.Tests.Packaging;

/// <summary>
/// The command published with NativeAOT, which forbids run-time IL: on x86-64 Linux every
/// call goes through native stubs (lib:call's first call of a site included), so the AOT
/// binary runs the script tests, the hostile corpus and the examples as the JIT build does.
/// It is published once per test run into a temporary artifacts path (about 30 s), never
/// into the checkout's bin/obj.
/// </summary>
public class NativeAotTests
{
    static bool Applies => OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64;

    static readonly Lazy<string> Binary = new(Publish);

    static string Publish()
    {
        var work = Directory.CreateTempSubdirectory("lunet-aot").FullName;
        var output = Path.Combine(work, "bin");
        var r = CliRunner.Exec(CliRunner.DotnetHost,
            ["publish", Path.Combine(NativeBuild.RepoRoot, "src", "Lunet.Cli"), "-r", "linux-x64", "-p:PublishAot=true",
             "-nologo", "--artifacts-path", Path.Combine(work, "artifacts"), "-o", output], timeoutMs: 600_000);
        Assert.True(r.ExitCode == 0, r.ToString());
        var binary = Path.Combine(output, "Lunet.Cli");
        Assert.True(File.Exists(binary), string.Join(", ", Directory.GetFiles(output)));
        return binary;
    }

    static Dictionary<string, string> Env => new() { ["LUNET_TESTLIB"] = Lua.TestLib };

    [Theory]
    [MemberData(nameof(ScriptTests.Scripts), MemberType = typeof(ScriptTests))]
    public void ScriptsRunThroughTheAotBinary(string script)
    {
        if (!Applies) return;
        var r = CliRunner.Exec(Binary.Value, [Path.Combine(ScriptTests.ScriptsDir, script)], env: Env);
        Assert.True(r.ExitCode == 0, r.ToString());
    }

    [Theory]
    [MemberData(nameof(HostileScriptTests.Cases), MemberType = typeof(HostileScriptTests))]
    public void HostileCorpusRunsThroughTheAotBinary(string file)
    {
        if (!Applies) return;
        HostileScriptTests.Run(Binary.Value, [], file);
    }

    [Theory]
    [MemberData(nameof(ExampleTests.Examples), MemberType = typeof(ExampleTests))]
    public void ExamplesRunThroughTheAotBinary(string example)
    {
        if (!Applies) return;
        var r = CliRunner.Exec(Binary.Value, [Path.Combine(NativeBuild.RepoRoot, "examples", example)]);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.NotEmpty(r.Stdout);
        Assert.Empty(r.Stderr);
    }

    [Fact]
    public void LibCallsFirstCallOfASiteNeedsNoRunTimeCode()
    {
        if (!Applies) return;
        // Long strings are not interned, so every one of these calls misses the call-site cache.
        var r = CliRunner.Exec(Binary.Value, ["-e", """
            local ffi = require("ffi")
            for i = 1, 3 do assert(ffi.C:call("strlen", "size_t", {"string"}, ("x"):rep(50 + i)) == 50 + i) end
            assert(ffi.open("m"):call("pow", "double", {"double", "double"}, 2, 10) == 1024)
            print(select(2, pcall(ffi.C.call, ffi.C, "strlen", "size_t", {"string"}, 42)))
            """]);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("bad argument", r.Stdout);
    }
}
