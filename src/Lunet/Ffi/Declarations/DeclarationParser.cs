using System.Runtime.CompilerServices;

namespace Lunet.Ffi.Declarations;

/// <summary>
/// A recursive-descent parser of preprocessed C declarations (docs/cdef.md has the grammar).
/// It builds a syntax tree and gives it no meaning: typedef names stay names, sizes stay
/// expressions. It tells typedef names from other identifiers with a scope of known names,
/// seeded by the caller and grown by the typedefs it reads. Every error is a
/// <see cref="DeclarationException"/> with line, column and the token; nesting is bounded
/// so hostile input cannot exhaust the stack, and the work is linear in the input.
/// </summary>
public sealed partial class DeclarationParser
{
    /// <summary>How deep parentheses, declarators, parameter lists, records and expressions may nest.</summary>
    public const int MaxNesting = 200;
    /// <summary>How deep one expression tree may grow (a + b + c ... is as deep as it is long).</summary>
    public const int MaxExpressionDepth = 500;

    /// <summary>Typedef names every parse knows: the fixed-width and standard ones the runtime defines.</summary>
    public static readonly IReadOnlySet<string> StandardTypedefNames = new HashSet<string>
    {
        "int8_t", "int16_t", "int32_t", "int64_t", "uint8_t", "uint16_t", "uint32_t", "uint64_t",
        "intptr_t", "uintptr_t", "ptrdiff_t", "size_t", "ssize_t", "wchar_t", "va_list",
    };

    readonly List<Token> tokens;
    readonly string chunk;
    readonly HashSet<string> typedefNames;
    readonly List<Declaration> declarations = new();
    readonly Dictionary<string, RecordSyntax> records = new();
    readonly Dictionary<string, EnumSyntax> enums = new();
    /// <summary>Token range of each tagged body, to tell an identical redefinition from a different one.</summary>
    readonly Dictionary<object, (int Start, int End, int? Pack)> bodies = new(ReferenceEqualityComparer.Instance);
    readonly HashSet<object> beingDefined = new(ReferenceEqualityComparer.Instance);
    readonly PackState pack = new();
    int index;
    int nesting;

    DeclarationParser(List<Token> tokens, string chunk, IEnumerable<string>? knownTypedefs)
    {
        this.tokens = tokens;
        this.chunk = chunk;
        typedefNames = new HashSet<string>(StandardTypedefNames, StringComparer.Ordinal);
        if (knownTypedefs != null) typedefNames.UnionWith(knownTypedefs);
    }

    /// <summary>
    /// Parses <paramref name="text"/>; <paramref name="chunkName"/> starts every error message;
    /// <paramref name="knownTypedefs"/> are type names declared before this text (the standard ones are always known).
    /// </summary>
    public static DeclarationList Parse(string text, string chunkName = "cdef", IEnumerable<string>? knownTypedefs = null)
    {
        var parser = new DeclarationParser(Lexer.Tokenize(text, chunkName), chunkName, knownTypedefs);
        parser.ParseTranslationUnit();
        return new DeclarationList(parser.declarations);
    }

    /// <summary>
    /// Parses <paramref name="text"/> as one C type name (an abstract declarator: "int", "struct Color*",
    /// "uint8_t (*)[16]"), the way a cast or sizeof reads it. A type name may refer to records and enums
    /// by tag but not define them (no braces).
    /// </summary>
    public static TypeSyntax ParseTypeName(string text, string chunkName = "type name", IEnumerable<string>? knownTypedefs = null)
    {
        var parser = new DeclarationParser(Lexer.Tokenize(text, chunkName), chunkName, knownTypedefs);
        if (parser.Peek().Kind == TokenKind.End) throw parser.Error("expected a type name");
        var type = parser.ParseTypeName();
        if (parser.Peek().Kind != TokenKind.End) throw parser.Error("unexpected text after the type name");
        if (parser.declarations.Any(d => d is RecordDeclaration { IsDefinition: true } or EnumDeclaration))
            throw parser.ErrorAt(parser.declarations.First(d => d is RecordDeclaration { IsDefinition: true } or EnumDeclaration).Position, "a type name cannot define a struct, union or enum");
        return type;
    }

