using Lunet.Ffi.Declarations;

namespace Lunet.Tests.Declarations;

/// <summary>Tokens: constants in every base with suffixes, characters, strings, punctuators, positions.</summary>
public class LexerTests
{
    static List<Token> Lex(string text) => Lexer.Tokenize(text, "cdef");

    [Theory]
    [InlineData("42", 42UL, false, 0, true)]
    [InlineData("0x2A", 42UL, false, 0, false)]
    [InlineData("052", 42UL, false, 0, false)]
    [InlineData("0b101010", 42UL, false, 0, false)]
    [InlineData("42u", 42UL, true, 0, true)]
    [InlineData("42UL", 42UL, true, 1, true)]
    [InlineData("42lu", 42UL, true, 1, true)]
    [InlineData("42ll", 42UL, false, 2, true)]
    [InlineData("0xFFFFFFFFFFFFFFFFull", ulong.MaxValue, true, 2, false)]
    [InlineData("18446744073709551615", ulong.MaxValue, false, 0, true)]
    [InlineData("0", 0UL, false, 0, false)]
    public void IntegerConstants(string text, ulong value, bool unsigned, int longs, bool isDecimal)
    {
        var t = Lex(text)[0];
        Assert.Equal(TokenKind.Integer, t.Kind);
        Assert.Equal(value, t.Value);
        Assert.Equal(new IntegerSuffix(unsigned, longs, isDecimal), t.Suffix);
    }

    [Theory]
    [InlineData("'a'", 97UL)]
    [InlineData("'\\0'", 0UL)]
    [InlineData("'\\x41'", 65UL)]
    [InlineData("'\\101'", 65UL)]
    [InlineData("'\\''", 39UL)]
    [InlineData("'\\xff'", ulong.MaxValue)] // plain char is signed here: -1
    [InlineData("'ab'", 0x6162UL)]
    public void CharacterConstants(string text, ulong value)
    {
        var t = Lex(text)[0];
        Assert.Equal(TokenKind.Character, t.Kind);
        Assert.Equal(value, t.Value);
    }

    [Fact]
    public void FloatsStringsAndPunctuators()
    {
        var tokens = Lex("1.5 1e10 0x1p-3 .5f \"a\\tb\" L\"w\" ... <<= -> >> ## :: #");
        Assert.Equal(
            [TokenKind.Float, TokenKind.Float, TokenKind.Float, TokenKind.Float, TokenKind.String, TokenKind.String,
             TokenKind.Punctuator, TokenKind.Punctuator, TokenKind.Punctuator, TokenKind.Punctuator, TokenKind.Punctuator,
             TokenKind.Punctuator, TokenKind.Punctuator, TokenKind.End],
            tokens.Select(t => t.Kind).ToArray());
        Assert.Equal("a\tb", tokens[4].StringValue);
        Assert.Equal(["...", "<<=", "->", ">>", "##", "::", "#"], tokens.Skip(6).Take(7).Select(t => t.Text).ToArray());
    }

    [Fact]
    public void PositionsCountLinesAndColumnsPastComments()
    {
        var tokens = Lex("int /* x\ny */ a;\n\t// c\n  b");
        Assert.Equal([new SourcePosition(1, 1), new SourcePosition(2, 6), new SourcePosition(2, 7), new SourcePosition(4, 3)],
            tokens.Take(4).Select(t => t.Position).ToArray());
    }

    [Fact]
    public void PragmaPackLinesAreTokensOtherPragmasAndLineMarkersGo()
    {
        var tokens = Lex("#pragma pack(push, 4)\n#pragma GCC visibility push(default)\n# 12 \"x.h\" 3\nint");
        Assert.Equal([TokenKind.PragmaPack, TokenKind.Punctuator, TokenKind.Identifier, TokenKind.Punctuator, TokenKind.Integer,
                      TokenKind.Punctuator, TokenKind.EndOfDirective, TokenKind.Identifier, TokenKind.End],
            tokens.Select(t => t.Kind).ToArray());
        Assert.Equal(new SourcePosition(4, 1), tokens[^2].Position);
    }
}
