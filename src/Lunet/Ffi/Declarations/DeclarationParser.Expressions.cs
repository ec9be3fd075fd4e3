namespace Lunet.Ffi.Declarations;

public sealed partial class DeclarationParser
{
    /// <summary>An expression and the depth of its tree, so no tree grows deeper than the evaluator may recurse.</summary>
    readonly record struct Parsed(Expression Node, int Depth);

    static int Precedence(string op) => op switch
    {
        "*" or "/" or "%" => 10,
        "+" or "-" => 9,
        "<<" or ">>" => 8,
        "<" or ">" or "<=" or ">=" => 7,
        "==" or "!=" => 6,
        "&" => 5,
        "^" => 4,
        "|" => 3,
        "&&" => 2,
        "||" => 1,
        _ => 0,
    };

    Parsed Node(Expression e, int depth)
    {
        if (depth > MaxExpressionDepth) throw ErrorAt(e.Position, $"expression too complex (deeper than {MaxExpressionDepth})");
        return new Parsed(e, depth);
    }

    /// <summary>conditional-expression: binary ('?' conditional? ':' conditional)?; GNU "a ?: b" too.</summary>
    Parsed ParseConditional()
    {
        var condition = ParseBinary();
        if (!At("?")) return condition;
        Enter();
        var q = Advance();
        Parsed? whenTrue = At(":") ? null : ParseConditional();
        Expect(":");
        var whenFalse = ParseConditional();
        Leave();
        return Node(new ConditionalExpression(condition.Node, whenTrue?.Node, whenFalse.Node, q.Position),
            Math.Max(condition.Depth, Math.Max(whenTrue?.Depth ?? 0, whenFalse.Depth)) + 1);
    }

    /// <summary>Binary operators by precedence, with explicit stacks so a long chain does not recurse.</summary>
    Parsed ParseBinary()
    {
        var operands = new List<Parsed> { ParseUnary() };
        var operators = new List<Token>();
        while (Peek().Kind == TokenKind.Punctuator && Precedence(Peek().Text) is int p && p > 0)
        {
            while (operators.Count > 0 && Precedence(operators[^1].Text) >= p) Reduce(operands, operators);
            operators.Add(Advance());
            operands.Add(ParseUnary());
        }
        while (operators.Count > 0) Reduce(operands, operators);
        return operands[0];
    }

    void Reduce(List<Parsed> operands, List<Token> operators)
    {
        var op = operators[^1];
        operators.RemoveAt(operators.Count - 1);
        var right = operands[^1];
        var left = operands[^2];
        operands.RemoveRange(operands.Count - 2, 2);
        operands.Add(Node(new BinaryExpression(op.Text, left.Node, right.Node, op.Position), Math.Max(left.Depth, right.Depth) + 1));
    }

    Parsed ParseUnary()
    {
        Enter();
        var t = Peek();
        Parsed result;
        if (t.Kind == TokenKind.Punctuator && t.Text is "-" or "+" or "~" or "!")
        {
            Advance();
            var operand = ParseUnary();
            result = Node(new UnaryExpression(t.Text, operand.Node, t.Position), operand.Depth + 1);
        }
        else if (t.Is("__extension__"))
        {
            Advance();
            result = ParseUnary();
        }
        else if (t.Is("sizeof") || t.Is("_Alignof") || t.Is("__alignof__") || t.Is("__alignof") || t.Is("alignof"))
        {
            Advance();
            bool alignment = t.Text != "sizeof";
            if (At("(") && IsTypeStart(Peek(1)))
            {
                Advance();
                var type = ParseTypeName();
                Expect(")");
                result = Node(new TypeTraitExpression(alignment, type, t.Position), 1);
            }
            else
            {
                var operand = ParseUnary();
                result = Node(new ExpressionTraitExpression(alignment, operand.Node, t.Position), operand.Depth + 1);
            }
        }
        else if (t.Is("__builtin_offsetof") || t.Is("offsetof"))
            result = ParseOffsetof();
        else if (t.Is("("))
        {
            Advance();
            while (At("__extension__")) Advance(); // (__extension__ 1ULL) and (__extension__ long long)x alike
            if (IsTypeStart(Peek()))
            {
                var type = ParseTypeName();
                Expect(")");
                var operand = ParseUnary();
                result = Node(new CastExpression(type, operand.Node, t.Position), operand.Depth + 1);
            }
            else
            {
                result = ParseConditional();
                Expect(")");
            }
        }
        else if (t.Kind is TokenKind.Integer or TokenKind.Character)
        {
            Advance();
            result = Node(new IntegerLiteral(t.Value, t.Suffix, t.Text, t.Position), 1);
        }
        else if (t.Kind == TokenKind.Float)
        {
            Advance();
            result = Node(new FloatLiteral(t.Text, t.Position), 1);
        }
        else if (t.Kind == TokenKind.String)
        {
            var text = new System.Text.StringBuilder();
            while (Peek().Kind == TokenKind.String) text.Append(Advance().StringValue);
            result = Node(new StringLiteral(text.ToString(), t.Position), 1);
        }
        else if (t.Kind == TokenKind.Identifier && !IsReserved(t.Text))
        {
            Advance();
            result = Node(new IdentifierExpression(t.Text, t.Position), 1);
        }
        else throw Error("expected an expression");
        Leave();
        return result;
    }

    Parsed ParseOffsetof()
    {
        var keyword = Advance();
        Expect("(");
        var type = ParseTypeName();
        Expect(",");
        var path = new List<string>();
        while (true)
        {
            var member = Peek();
            if (member.Kind != TokenKind.Identifier || IsReserved(member.Text)) throw Error("expected a member name");
            Advance();
            path.Add(member.Text);
            if (At("[")) throw Error("array elements in offsetof are not supported");
            if (!Accept(".")) break;
        }
        Expect(")");
        return Node(new OffsetofExpression(type, path, keyword.Position), 1);
    }
}
