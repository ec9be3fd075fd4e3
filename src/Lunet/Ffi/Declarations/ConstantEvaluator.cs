using System.Globalization;
using System.Runtime.CompilerServices;

namespace Lunet.Ffi.Declarations;

/// <summary>
/// Evaluates integer constant expressions with C's rules: literal types from their base and
/// suffixes, integer promotions, the usual arithmetic conversions (so signedness decides
/// shifts, division and comparisons), wrapping to the type's width. Division by zero, an
/// out-of-range shift, an unknown name or an unknown size is a <see cref="DeclarationException"/>.
/// </summary>
public sealed class ConstantEvaluator(IConstantEnvironment environment, string chunkName = "cdef")
{
    public ConstantValue Evaluate(Expression e)
    {
        if (!RuntimeHelpers.TryEnsureSufficientExecutionStack()) throw Error(e, "expression nested too deeply for the stack");
        switch (e)
        {
            case IntegerLiteral i:
                return new ConstantValue(i.Value, LiteralType(i));
            case IdentifierExpression id:
                return environment.Constant(id.Name) ?? throw Error(e, $"'{id.Name}' is not an integer constant", id.Name);
            case UnaryExpression u:
                return Unary(u);
            case BinaryExpression b:
                return Binary(b);
            case ConditionalExpression c:
                return Conditional(c);
            case CastExpression c:
                return Cast(c);
            case TypeTraitExpression t:
                var layout = environment.Layout(t.Type) ?? throw Error(e, $"size of '{t.Type}' is not known");
                return Size(t.Alignment ? layout.Alignment : layout.Size);
            case ExpressionTraitExpression t:
                return Size(OperandSize(t));
            case OffsetofExpression o:
                var offset = environment.OffsetOf(o.Type, o.Designator)
                    ?? throw Error(e, $"offset of '{string.Join(".", o.Designator)}' in '{o.Type}' is not known");
                return Size(offset);
            case FloatLiteral f:
                throw Error(e, "floating constant in an integer constant expression", f.Spelling);
            case StringLiteral:
                throw Error(e, "a string literal is not an integer constant");
            default:
                throw Error(e, "not an integer constant expression");
        }
    }

    DeclarationException Error(Expression at, string reason, string? near = null) => new(chunkName, at.Position, reason, near);

    ConstantValue Size(long bytes) => new((ulong)bytes, new IntegerType(environment.PointerBits, true));

    /// <summary>The C type of an integer constant: the first of its candidate types that holds the value.</summary>
    IntegerType LiteralType(IntegerLiteral literal)
    {
        var (unsigned, longs, isDecimal) = (literal.Suffix.Unsigned, literal.Suffix.Longs, literal.Suffix.Decimal);
        int longBits = environment.LongBits;
        IntegerType[] candidates = (unsigned, longs) switch
        {
            (false, 0) when isDecimal => [IntegerType.Int, new(longBits, false), IntegerType.LongLong],
            (false, 0) => [IntegerType.Int, IntegerType.UnsignedInt, new(longBits, false), new(longBits, true), IntegerType.LongLong, IntegerType.UnsignedLongLong],
            (false, 1) when isDecimal => [new(longBits, false), IntegerType.LongLong],
            (false, 1) => [new(longBits, false), new(longBits, true), IntegerType.LongLong, IntegerType.UnsignedLongLong],
            (false, _) when isDecimal => [IntegerType.LongLong],
            (false, _) => [IntegerType.LongLong, IntegerType.UnsignedLongLong],
            (true, 0) => [IntegerType.UnsignedInt, new(longBits, true), IntegerType.UnsignedLongLong],
            (true, 1) => [new(longBits, true), IntegerType.UnsignedLongLong],
            (true, _) => [IntegerType.UnsignedLongLong],
        };
        foreach (var t in candidates)
            if (Fits(literal.Value, t)) return t;
        // Too large for any signed type: GCC makes such a decimal constant unsigned.
        return IntegerType.UnsignedLongLong;
    }

