using System.Diagnostics;
using System.Text;
using Lunet.Ffi.Declarations;

namespace Lunet.Tests.Declarations;

/// <summary>
/// 100,000 texts cut from the real headers and mutated (tokens deleted, duplicated, swapped or
/// replaced, random bytes, truncation, deep nesting; a quarter left whole), with a fixed seed: each gives a tree or a
/// DeclarationException with a position, quickly, with bounded allocation, on a small stack.
/// </summary>
public class FuzzTests
{
    const int Cases = 100_000;
    const int Seed = 20261201;

    static readonly string[] Nesting = ["(", "[", "{", "struct { ", "*", "- ", "(int)", "__typeof__(", "void (*", "1 ? "];
    static readonly string[] Noise = ["{", "}", "(", ")", ";", ",", "...", "#", "'", "\"", "/*", "*/", "//", "\n#pragma pack(", "\n#include <x>\n",
        "0x", "99999999999999999999999", "1e", "'\\x", "__attribute__((", "typedef", "struct", "enum", "int", ":", "=", "[]", "\0", "\u00e9"];

    sealed record Source(string Name, List<Token> Tokens);

    [Fact]
    public void MutatedHeadersGiveATreeOrAPositionedError()
    {
        var sources = SystemHeaders.All
            .Select(h => new Source(h, Lexer.Tokenize(SystemHeaders.Preprocessed(h), h).Where(t => t.Kind is not (TokenKind.End or TokenKind.EndOfDirective)).ToList()))
            .ToArray();
        var stats = SmallStack.Run(() => Run(sources));
        Assert.True(stats.Trees > Cases / 20, $"only {stats.Trees} of {Cases} texts parsed: the mutations leave too little valid text");
        Assert.True(stats.Errors > Cases / 4, $"only {stats.Errors} errors");
    }

    sealed record Stats(int Trees, int Errors);

    static Stats Run(Source[] sources)
    {
        var random = new Random(Seed);
        int trees = 0, errors = 0;
        var clock = new Stopwatch();
        for (int i = 0; i < Cases; i++)
        {
            var text = Mutate(random, sources[random.Next(sources.Length)]);
            long allocated = GC.GetAllocatedBytesForCurrentThread();
            clock.Restart();
            try
            {
                var list = DeclarationParser.Parse(text, "fuzz");
                var constants = new DeclaredConstants(list, "fuzz");
                foreach (var d in list.Declarations)
                    _ = d switch
                    {
                        TypedefDeclaration t => t.Type.ToString(),
                        FunctionDeclaration f => f.Type.ToString(),
                        VariableDeclaration { Type: ArraySyntax { Size: Expression size } } => Evaluate(constants, size),
                        _ => "",
                    };
                trees++;
            }
            catch (DeclarationException e)
            {
                errors++;
                if (e.Position.Line < 1 || e.Position.Column < 1 || !e.Message.StartsWith("fuzz:"))
                    Assert.Fail($"case {i}: bad error '{e.Message}' for:\n{Excerpt(text)}");
            }
            catch (Exception e)
            {
                Assert.Fail($"case {i}: {e.GetType().Name}: {e.Message} for:\n{Excerpt(text)}");
            }
            if (clock.Elapsed > TimeSpan.FromSeconds(2)) Assert.Fail($"case {i} took {clock.Elapsed}:\n{Excerpt(text)}");
            if (GC.GetAllocatedBytesForCurrentThread() - allocated > 64 << 20) Assert.Fail($"case {i} allocated over 64 MiB:\n{Excerpt(text)}");
        }
        return new Stats(trees, errors);
    }

    static string Evaluate(DeclaredConstants constants, Expression size)
    {
        try { return new ConstantEvaluator(constants, "fuzz").Evaluate(size).ToString(); }
        catch (DeclarationException e) when (e.Message.StartsWith("fuzz:")) { return ""; }
    }

    static string Excerpt(string text) => text.Length <= 2000 ? text : text[..2000] + "...";

    /// <summary>A run of whole lines of the header's tokens, then one to four mutations.</summary>
    static string Mutate(Random random, Source source)
    {
        var tokens = source.Tokens;
        // From the start of a declaration (after a ';') to the end of one.
        int start = random.Next(tokens.Count);
        while (start > 0 && !tokens[start - 1].Is(";")) start--;
        int count = Math.Min(tokens.Count - start, 1 + random.Next(random.Next(2) == 0 ? 30 : 200));
        while (start + count < tokens.Count && !tokens[start + count - 1].Is(";")) count++;
        var parts = new List<string>(count);
        for (int k = start; k < start + count; k++)
        {
            var t = tokens[k];
            bool newLine = k > start && tokens[k - 1].Position.Line != t.Position.Line || t.Kind == TokenKind.PragmaPack;
            parts.Add((newLine ? "\n" : " ") + (t.Kind == TokenKind.PragmaPack ? "#pragma pack" : t.Text));
        }
        int mutations = random.Next(4);
        string? tail = null;
        for (int m = 0; m < mutations && parts.Count > 0; m++)
        {
            int at = random.Next(parts.Count);
            switch (random.Next(8))
            {
                case 0: parts.RemoveAt(at); break;
                case 1: parts.Insert(at, parts[at]); break;
                case 2 when at + 1 < parts.Count: (parts[at], parts[at + 1]) = (parts[at + 1], parts[at]); break;
                case 3: parts[at] = " " + tokens[random.Next(tokens.Count)].Text; break;
                case 4: parts.Insert(at, " " + Noise[random.Next(Noise.Length)]); break;
                case 5:
                    var nest = Nesting[random.Next(Nesting.Length)];
                    parts.Insert(at, " " + new StringBuilder().Insert(0, nest, 150 + random.Next(300)));
                    break;
                case 6:
                    var bytes = new char[1 + random.Next(8)];
                    for (int b = 0; b < bytes.Length; b++) bytes[b] = (char)random.Next(256);
                    parts.Insert(at, new string(bytes));
                    break;
                default:
                    tail = "truncate";
                    break;
            }
        }
        var text = string.Concat(parts);
        if (tail != null && text.Length > 0) text = text[..random.Next(text.Length)];
        return text;
    }
}
