namespace Lunet.Ffi.Declarations;

public enum TokenKind
{
    Identifier,
    Integer,
    Float,
    Character,
    String,
    Punctuator,
    /// <summary>"#pragma pack": the pragma's own tokens follow, up to <see cref="EndOfDirective"/>.</summary>
    PragmaPack,
    EndOfDirective,
    End,
}

/// <summary>How an integer constant was written: its suffixes and base decide its C type.</summary>
public readonly record struct IntegerSuffix(bool Unsigned, int Longs, bool Decimal);

/// <summary>
/// One token (a class: parser frames hold references, not copies, which keeps deep recursion cheap). Text is the token as written (for messages and for comparing record bodies);
/// Value carries integer and character constants, StringValue string literals.
/// </summary>
public sealed record Token(TokenKind Kind, string Text, SourcePosition Position)
{
    public ulong Value { get; init; }
    public IntegerSuffix Suffix { get; init; }
    public string? StringValue { get; init; }

    public bool Is(string punctuatorOrWord) =>
        (Kind == TokenKind.Punctuator || Kind == TokenKind.Identifier) && Text == punctuatorOrWord;

    /// <summary>The token as an error message shows it after "near".</summary>
    public string Display => Kind switch
    {
        TokenKind.End => "<eof>",
        TokenKind.EndOfDirective => "<end of line>",
        TokenKind.PragmaPack => "#pragma pack",
        _ => Lexer.Printable(Text),
    };
}