    static bool Fits(ulong value, IntegerType t) =>
        t.Unsigned ? t.Bits >= 64 || value >> t.Bits == 0 : value >> (t.Bits - 1) == 0;

    static IntegerType Promote(IntegerType t) => t.Bits < 32 ? IntegerType.Int : t;

    static IntegerType Common(IntegerType a, IntegerType b)
    {
        a = Promote(a);
        b = Promote(b);
        if (a == b) return a;
        if (a.Unsigned == b.Unsigned) return a.Bits >= b.Bits ? a : b;
        var (u, s) = a.Unsigned ? (a, b) : (b, a);
        return u.Bits >= s.Bits ? u : s;
    }

    static ConstantValue Convert(ConstantValue v, IntegerType to) => new(v.Bits, to);

    static ConstantValue Truth(bool b) => ConstantValue.Int(b ? 1 : 0);

    ConstantValue Unary(UnaryExpression u)
    {
        var v = Evaluate(u.Operand);
        var t = Promote(v.Type);
        return u.Operator switch
        {
            "-" => new ConstantValue(unchecked(0UL - v.Bits), t),
            "~" => new ConstantValue(~v.Bits, t),
            "!" => Truth(v.IsZero),
            _ => Convert(v, t),
        };
    }

    ConstantValue Binary(BinaryExpression b)
    {
        if (b.Operator is "&&" or "||")
        {
            // Short-circuit as C does: the right side of "0 && x" is never evaluated.
            bool left = !Evaluate(b.Left).IsZero;
            if (b.Operator == "&&" ? !left : left) return Truth(left);
            return Truth(!Evaluate(b.Right).IsZero);
        }
        var l = Evaluate(b.Left);
        var r = Evaluate(b.Right);
        if (b.Operator is "<<" or ">>") return Shift(b, l, r);
        var t = Common(l.Type, r.Type);
        ulong x = Convert(l, t).Bits, y = Convert(r, t).Bits;
        bool signed = !t.Unsigned;
        switch (b.Operator)
        {
            case "+": return new ConstantValue(unchecked(x + y), t);
            case "-": return new ConstantValue(unchecked(x - y), t);
            case "*": return new ConstantValue(unchecked(x * y), t);
            case "/" or "%":
                if (y == 0) throw Error(b, "division by zero", b.Operator);
                if (signed && (long)y == -1) // long.MinValue / -1 overflows in .NET; in C it wraps here.
                    return new ConstantValue(b.Operator == "/" ? unchecked(0UL - x) : 0, t);
                if (signed) return new ConstantValue((ulong)(b.Operator == "/" ? (long)x / (long)y : (long)x % (long)y), t);
                return new ConstantValue(b.Operator == "/" ? x / y : x % y, t);
            case "&": return new ConstantValue(x & y, t);
            case "|": return new ConstantValue(x | y, t);
            case "^": return new ConstantValue(x ^ y, t);
            case "==": return Truth(x == y);
            case "!=": return Truth(x != y);
            case "<": return Truth(signed ? (long)x < (long)y : x < y);
            case ">": return Truth(signed ? (long)x > (long)y : x > y);
            case "<=": return Truth(signed ? (long)x <= (long)y : x <= y);
            case ">=": return Truth(signed ? (long)x >= (long)y : x >= y);
            default: throw Error(b, $"operator '{b.Operator}' is not allowed in a constant expression", b.Operator);
        }
    }

    ConstantValue Shift(BinaryExpression b, ConstantValue l, ConstantValue r)
    {
        var t = Promote(l.Type);
        if (r.IsNegative || r.Bits >= (ulong)t.Bits)
            throw Error(b, $"shift count {r} is out of range for a {t.Bits}-bit value", b.Operator);
        int count = (int)r.Bits;
        ulong x = Convert(l, t).Bits;
        if (b.Operator == "<<") return new ConstantValue(x << count, t);
        return new ConstantValue(t.Unsigned ? x >> count : (ulong)((long)x >> count), t);
    }