    // ---- Tokens ----

    Token Peek(int ahead = 0)
    {
        int i = index + ahead;
        return i < tokens.Count ? tokens[i] : tokens[^1];
    }

    Token Advance()
    {
        var t = tokens[index];
        if (index < tokens.Count - 1) index++;
        return t;
    }

    bool At(string text) => Peek().Is(text);

    bool Accept(string text)
    {
        if (!At(text)) return false;
        Advance();
        return true;
    }

    Token Expect(string text)
    {
        if (!At(text)) throw Error($"expected '{text}'");
        return Advance();
    }

    DeclarationException Error(string reason) => Error(Peek(), reason);

    DeclarationException Error(Token at, string reason) => new(chunk, at.Position, reason, at.Display);

    DeclarationException ErrorAt(SourcePosition at, string reason) => new(chunk, at, reason, null);

    void Enter()
    {
        if (++nesting > MaxNesting) throw Error($"declaration nested too deeply (more than {MaxNesting} levels)");
        // A thread with a small stack runs out before the level limit: stop while throwing still has room.
        if (!RuntimeHelpers.TryEnsureSufficientExecutionStack()) throw Error($"declaration nested too deeply for the stack ({nesting} levels)");
    }

    void Leave() => nesting--;

    /// <summary>Skips a balanced (...), [...] or {...} group starting at the current token, without recursion.</summary>
    void SkipBalanced()
    {
        var open = Advance();
        string close = open.Text switch { "(" => ")", "[" => "]", _ => "}" };
        int depth = 1;
        while (depth > 0)
        {
            var t = Peek();
            if (t.Kind == TokenKind.End) throw Error($"expected '{close}' to match the '{open.Text}' at {open.Position}");
            if (t.Kind == TokenKind.Punctuator)
            {
                if (t.Text is "(" or "[" or "{") depth++;
                else if (t.Text is ")" or "]" or "}") depth--;
            }
            Advance();
        }
    }

    // ---- Top level ----

    void ParseTranslationUnit()
    {
        while (Peek().Kind != TokenKind.End)
        {
            var t = Peek();
            if (t.Kind == TokenKind.PragmaPack) ParsePackPragma();
            else if (Accept(";")) { }
            else if (IsStaticAssert(t)) SkipStaticAssert();
            else if (t.Kind == TokenKind.Identifier && IsAsmKeyword(t.Text) && Peek(1).Is("(")) SkipTopLevelAsm();
            else ParseDeclaration();
        }
    }

    static bool IsStaticAssert(Token t) => t.Is("_Static_assert") || t.Is("static_assert");

    void SkipStaticAssert()
    {
        Advance();
        if (!At("(")) throw Error("expected '('");
        SkipBalanced();
        Expect(";");
    }

    void SkipTopLevelAsm()
    {
        Advance();
        SkipBalanced();
        Expect(";");
    }

    void ParseDeclaration()
    {
        var start = Peek();
        var specs = ParseSpecifiers(SpecifierContext.TopLevel);
        if (Accept(";")) return; // a tag declared or defined, or an empty declaration
        bool first = true;
        while (true)
        {
            var declarator = ParseDeclarator(abstractAllowed: false);
            var attributes = specs.Attributes.Merge(declarator.Attributes);
            string? asmName = ParseAsmLabelAndAttributes(ref attributes);
            var type = Apply(declarator, specs.BaseSyntax(), specs.Attributes.Convention);
            string name = declarator.Name!;
            var at = declarator.NamePosition;
            if (specs.Typedef)
            {
                typedefNames.Add(name);
                declarations.Add(new TypedefDeclaration(name, type, attributes, at));
            }
            else if (type is FunctionSyntax function)
            {
                bool body = first && At("{");
                if (body) SkipBalanced();
                declarations.Add(new FunctionDeclaration(name, function, asmName, specs.Storage, specs.Inline, body, attributes, at));
                if (body) return;
            }
            else
            {
                Expression? initializer = null;
                bool hasInitializer = Accept("=");
                if (hasInitializer)
                {
                    if (At("{")) SkipBalanced();
                    else initializer = ParseConditional().Node;
                }
                declarations.Add(new VariableDeclaration(name, type, asmName, specs.Storage, initializer, hasInitializer, attributes, at));
            }
            first = false;
            if (Accept(",")) continue;
            if (!At(";")) throw Error("expected ';'");
            Advance();
            return;
        }
    }

