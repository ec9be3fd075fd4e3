using System.Globalization;
using System.Text;

namespace Lunet.Ffi.Declarations;

/// <summary>
/// Splits preprocessed C declaration text into tokens with line and column. Comments go;
/// "#pragma pack(...)" lines become a <see cref="TokenKind.PragmaPack"/> token followed by
/// their own tokens and an end-of-directive token; line markers ("# 12 \"file.h\"", "#line")
/// and other pragmas are skipped, as the preprocessor leaves them; any other directive is an
/// error, since the input is meant to be preprocessed already. One pass, linear in the text.
/// </summary>
public sealed class Lexer
{
    const int MaxShownToken = 40;

    const string SingleCharacterPunctuators = "{}()[];,:*&+-~!/%<>^|?=.#";

    /// <summary>The one-character punctuators as strings, so the commonest tokens allocate nothing.</summary>
    static readonly string[] SinglePunctuator = Enumerable.Range(0, 128)
        .Select(c => SingleCharacterPunctuators.Contains((char)c) ? ((char)c).ToString() : "").ToArray();

    readonly string text;
    readonly string chunk;
    readonly List<Token> tokens = new();
    int pos;
    int line = 1;
    int lineStart;
    bool inDirective;

    Lexer(string text, string chunk)
    {
        this.text = text;
        this.chunk = chunk;
    }

    public static List<Token> Tokenize(string text, string chunkName)
    {
        var lexer = new Lexer(text, chunkName);
        lexer.Run();
        return lexer.tokens;
    }

    SourcePosition Here => new(line, pos - lineStart + 1);

    DeclarationException Error(SourcePosition at, string reason, string? near = null) => new(chunk, at, reason, near);

    void Run()
    {
        bool lineHasTokens = false;
        while (true)
        {
            SkipBlanksAndComments(out bool sawNewline);
            if (sawNewline)
            {
                lineHasTokens = false;
                if (inDirective)
                {
                    inDirective = false;
                    tokens.Add(new Token(TokenKind.EndOfDirective, "", Here));
                }
            }
            if (pos >= text.Length) break;
            if (text[pos] == '#' && !lineHasTokens)
            {
                Directive();
                continue;
            }
            lineHasTokens = true;
            tokens.Add(Next());
        }
        if (inDirective) tokens.Add(new Token(TokenKind.EndOfDirective, "", Here));
        tokens.Add(new Token(TokenKind.End, "", Here));
    }

    void NewLine(int at)
    {
        line++;
        lineStart = at + 1;
    }

    void SkipBlanksAndComments(out bool sawNewline)
    {
        sawNewline = false;
        while (pos < text.Length)
        {
            char c = text[pos];
            if (c == '\n') { NewLine(pos); pos++; sawNewline = true; }
            else if (c is ' ' or '\t' or '\r' or '\f' or '\v') pos++;
            else if (c == '\\' && pos + 1 < text.Length && (text[pos + 1] == '\n' || text[pos + 1] == '\r'))
            {
                // A line continuation: the line goes on (directives included).
                pos++;
                if (text[pos] == '\r') pos++;
                if (pos < text.Length && text[pos] == '\n') { NewLine(pos); pos++; }
            }
            else if (c == '/' && pos + 1 < text.Length && text[pos + 1] == '/')
            {
                while (pos < text.Length && text[pos] != '\n') pos++;
            }
            else if (c == '/' && pos + 1 < text.Length && text[pos + 1] == '*')
            {
                var start = Here;
                int end = text.IndexOf("*/", pos + 2, StringComparison.Ordinal);
                if (end < 0) throw Error(start, "unterminated comment");
                for (int i = pos; i < end; i++)
                    if (text[i] == '\n') { NewLine(i); sawNewline = true; }
                pos = end + 2;
            }
            else break;
        }
    }

    void Directive()
    {
        var at = Here;
        pos++; // '#'
        while (pos < text.Length && text[pos] is ' ' or '\t') pos++;
        int nameStart = pos;
        while (pos < text.Length && IsIdentifierPart(text[pos])) pos++;
        string name = text[nameStart..pos];
        if (name.Length == 0 || char.IsAsciiDigit(name[0]) || name == "line" || name == "pragma" && !IsPragmaPack())
        {
            // Line markers, #line and pragmas other than pack are what preprocessed text keeps: skip them.
            SkipRestOfLine();
            return;
        }
        if (name == "pragma")
        {
            while (pos < text.Length && text[pos] is ' ' or '\t') pos++;
            pos += 4; // "pack"
            tokens.Add(new Token(TokenKind.PragmaPack, "#pragma pack", at));
            inDirective = true;
            return;
        }
        throw Error(at, $"preprocessor directive '#{Printable(name)}' is not supported: the input must be preprocessed (cc -E)");
    }

