using System.Runtime.CompilerServices;

namespace Lunet.Ffi.Declarations;

/// <summary>
/// An <see cref="IConstantEnvironment"/> for one parsed text: it knows the builtin types, the
/// typedefs the text declares, and evaluates its enum constants and <c>static const</c>
/// integers in order, so later declarations can use them (<c>int a[N * 2 + 1]</c>). What it
/// cannot know (record layouts, names from earlier texts) it asks <paramref name="outer"/>.
/// </summary>
public sealed class DeclaredConstants : IConstantEnvironment
{
    const int MaxTypedefChain = 100;

    readonly IConstantEnvironment? outer;
    readonly ConstantEvaluator evaluator;
    int layoutDepth;
    readonly Dictionary<string, ConstantValue> constants = new();
    readonly Dictionary<string, TypeSyntax> typedefs = new();

    /// <summary>The name of the text (what error positions start with: "cdef", "type name").</summary>
    public string ChunkName { get; }

    public DeclaredConstants(DeclarationList declarations, string chunkName = "cdef", IConstantEnvironment? outer = null)
    {
        ChunkName = chunkName;
        this.outer = outer;
        evaluator = new ConstantEvaluator(this, chunkName);
        foreach (var d in declarations.Declarations)
        {
            switch (d)
            {
                case TypedefDeclaration t:
                    typedefs[t.Name] = t.Type;
                    break;
                case EnumDeclaration e:
                    AddEnum(e.Enum);
                    break;
                case VariableDeclaration { Storage: StorageClass.Static, Initializer: Expression init } v
                    when v.Type is NamedTypeSyntax n && n.Qualifiers.HasFlag(Qualifiers.Const) && IntegerTypeOf(v.Type) is IntegerType type:
                    // The value converts to the declared type, then promotes as any use of it would.
                    var declared = new ConstantValue(evaluator.Evaluate(init).Bits, type);
                    constants[v.Name] = type.Bits < 32 ? new ConstantValue(declared.Bits, IntegerType.Int) : declared;
                    break;
            }
        }
    }

    /// <summary>Enum constants count on from the last value; each is an int when it fits, else the first wider type that holds it.</summary>
    void AddEnum(EnumSyntax e)
    {
        ConstantValue? previous = null;
        foreach (var c in e.Constants!)
        {
            ConstantValue v = c.Value != null ? evaluator.Evaluate(c.Value)
                : previous is ConstantValue p ? new ConstantValue(unchecked(p.Bits + 1), p.Type) : ConstantValue.Int(0);
            long s = v.AsInt64;
            var type = v.Type.Unsigned
                ? v.Bits <= int.MaxValue ? IntegerType.Int : v.Bits <= uint.MaxValue ? IntegerType.UnsignedInt : v.Type
                : s is >= int.MinValue and <= int.MaxValue ? IntegerType.Int : v.Type;
            v = new ConstantValue(v.Bits, type);
            constants[c.Name] = v;
            previous = v;
        }
    }

    public int LongBits => outer?.LongBits ?? BuiltinTypeFacts.LongBits;
    public int PointerBits => outer?.PointerBits ?? BuiltinTypeFacts.PointerBits;

    public ConstantValue? Constant(string name) => constants.TryGetValue(name, out var v) ? v : outer?.Constant(name);

    /// <summary>Follows typedef names declared here and the standard ones down to a type that is not a name.</summary>
    TypeSyntax Resolve(TypeSyntax type)
    {
        for (int i = 0; i < MaxTypedefChain && type is NamedTypeSyntax { Base: TypedefNameType t }; i++)
        {
            if (typedefs.TryGetValue(t.Name, out var target)) type = target;
            else if (BuiltinTypeFacts.StandardTypedef(t.Name) is string spelling) type = new NamedTypeSyntax(new BuiltinType(spelling), Qualifiers.None);
            else break;
        }
        while (type is NamedTypeSyntax { Base: TypeofType of }) type = of.Type;
        return type;
    }

    public TypeLayout? Layout(TypeSyntax type)
    {
        // Typedefs of arrays of typedefs... nest without bound across declarations: stop well before the stack does.
        if (layoutDepth >= DeclarationParser.MaxNesting || !RuntimeHelpers.TryEnsureSufficientExecutionStack()) return null;
        layoutDepth++;
        try { return LayoutOf(Resolve(type)); }
        finally { layoutDepth--; }
    }

    TypeLayout? LayoutOf(TypeSyntax t)
    {
        switch (t)
        {
            case PointerSyntax:
                return new TypeLayout(PointerBits / 8, PointerBits / 8);
            case NamedTypeSyntax { Base: BuiltinType b }:
                return BuiltinTypeFacts.Layout(b.Spelling);
            case NamedTypeSyntax { Base: EnumType e } when e.Enum.Attributes.IsEmpty:
                return new TypeLayout(4, 4); // a packed or mode() enum is the type layer's to lay out
            case ArraySyntax { Size: Expression size } a when Layout(a.Element) is TypeLayout element:
                var count = evaluator.Evaluate(size);
                if (count.IsNegative || count.Bits > (ulong)(long.MaxValue / Math.Max(1, element.Size))) return null;
                return new TypeLayout(element.Size * (long)count.Bits, element.Alignment);
            default:
                return outer?.Layout(t);
        }
    }

    public IntegerType? IntegerTypeOf(TypeSyntax type)
    {
        var t = Resolve(type);
        return t switch
        {
            PointerSyntax => new IntegerType(PointerBits, true),
            NamedTypeSyntax { Base: BuiltinType b } => BuiltinTypeFacts.IntegerType(b.Spelling) is IntegerType i && i.Bits <= 64 ? i : null,
            NamedTypeSyntax { Base: EnumType } => new IntegerType(32, false),
            _ => outer?.IntegerTypeOf(t),
        };
    }

    public long? OffsetOf(TypeSyntax type, IReadOnlyList<string> designator) => outer?.OffsetOf(Resolve(type), designator);
}