    /// <summary>After a declarator: any mix of attributes and one <c>__asm__("symbol")</c> label (adjacent strings joined).</summary>
    string? ParseAsmLabelAndAttributes(ref AttributeSet attributes)
    {
        string? asmName = null;
        while (true)
        {
            attributes = attributes.Merge(ParseAttributes());
            var t = Peek();
            if (t.Kind != TokenKind.Identifier || !IsAsmKeyword(t.Text)) return asmName;
            Advance();
            Expect("(");
            if (Peek().Kind != TokenKind.String) throw Error("expected a string literal naming the symbol");
            var name = new System.Text.StringBuilder();
            while (Peek().Kind == TokenKind.String) name.Append(Advance().StringValue);
            Expect(")");
            asmName = name.ToString();
        }
    }

    static bool IsAsmKeyword(string word) => word is "__asm__" or "__asm" or "asm";

    // ---- #pragma pack ----

    sealed class PackState
    {
        public int? Current;
        public readonly Stack<(string? Label, int? Value)> Saved = new();
    }

    void ParsePackPragma()
    {
        var at = Advance();
        Expect("(");
        PackAction action;
        int? argument = null;
        if (At(")")) { action = PackAction.Reset; pack.Current = null; }
        else if (Peek().Kind == TokenKind.Integer)
        {
            action = PackAction.Set;
            argument = PackValue();
            pack.Current = argument;
        }
        else if (Accept("push"))
        {
            action = PackAction.Push;
            string? label = null;
            if (Accept(","))
            {
                if (Peek().Kind == TokenKind.Identifier)
                {
                    label = Advance().Text;
                    if (Accept(",")) argument = PackValue();
                }
                else argument = PackValue();
            }
            pack.Saved.Push((label, pack.Current));
            if (argument != null) pack.Current = argument;
        }
        else if (Accept("pop"))
        {
            action = PackAction.Pop;
            string? label = null;
            if (Accept(","))
            {
                if (Peek().Kind == TokenKind.Identifier) label = Advance().Text;
                else argument = PackValue();
            }
            PopPack(at, label);
            if (argument != null) pack.Current = argument;
        }
        else if (Accept("show")) action = PackAction.Show;
        else throw Error("expected a packing value, 'push', 'pop' or ')' in #pragma pack");
        Expect(")");
        if (Peek().Kind != TokenKind.EndOfDirective) throw Error("unexpected text after #pragma pack(...)");
        Advance();
        declarations.Add(new PackPragma(action, argument, pack.Current, at.Position));
    }

    int PackValue()
    {
        var t = Peek();
        if (t.Kind != TokenKind.Integer || t.Value is not (1 or 2 or 4 or 8 or 16))
            throw Error("#pragma pack value must be 1, 2, 4, 8 or 16");
        Advance();
        return (int)t.Value;
    }

    void PopPack(Token at, string? label)
    {
        if (label == null)
        {
            if (pack.Saved.Count == 0) throw Error(at, "#pragma pack(pop) without a matching push");
            pack.Current = pack.Saved.Pop().Value;
            return;
        }
        if (!pack.Saved.Any(s => s.Label == label)) throw Error(at, $"#pragma pack(pop, {label}) without a matching push");
        while (true)
        {
            var (l, v) = pack.Saved.Pop();
            pack.Current = v;
            if (l == label) return;
        }
    }
}