    bool IsPragmaPack()
    {
        int p = pos;
        while (p < text.Length && text[p] is ' ' or '\t') p++;
        return string.CompareOrdinal(text, p, "pack", 0, 4) == 0
            && (p + 4 >= text.Length || !IsIdentifierPart(text[p + 4]));
    }

    void SkipRestOfLine()
    {
        while (pos < text.Length && text[pos] != '\n')
        {
            if (text[pos] == '\\' && pos + 1 < text.Length && text[pos + 1] == '\n') { NewLine(pos + 1); pos += 2; }
            else pos++;
        }
    }

    static bool IsIdentifierStart(char c) => char.IsAsciiLetter(c) || c == '_' || c == '$';
    static bool IsIdentifierPart(char c) => char.IsAsciiLetterOrDigit(c) || c == '_' || c == '$';

    Token Next()
    {
        var at = Here;
        char c = text[pos];
        if (IsIdentifierStart(c))
        {
            int start = pos;
            while (pos < text.Length && IsIdentifierPart(text[pos])) pos++;
            // Encoding prefixes of string and character literals: L"", u"", U"", u8"".
            if (pos < text.Length && text[pos] is '"' or '\'' && text.AsSpan(start, pos - start) is "L" or "u" or "U" or "u8")
                return Quoted(at, start);
            return new Token(TokenKind.Identifier, text[start..pos], at);
        }
        if (char.IsAsciiDigit(c) || c == '.' && pos + 1 < text.Length && char.IsAsciiDigit(text[pos + 1]))
            return Number(at);
        if (c is '"' or '\'') return Quoted(at, pos);
        int length = PunctuatorLength(c, At(pos + 1), At(pos + 2));
        if (length == 0) throw Error(at, "unexpected character", Printable(c.ToString()));
        string spelling = length == 1 ? SinglePunctuator[c] : text.Substring(pos, length);
        pos += length;
        return new Token(TokenKind.Punctuator, spelling, at);
    }

    char At(int i) => i < text.Length ? text[i] : '\0';

    /// <summary>Length of the longest punctuator starting with c, n, n2 ("...", "<<=", "->"...); 0 for none.</summary>
    static int PunctuatorLength(char c, char n, char n2)
    {
        if (c == '.' && n == '.' && n2 == '.') return 3;
        if (c is '<' or '>' && n == c && n2 == '=') return 3;
        bool two = c switch
        {
            '-' => n is '>' or '-' or '=',
            '+' => n is '+' or '=',
            '<' => n is '<' or '=',
            '>' => n is '>' or '=',
            '&' => n is '&' or '=',
            '|' => n is '|' or '=',
            '=' or '!' or '*' or '/' or '%' or '^' => n == '=',
            '#' => n == '#',
            ':' => n == ':',
            _ => false,
        };
        if (two) return 2;
        return c < 128 && SinglePunctuator[c].Length > 0 ? 1 : 0;
    }

    /// <summary>A preprocessing number, then its meaning: an integer with suffixes or a floating constant.</summary>
    Token Number(SourcePosition at)
    {
        int start = pos;
        while (pos < text.Length)
        {
            char c = text[pos];
            if (c is 'e' or 'E' or 'p' or 'P' && pos + 1 < text.Length && text[pos + 1] is '+' or '-'
                && !(c is 'e' or 'E' && IsHexPrefix(start)))
                pos += 2;
            else if (IsIdentifierPart(c) || c == '.') pos++;
            else break;
        }
        string spelling = text[start..pos];
        if (IsFloating(spelling)) return new Token(TokenKind.Float, spelling, at);
        return Integer(spelling, at);
    }

    bool IsHexPrefix(int start) => pos - start >= 2 && text[start] == '0' && text[start + 1] is 'x' or 'X';

    static bool IsFloating(string s)
    {
        bool hex = s.Length > 1 && s[0] == '0' && s[1] is 'x' or 'X';
        if (s.Contains('.')) return true;
        return hex ? s.AsSpan(2).ContainsAny('p', 'P') : s.AsSpan().ContainsAny('e', 'E');
    }

