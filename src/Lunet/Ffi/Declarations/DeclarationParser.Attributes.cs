namespace Lunet.Ffi.Declarations;

/// <summary>Compiler annotations: what changes a layout or a call is kept, the rest skipped by name.</summary>
public sealed partial class DeclarationParser
{

    /// <summary>Any run of __attribute__((...)), __declspec(...), _Alignas(...) and calling-convention keywords.</summary>
    AttributeSet ParseAttributes()
    {
        var set = AttributeSet.Empty;
        while (Peek().Kind == TokenKind.Identifier && IsAttributeStart(Peek().Text))
        {
            Enter(); // _Alignas(type) and aligned(expr) reach back into types and expressions
            var t = Advance();
            if (ConventionOf(t.Text) is CallingConvention cc) set = set with { Convention = cc };
            else if (t.Text is "_Alignas" or "alignas")
            {
                Expect("(");
                Expression align = IsTypeStart(Peek()) ? new TypeTraitExpression(true, ParseTypeName(), Peek().Position) : ParseConditional().Node;
                Expect(")");
                set = set with { Aligned = [.. set.Aligned, align] };
            }
            else if (t.Text == "__declspec")
            {
                Expect("(");
                while (!Accept(")")) set = GnuAttribute(set, declspec: true);
            }
            else
            {
                Expect("(");
                Expect("(");
                while (!At(")"))
                {
                    if (Accept(",")) continue;
                    set = GnuAttribute(set, declspec: false);
                }
                Expect(")");
                Expect(")");
            }
            Leave();
        }
        return set;
    }

    AttributeSet GnuAttribute(AttributeSet set, bool declspec)
    {
        var nameToken = Peek();
        if (nameToken.Kind != TokenKind.Identifier) throw Error("expected an attribute name");
        Advance();
        string name = nameToken.Text.Length > 4 && nameToken.Text.StartsWith("__") && nameToken.Text.EndsWith("__")
            ? nameToken.Text[2..^2] : nameToken.Text;
        switch (name)
        {
            case "packed":
                return set with { Packed = true };
            case "aligned" or "align" when declspec == (name == "align"):
                if (!Accept("(")) return set with { AlignedToMaximum = true };
                var value = ParseConditional().Node;
                Expect(")");
                return set with { Aligned = [.. set.Aligned, value] };
            case "mode" when !declspec:
                Expect("(");
                var mode = Peek();
                if (mode.Kind != TokenKind.Identifier) throw Error("expected a machine mode name");
                Advance();
                Expect(")");
                string m = mode.Text.Length > 4 && mode.Text.StartsWith("__") && mode.Text.EndsWith("__") ? mode.Text[2..^2] : mode.Text;
                return set with { Mode = m };
        }
        if (ConventionOf(name) is CallingConvention cc && !At("(")) return set with { Convention = cc };
        if (At("(")) SkipBalanced();
        return set with { Skipped = [.. set.Skipped, name] };
    }
}
