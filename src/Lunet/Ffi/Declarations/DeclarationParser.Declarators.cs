namespace Lunet.Ffi.Declarations;

public sealed partial class DeclarationParser
{
    /// <summary>
    /// A declarator as read, before it is turned inside out into a type: its pointer prefix,
    /// a name or a parenthesised inner declarator, then array and function suffixes.
    /// </summary>
    sealed class Declarator
    {
        public readonly List<Qualifiers> Pointers = new();
        public Declarator? Inner;
        public string? Name;
        public SourcePosition NamePosition;
        public readonly List<object> Suffixes = new();
        public AttributeSet Attributes = AttributeSet.Empty;
        public CallingConvention? Convention;

        /// <summary>The innermost declarator, which holds the name.</summary>
        public Declarator Leaf
        {
            get
            {
                var d = this;
                while (d.Inner != null) d = d.Inner;
                return d;
            }
        }
    }

    sealed record ArraySuffix(Expression? Size);

    sealed record FunctionSuffix(IReadOnlyList<ParameterSyntax> Parameters, bool Variadic);

    Declarator ParseDeclarator(bool abstractAllowed)
    {
        Enter();
        var d = new Declarator { NamePosition = Peek().Position };
        while (true)
        {
            var t = Peek();
            if (t.Is("*"))
            {
                Advance();
                var q = Qualifiers.None;
                while (Peek().Kind == TokenKind.Identifier)
                {
                    string w = Peek().Text;
                    if (IsQualifier(w)) { q |= QualifierOf(w); Advance(); }
                    else if (IsAttributeStart(w)) d.Attributes = d.Attributes.Merge(ParseAttributes());
                    else break;
                }
                d.Pointers.Add(q);
                if (d.Pointers.Count > MaxNesting) throw Error(t, $"declarator nested too deeply (more than {MaxNesting} levels)");
            }
            else if (t.Kind == TokenKind.Identifier && IsAttributeStart(t.Text))
            {
                var a = ParseAttributes();
                d.Attributes = d.Attributes.Merge(a);
                if (a.Convention != null) d.Convention = a.Convention;
            }
            else break;
        }
        var next = Peek();
        if (next.Is("(") && StartsInnerDeclarator(Peek(1), abstractAllowed))
        {
            Advance();
            d.Inner = ParseDeclarator(abstractAllowed);
            d.Attributes = d.Attributes.Merge(d.Inner.Attributes with { Convention = null });
            Expect(")");
        }
        else if (next.Kind == TokenKind.Identifier && !IsReserved(next.Text))
        {
            d.Name = next.Text;
            d.NamePosition = next.Position;
            Advance();
        }
        else if (!abstractAllowed)
            throw Error(next.Kind == TokenKind.Identifier ? $"'{Lexer.Printable(next.Text)}' cannot be used as a name" : "expected a name or '('");
        while (true)
        {
            if (At("["))
            {
                Advance();
                while (Peek().Kind == TokenKind.Identifier && (IsQualifier(Peek().Text) || Peek().Text == "static")) Advance();
                if (At("*") && Peek(1).Is("]")) throw Error("variable length arrays are not supported");
                Expression? size = At("]") ? null : ParseConditional().Node;
                Expect("]");
                d.Suffixes.Add(new ArraySuffix(size));
            }
            else if (At("("))
            {
                Advance();
                d.Suffixes.Add(ParseParameters());
            }
            else break;
        }
        d.Attributes = d.Attributes.Merge(ParseAttributes());
        var leaf = d.Leaf;
        if (leaf != d) { d.Name = leaf.Name; d.NamePosition = leaf.NamePosition; }
        Leave();
        return d;
    }

    /// <summary>After '(' in a declarator: an inner declarator, or (in an abstract one) a parameter list.</summary>
    bool StartsInnerDeclarator(Token t, bool abstractAllowed)
    {
        if (t.Is("*") || t.Is("(") || t.Is("[")) return true;
        if (t.Kind != TokenKind.Identifier) return false;
        if (IsAttributeStart(t.Text)) return true;
        if (IsTypeStart(t)) return false;
        return !IsReserved(t.Text);
    }

    FunctionSuffix ParseParameters()
    {
        Enter();
        var parameters = new List<ParameterSyntax>();
        bool variadic = false;
        if (At("void") && Peek(1).Is(")")) Advance();
        if (!Accept(")"))
        {
            while (true)
            {
                if (Accept("..."))
                {
                    if (parameters.Count == 0) throw Error(tokens[index - 1], "'...' needs a named parameter before it");
                    variadic = true;
                    Expect(")");
                    break;
                }
                var t = Peek();
                if (t.Kind == TokenKind.Identifier && !IsTypeStart(t) && !IsReserved(t.Text) && !IsAttributeStart(t.Text))
                    throw Error(t, $"unknown type name '{Lexer.Printable(t.Text)}' (parameters need types)");
                var specs = ParseSpecifiers(SpecifierContext.Parameter);
                var d = ParseDeclarator(abstractAllowed: true);
                var type = Apply(d, specs.BaseSyntax(), specs.Attributes.Convention);
                if (type is NamedTypeSyntax { Base: BuiltinType { Spelling: "void" } })
                    throw Error(t, "'void' must be the only parameter");
                parameters.Add(new ParameterSyntax(d.Name, type, d.Name != null ? d.NamePosition : t.Position));
                if (Accept(",")) continue;
                if (!At(")")) throw Error("expected ',' or ')'");
                Advance();
                break;
            }
        }
        Leave();
        return new FunctionSuffix(parameters, variadic);
    }

    /// <summary>
    /// Turns a declarator inside out around its base type: pointers bind to the base, suffixes
    /// apply right to left, then the inner declarator wraps the result. A calling convention
    /// written with a declarator applies to the function type built just outside it.
    /// </summary>
    TypeSyntax Apply(Declarator top, TypeSyntax baseType, CallingConvention? specifierConvention)
    {
        var t = baseType;
        int layers = 0;
        CallingConvention? convention = specifierConvention;
        for (var d = top; d != null; d = d.Inner)
        {
            foreach (var q in d.Pointers) t = new PointerSyntax(t, q);
            var cc = d.Inner?.Convention ?? d.Convention ?? convention;
            for (int i = d.Suffixes.Count - 1; i >= 0; i--)
            {
                if (d.Suffixes[i] is ArraySuffix a)
                {
                    if (t is FunctionSyntax) throw ErrorAt(top.NamePosition, $"'{top.Name ?? "type"}' declared as an array of functions");
                    t = new ArraySyntax(t, a.Size);
                }
                else
                {
                    var f = (FunctionSuffix)d.Suffixes[i];
                    if (t is FunctionSyntax or ArraySyntax)
                        throw ErrorAt(top.NamePosition, $"'{top.Name ?? "type"}' declared as a function returning {(t is ArraySyntax ? "an array" : "a function")}");
                    t = new FunctionSyntax(t, f.Parameters, f.Variadic, cc ?? CallingConvention.Default);
                }
            }
            convention = null;
            layers += d.Pointers.Count + d.Suffixes.Count;
            if (layers > MaxNesting) throw ErrorAt(top.NamePosition, $"type of '{top.Name ?? "type"}' nested too deeply (more than {MaxNesting} levels)");
        }
        return t;
    }
}