    Token Integer(string s, SourcePosition at)
    {
        int i = 0, radix = 10;
        if (s.Length > 1 && s[0] == '0' && s[1] is 'x' or 'X') { radix = 16; i = 2; }
        else if (s.Length > 1 && s[0] == '0' && s[1] is 'b' or 'B') { radix = 2; i = 2; }
        else if (s[0] == '0') radix = 8;
        int digitsStart = i;
        ulong value = 0;
        bool tooLarge = false;
        for (; i < s.Length; i++)
        {
            int d = DigitValue(s[i]);
            if (d < 0 || d >= radix && radix != 8) break;
            if (d >= radix) throw Error(at, $"invalid digit '{s[i]}' in octal constant", Printable(s));
            ulong next = unchecked(value * (ulong)radix + (ulong)d);
            if (value > (ulong.MaxValue - (ulong)d) / (ulong)radix) tooLarge = true;
            value = next;
        }
        if (i == digitsStart && radix != 8) throw Error(at, "invalid integer constant", Printable(s));
        var suffix = ParseSuffix(s.AsSpan(i), radix == 10);
        if (suffix == null) throw Error(at, "invalid integer constant", Printable(s));
        if (tooLarge) throw Error(at, "integer constant is too large", Printable(s));
        return new Token(TokenKind.Integer, s, at) { Value = value, Suffix = suffix.Value };
    }

    static int DigitValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };

    static IntegerSuffix? ParseSuffix(ReadOnlySpan<char> s, bool isDecimal)
    {
        bool unsigned = false;
        int longs = 0;
        int i = 0;
        for (int round = 0; round < 2 && i < s.Length; round++)
        {
            if (!unsigned && s[i] is 'u' or 'U') { unsigned = true; i++; continue; }
            if (longs == 0 && s[i] is 'l' or 'L')
            {
                longs = 1;
                if (i + 1 < s.Length && s[i + 1] == s[i]) { longs = 2; i++; }
                i++;
                continue;
            }
            break;
        }
        return i == s.Length ? new IntegerSuffix(unsigned, longs, isDecimal) : null;
    }

    /// <summary>A string literal or character constant starting at <paramref name="start"/> (its prefix, if any).</summary>
    Token Quoted(SourcePosition at, int start)
    {
        while (text[pos] != '"' && text[pos] != '\'') pos++;
        char quote = text[pos++];
        var value = new StringBuilder();
        while (true)
        {
            if (pos >= text.Length || text[pos] == '\n')
                throw Error(at, quote == '"' ? "unterminated string literal" : "unterminated character constant");
            char c = text[pos];
            if (c == quote) { pos++; break; }
            if (c == '\\') value.Append(Escape(at));
            else { value.Append(c); pos++; }
        }
        string spelling = text[start..pos];
        if (quote == '"') return new Token(TokenKind.String, spelling, at) { StringValue = value.ToString() };
        if (value.Length == 0) throw Error(at, "empty character constant", Printable(spelling));
        // A multi-character constant packs its characters big-end first, as GCC does; plain char is signed here.
        ulong v = 0;
        foreach (char ch in value.ToString()) v = unchecked((v << 8) | (byte)ch);
        if (value.Length == 1 && text[start] == '\'') v = (ulong)(long)(sbyte)(byte)value[0];
        return new Token(TokenKind.Character, spelling, at) { Value = v, Suffix = new IntegerSuffix(false, 0, true) };
    }

    char Escape(SourcePosition at)
    {
        pos++; // backslash
        if (pos >= text.Length) throw Error(at, "unterminated string literal");
        char c = text[pos++];
        switch (c)
        {
            case 'n': return '\n';
            case 't': return '\t';
            case 'r': return '\r';
            case 'a': return '\a';
            case 'b': return '\b';
            case 'f': return '\f';
            case 'v': return '\v';
            case 'e': return '\x1b';
            case '\\' or '\'' or '"' or '?': return c;
            case 'x':
            {
                int v = 0, n = 0;
                while (pos < text.Length && DigitValue(text[pos]) >= 0) { v = (v * 16 + DigitValue(text[pos])) & 0xFFFF; pos++; n++; }
                if (n == 0) throw Error(at, "\\x used with no following hex digits");
                return (char)v;
            }
            case >= '0' and <= '7':
            {
                int v = c - '0';
                for (int n = 1; n < 3 && pos < text.Length && text[pos] is >= '0' and <= '7'; n++) v = v * 8 + (text[pos++] - '0');
                return (char)v;
            }
            default:
                throw Error(at, $"unknown escape sequence '\\{Printable(c.ToString())}'");
        }
    }

    /// <summary>Text fit for a message: control and non-ASCII characters escaped, long text cut.</summary>
    public static string Printable(string s)
    {
        var sb = new StringBuilder();
        foreach (char c in s)
        {
            if (sb.Length >= MaxShownToken) { sb.Append("..."); break; }
            if (c is >= ' ' and < '\x7f') sb.Append(c);
            else sb.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }
}
