using Lunet.Tests.Support;

namespace Lunet.Tests.Cli;

/// <summary>
/// Runs every tests/Lunet.Tests/Scripts/*.lua end to end, twice: through
/// <see cref="LuaRuntime.DoFile"/> and through the lunet command. A script passes by
/// finishing; it fails by raising an error (assert, error). Files named *_module.lua
/// are modules that scripts require, not tests.
///
/// The test library (tests/native/testlib.c, built by <see cref="NativeBuild"/>) reaches
/// the script as the global TESTLIB under DoFile and as the environment variable
/// LUNET_TESTLIB under the command, so every script starts with
/// <c>local TESTLIB = TESTLIB or os.getenv("LUNET_TESTLIB")</c>.
/// The scripts are read from the repository (NativeBuild.RepoRoot), not copied.
/// </summary>
public class ScriptTests
{
    public static string ScriptsDir => Path.Combine(NativeBuild.RepoRoot, "tests", "Lunet.Tests", "Scripts");

    public static TheoryData<string> Scripts()
    {
        var data = new TheoryData<string>();
        foreach (var path in Directory.GetFiles(ScriptsDir, "*.lua").Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(path);
            if (!name.EndsWith("_module.lua", StringComparison.Ordinal)) data.Add(name);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Scripts))]
    public void RunsThroughDoFile(string script)
    {
        using var rt = Lua.NewRuntime();
        try { rt.DoFile(Path.Combine(ScriptsDir, script)); }
        catch (LuaScriptException e) { Assert.Fail($"{e.Message}\n{e.LuaTraceback}"); }
    }

    [Theory]
    [MemberData(nameof(Scripts))]
    public void RunsThroughTheCommand(string script)
    {
        var r = CliRunner.Exec(CliRunner.DotnetHost, [CliRunner.CliDll, Path.Combine(ScriptsDir, script)],
            env: new Dictionary<string, string> { ["LUNET_TESTLIB"] = Lua.TestLib });
        Assert.True(r.ExitCode == 0, r.ToString());
    }
}
