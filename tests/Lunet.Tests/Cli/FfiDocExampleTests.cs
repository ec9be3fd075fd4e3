using System.Text.RegularExpressions;
using Lunet.Tests.Support;

namespace Lunet.Tests.Cli;

/// <summary>
/// Every ```lua block of docs/ffi.md runs through the lunet command, and each `--> values`
/// annotation in it is a line the block prints, so the reference cannot drift from the code.
/// </summary>
public partial class FfiDocExampleTests
{
    private static readonly string DocPath = Path.Combine(NativeBuild.RepoRoot, "docs", "ffi.md");

    [GeneratedRegex(@"```lua\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex LuaBlock();

    [GeneratedRegex(@"--> (.*)$", RegexOptions.Multiline)]
    private static partial Regex Annotation();

    public static TheoryData<int> Blocks()
    {
        var data = new TheoryData<int>();
        int count = LuaBlock().Matches(File.ReadAllText(DocPath)).Count;
        for (int i = 0; i < count; i++) data.Add(i);
        return data;
    }

    [Fact]
    public void TheReferenceHasAnExampleForEachPart() => Assert.True(Blocks().Count >= 6);

    [Theory]
    [MemberData(nameof(Blocks))]
    public void ExampleRunsAndPrintsWhatItsAnnotationsSay(int index)
    {
        var code = LuaBlock().Matches(File.ReadAllText(DocPath))[index].Groups[1].Value;
        var dir = CliRunner.TempDir(("example.lua", code));
        var r = CliRunner.Run(Path.Combine(dir, "example.lua"));
        Assert.True(r.ExitCode == 0, $"block {index}:\n{code}\n{r}");
        Assert.Empty(r.Stderr);

        var printed = r.Stdout.Split('\n');
        foreach (Match m in Annotation().Matches(code))
        {
            // Columns separated by two or more spaces are print's tabs; "..." is any text.
            var expected = m.Groups[1].Value.Trim();
            var pattern = "^" + string.Join(@"\t", Regex.Split(expected, " {2,}")
                .Select(column => string.Join(".*", column.Split("...").Select(Regex.Escape)))) + "$";
            Assert.True(printed.Any(line => Regex.IsMatch(line, pattern)),
                $"block {index}: no printed line is `{expected}`\n{r.Stdout}");
        }
    }
}
