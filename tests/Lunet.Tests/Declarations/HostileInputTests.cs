using System.Diagnostics;
using System.Text;
using Lunet.Ffi.Declarations;

namespace Lunet.Tests.Declarations;

/// <summary>
/// Input built to break the parser: nesting far past the limit, chains that could recurse,
/// megabytes of text. Each must end in the parser's own error (or a tree) on a thread with a
/// small stack, since a .NET stack overflow would kill the process.
/// </summary>
[Collection(Lunet.Tests.Support.AloneCollection.Name)]
public class HostileInputTests
{
    static string ParseError(string text) => SmallStack.Run(() =>
    {
        try
        {
            var list = DeclarationParser.Parse(text);
            _ = new DeclaredConstants(list);
            return "no error";
        }
        catch (DeclarationException e) { return e.Reason; }
    });

    static string Repeat(string s, int n) => new StringBuilder(s.Length * n).Insert(0, s, n).ToString();

    [Theory]
    [InlineData("declarator parentheses")]
    [InlineData("expression parentheses")]
    [InlineData("unary operators")]
    [InlineData("nested records")]
    [InlineData("nested parameter lists")]
    [InlineData("nested conditionals")]
    [InlineData("nested typeof")]
    [InlineData("nested _Alignas")]
    [InlineData("nested casts")]
    public void DeepNestingIsAnErrorNotAStackOverflow(string kind)
    {
        const int n = 100_000;
        string text = kind switch
        {
            "declarator parentheses" => "int " + Repeat("(", n) + "x" + Repeat(")", n) + ";",
            "expression parentheses" => "int a[" + Repeat("(", n) + "1" + Repeat(")", n) + "];",
            "unary operators" => "int a[" + Repeat("- ", n) + "1];",
            "nested records" => Repeat("struct { ", n) + "int x;" + Repeat("} a;", n),
            "nested parameter lists" => "void f" + Repeat("(void (*)", n) + "(void)" + Repeat(")", n) + ";",
            "nested conditionals" => "int a[" + Repeat("1 ? 1 : ", n) + "1];",
            "nested typeof" => Repeat("__typeof__(", n) + "int" + Repeat(")", n) + " x;",
            "nested _Alignas" => Repeat("_Alignas(__attribute__(()) ", n) + "int" + Repeat(") int", n) + " x;",
            _ => "int a[" + Repeat("(int)", n) + "1];",
        };
        Assert.Contains("nested too deeply", ParseError(text));
    }

    [Fact]
    public void AThreadWithATinyStackGetsTheErrorBeforeTheLevelLimit()
    {
        var text = Repeat("struct { ", 100_000) + "int x;" + Repeat("} a;", 100_000);
        var reason = SmallStack.Run(() =>
        {
            try { DeclarationParser.Parse(text); return "no error"; }
            catch (DeclarationException e) { return e.Reason; }
        }, stackKiB: 192);
        Assert.StartsWith("declaration nested too deeply", reason);
    }

    [Fact]
    public void LongChainsAreBounded()
    {
        Assert.Contains("expression too complex", ParseError("int a[" + Repeat("1 + ", 1_000_000) + "1];"));
        Assert.Contains("nested too deeply", ParseError("int " + Repeat("*", 1_000_000) + "p;"));
        Assert.Contains("nested too deeply", ParseError("int a" + Repeat("[1]", 1_000) + ";"));
        // Typedef chains nest across declarations: the layout of the last one stops at the limit.
        var chain = new StringBuilder("typedef int t0[1];\n");
        for (int i = 1; i < 5000; i++) chain.Append($"typedef t{i - 1} t{i}[1];\n");
        chain.Append("int probe[sizeof(t4999)];");
        Assert.Equal("no error", ParseError(chain.ToString()));
        var list = DeclarationParser.Parse(chain.ToString());
        var size = Assert.IsType<ArraySyntax>(list.OfType<VariableDeclaration>().Single().Type).Size!;
        var e = Assert.Throws<DeclarationException>(() => SmallStack.Run(() => new ConstantEvaluator(new DeclaredConstants(list)).Evaluate(size)));
        Assert.Equal("size of 't4999' is not known", e.Reason);
        Assert.Equal("no error", ParseError("int a[" + Repeat("1 + ", 400) + "1];"));
    }

    [Fact]
    public void MegabytesParseInLinearTime()
    {
        var one = new StringBuilder();
        for (int i = 0; i < 20_000; i++)
            one.Append($"struct s{i} {{ int a; char *b[4]; }}; /* {i} */ extern int f{i}(struct s{i} *, ...);\n");
        string small = one.ToString();
        string large = Repeat(small.Replace("struct s", "struct t"), 1) + small; // twice the text, distinct tags
        DeclarationParser.Parse(small);
        // The fastest of three runs each: one run on a loaded machine can be slowed by anything.
        (DeclarationList result, TimeSpan time) Fastest(string text)
        {
            (DeclarationList, TimeSpan) best = (null!, TimeSpan.MaxValue);
            for (int i = 0; i < 3; i++)
            {
                var clock = Stopwatch.StartNew();
                var r = DeclarationParser.Parse(text);
                if (clock.Elapsed < best.Item2) best = (r, clock.Elapsed);
            }
            return best;
        }
        var (a, smallTime) = Fastest(small);
        var (b, largeTime) = Fastest(large);
        Assert.Equal(40_000, a.Declarations.Count);
        Assert.Equal(80_000, b.Declarations.Count);
        Assert.True(large.Length > 2_000_000, $"{large.Length} chars");
        // Twice the input must not take many times as long (a quadratic step would take four times).
        Assert.True(largeTime < smallTime * 3.5 + TimeSpan.FromMilliseconds(100), $"{smallTime.TotalMilliseconds} ms then {largeTime.TotalMilliseconds} ms");
    }

    [Fact]
    public void HugeCommentsStringsAndPragmaStacks()
    {
        Assert.Equal("no error", ParseError("/*" + new string('x', 5_000_000) + "*/ int a;"));
        Assert.Equal("no error", ParseError("extern int f(void) __asm__(\"" + new string('y', 1_000_000) + "\");"));
        Assert.Equal("no error", ParseError(Repeat("#pragma pack(push, 1)\n", 100_000) + Repeat("#pragma pack(pop)\n", 100_000)));
        Assert.Equal("no error", ParseError("static inline void f(void) {" + Repeat("{", 100_000) + Repeat("}", 100_000) + "}"));
    }
}
