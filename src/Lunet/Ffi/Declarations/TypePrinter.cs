
namespace Lunet.Ffi.Declarations;

/// <summary>Writes type syntax and expressions back in C spelling, for messages and tests: "int (*)(const char *, ...)".</summary>
public static class TypePrinter
{
    public static string Print(TypeSyntax type, string? name)
    {
        string inner = name ?? "";
        while (true)
        {
            switch (type)
            {
                case NamedTypeSyntax n:
                    var head = Qualified(BaseName(n.Base), n.Qualifiers);
                    return inner.Length == 0 ? head : head + " " + inner;
                case PointerSyntax p:
                    var star = "*" + QualifierText(p.Qualifiers, leadingSpace: false);
                    inner = p.Target is ArraySyntax or FunctionSyntax ? "(" + star + inner + ")"
                        : star + (inner.Length > 0 && p.Qualifiers != Qualifiers.None ? " " : "") + inner;
                    type = p.Target;
                    break;
                case ArraySyntax a:
                    inner += "[" + (a.Size == null ? "" : Print(a.Size)) + "]";
                    type = a.Element;
                    break;
                case FunctionSyntax f:
                    var parameters = f.Parameters.Select(p => Print(p.Type, p.Name)).ToList();
                    if (f.Variadic) parameters.Add("...");
                    if (parameters.Count == 0) parameters.Add("void");
                    var cc = f.Convention == CallingConvention.Default ? "" : "__" + f.Convention.ToString().ToLowerInvariant() + " ";
                    inner = (cc.Length > 0 && inner.StartsWith('(') ? "(" + cc + inner[1..] : cc + inner) + "(" + string.Join(", ", parameters) + ")";
                    type = f.Return;
                    break;
                default:
                    return "?";
            }
        }
    }

    static string BaseName(BaseType b) => b switch
    {
        BuiltinType x => x.Spelling,
        TypedefNameType t => t.Name,
        RecordType r => r.Record.ToString(),
        EnumType e => e.Enum.ToString(),
        TypeofType t => "__typeof__(" + Print(t.Type, null) + ")",
        _ => "?",
    };

    static string Qualified(string name, Qualifiers q) => q == Qualifiers.None ? name : QualifierText(q, leadingSpace: false) + " " + name;

    static string QualifierText(Qualifiers q, bool leadingSpace)
    {
        var words = new List<string>();
        if (q.HasFlag(Qualifiers.Const)) words.Add("const");
        if (q.HasFlag(Qualifiers.Volatile)) words.Add("volatile");
        if (q.HasFlag(Qualifiers.Restrict)) words.Add("restrict");
        if (q.HasFlag(Qualifiers.Atomic)) words.Add("_Atomic");
        if (words.Count == 0) return "";
        return (leadingSpace ? " " : "") + string.Join(" ", words);
    }

    public static string Print(Expression e) => e switch
    {
        IntegerLiteral i => i.Spelling,
        FloatLiteral f => f.Spelling,
        StringLiteral s => "\"" + s.Value + "\"",
        IdentifierExpression id => id.Name,
        UnaryExpression u => u.Operator + Print(u.Operand),
        BinaryExpression b => "(" + Print(b.Left) + " " + b.Operator + " " + Print(b.Right) + ")",
        ConditionalExpression c => "(" + Print(c.Condition) + " ?" + (c.WhenTrue == null ? "" : " " + Print(c.WhenTrue)) + " : " + Print(c.WhenFalse) + ")",
        CastExpression c => "(" + Print(c.Type, null) + ")" + Print(c.Operand),
        TypeTraitExpression t => (t.Alignment ? "_Alignof(" : "sizeof(") + Print(t.Type, null) + ")",
        ExpressionTraitExpression t => (t.Alignment ? "_Alignof " : "sizeof ") + Print(t.Operand),
        OffsetofExpression o => "offsetof(" + Print(o.Type, null) + ", " + string.Join(".", o.Designator) + ")",
        _ => "?",
    };
}