    ConstantValue Conditional(ConditionalExpression c)
    {
        var conditionValue = Evaluate(c.Condition);
        bool condition = !conditionValue.IsZero;
        var chosen = condition ? c.WhenTrue == null ? conditionValue : Evaluate(c.WhenTrue) : Evaluate(c.WhenFalse);
        // The result has the common type of both branches; the other one is typed, never evaluated.
        IntegerType? other = null;
        try { other = TypeOf(condition ? c.WhenFalse : c.WhenTrue ?? c.Condition); }
        catch (DeclarationException) { }
        return other is IntegerType o ? Convert(chosen, Common(chosen.Type, o)) : chosen;
    }

    ConstantValue Cast(CastExpression c)
    {
        var to = environment.IntegerTypeOf(c.Type) ?? throw Error(c, $"cast to '{c.Type}' in an integer constant expression");
        ulong bits;
        if (c.Operand is FloatLiteral f) bits = FloatToInteger(f, to);
        else bits = Evaluate(c.Operand).Bits;
        var exact = new ConstantValue(bits, to);
        return to.Bits < 32 ? new ConstantValue(exact.Bits, IntegerType.Int) : exact;
    }

    /// <summary>A floating constant cast to an integer type truncates toward zero, as C does; out of range is an error.</summary>
    ulong FloatToInteger(FloatLiteral f, IntegerType to)
    {
        var text = f.Spelling.TrimEnd('f', 'F', 'l', 'L');
        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            || !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) || double.IsInfinity(d))
            throw Error(f, "floating constant not usable here", f.Spelling);
        d = Math.Truncate(d);
        if (to.Bits == 1) return d != 0 ? 1UL : 0UL;
        double max = to.Unsigned ? Math.Pow(2, to.Bits) : Math.Pow(2, to.Bits - 1);
        double min = to.Unsigned ? 0 : -max;
        if (d < min || d >= max) throw Error(f, $"floating constant out of range for {to}", f.Spelling);
        return d < 0 ? (ulong)(long)d : (ulong)d;
    }

    /// <summary>The C type of an expression without evaluating it (sizeof's operand, the branch ?: does not take).</summary>
    IntegerType TypeOf(Expression e) => e switch
    {
        IntegerLiteral i => LiteralType(i),
        UnaryExpression u => u.Operator == "!" ? IntegerType.Int : Promote(TypeOf(u.Operand)),
        BinaryExpression { Operator: "<<" or ">>" } b => Promote(TypeOf(b.Left)),
        BinaryExpression { Operator: "==" or "!=" or "<" or ">" or "<=" or ">=" or "&&" or "||" } => IntegerType.Int,
        BinaryExpression b => Common(TypeOf(b.Left), TypeOf(b.Right)),
        ConditionalExpression c => Common(TypeOf(c.WhenTrue ?? c.Condition), TypeOf(c.WhenFalse)),
        CastExpression c => environment.IntegerTypeOf(c.Type) is IntegerType t && t.Bits >= 32 ? t : IntegerType.Int,
        TypeTraitExpression or ExpressionTraitExpression or OffsetofExpression => new IntegerType(environment.PointerBits, true),
        _ => Evaluate(e).Type,
    };

    long OperandSize(ExpressionTraitExpression t)
    {
        switch (t.Operand)
        {
            case StringLiteral s: return t.Alignment ? 1 : s.Value.Length + 1;
            case IntegerLiteral or IdentifierExpression or UnaryExpression or BinaryExpression or ConditionalExpression or CastExpression:
                return TypeOf(t.Operand).Bits / 8;
            default:
                throw Error(t, "sizeof of this expression is not supported: write sizeof(type)");
        }
    }
}
