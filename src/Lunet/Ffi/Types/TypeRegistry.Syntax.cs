using Lunet.Ffi.Declarations;
using Lunet.Interop;

namespace Lunet.Ffi.Types;

/// <summary>The parser's syntax tree → this runtime's types: the one path from text to type.</summary>
public sealed partial class TypeRegistry
{
    /// <summary>The type a parsed type name means; <paramref name="text"/> is what the script wrote, for messages.</summary>
    internal CType FromSyntax(TypeSyntax syntax, string text, IConstantEnvironment? constantsOf = null, bool behindPointer = false)
    {
        switch (syntax)
        {
            case NamedTypeSyntax named:
                return FromBase(named.Base, text, constantsOf, behindPointer);
            case PointerSyntax { Target: NamedTypeSyntax { Base: BuiltinType { Spelling: "char" } } }:
                return ScalarType.CString;   // char* (however qualified) is a C string
            case PointerSyntax p:
                return PointerTo(FromSyntax(p.Target, text, constantsOf, behindPointer: true));
            case ArraySyntax a:
            {
                var element = FromSyntax(a.Element, text, constantsOf);
                long? count = a.Size == null ? null : Evaluate(a.Size, constantsOf);
                return ArrayOf(element, count);
            }
            case FunctionSyntax f:
            {
                if (f.Parameters.Count > FfiLimits.MaxParameters)
                    throw new LuaException($"function type has {f.Parameters.Count} parameters; the limit is {FfiLimits.MaxParameters}");
                var ret = FromSyntax(f.Return, text, constantsOf);
                var ps = new List<CType>(f.Parameters.Count);
                foreach (var p in f.Parameters)
                {
                    var t = FromSyntax(p.Type, text, constantsOf);
                    // Array and function parameters are pointers, as C adjusts them.
                    ps.Add(t switch { ArrayType arr => PointerTo(arr.Element), FunctionType => PointerTo(t), _ => t });
                }
                if (ps.Count == 1 && ps[0].Kind == TypeKind.Void) ps.Clear();
                return FunctionOf(new FunctionType(ret, ps, f.Variadic));
            }
            default:
                throw new LuaException($"bad C type '{Printable(text)}'");
        }
    }

    CType FromBase(BaseType b, string text, IConstantEnvironment? constantsOf, bool behindPointer)
    {
        switch (b)
        {
            case BuiltinType builtin:
                return Builtin(builtin.Spelling);
            case TypedefNameType name:
                if (typedefs.TryGetValue(name.Name, out var td)) return td;
                if (TypeNames.BuiltIn.TryGetValue(name.Name, out var std)) return std;
                if (BuiltinTypeFacts.StandardTypedef(name.Name) is { } spelling) return Builtin(spelling);
                if (behindPointer) return Opaque(name.Name);
                throw Unknown(name.Name);
            case RecordType r:
                if (r.Record.Tag == null) return Anonymous(r.Record, constantsOf);
                return Record(r.Record.Tag, r.Record.Kind == Declarations.RecordKind.Union);
            case EnumType e:
                if (e.Enum.Tag != null && enums.TryGetValue(e.Enum.Tag, out var en)) return en;
                if (e.Enum.Tag == null && anonymousEnums.TryGetValue(e.Enum, out var anon)) return anon;
                throw Unknown("enum " + (e.Enum.Tag ?? "<anonymous>"));
            case TypeofType of:
                return FromSyntax(of.Type, text, constantsOf, behindPointer);
            default:
                throw new LuaException($"bad C type '{Printable(text)}'");
        }
    }

    /// <summary>A builtin spelling: a type the ffi converts, or one whose values it cannot convert (long double) but whose layout it knows.</summary>
    static CType Builtin(string spelling) =>
        TypeNames.CSpellings.TryGetValue(spelling, out var t) ? t
        : ValuelessType.Of(spelling) ?? throw new LuaException($"C type '{spelling}' is not supported by the ffi");

    /// <summary>
    /// Whether the type's meaning can never change: false when it reaches an undeclared name
    /// behind a pointer ("FILE*"), which a later declaration may give a meaning.
    /// </summary>
    public static bool IsSettled(CType t) => t switch
    {
        StructType s => !s.IsOpaque,
        PointerType p => IsSettled(p.Target),
        ArrayType a => IsSettled(a.Element),
        FunctionType f => IsSettled(f.Returns) && f.Parameters.All(IsSettled),
        _ => true,
    };

    /// <summary>An undeclared name behind a pointer ("FILE*"): an incomplete type that only pointers can use.</summary>
    StructType Opaque(string name)
    {
        if (records.TryGetValue("opaque " + name, out var r)) return r;
        r = new StructType(null, false, name);
        if (records.Count < InternLimit) records["opaque " + name] = r;
        return r;
    }

    /// <summary>
    /// An evaluator for expressions of the text <paramref name="constantsOf"/> belongs to, so that
    /// an error names that text and the one position in it ("cdef:3:10: division by zero").
    /// </summary>
    ConstantEvaluator Evaluator(IConstantEnvironment? constantsOf) =>
        new(constantsOf ?? new DeclaredConstants(new DeclarationList([]), "type name", Environment), ChunkOf(constantsOf));

    /// <summary>The name of the text an environment evaluates ("type name" for a type name ffi.sizeof and the others were given).</summary>
    static string ChunkOf(IConstantEnvironment? constantsOf) => constantsOf is DeclaredConstants d ? d.ChunkName : "type name";

    long Evaluate(Expression e, IConstantEnvironment? constantsOf)
    {
        try
        {
            var v = Evaluator(constantsOf).Evaluate(e);
            if (v.IsNegative) throw new LuaException("array size is negative");
            if (v.Bits > int.MaxValue) throw new LuaException($"array size {v} is too large");
            return (long)v.Bits;
        }
        catch (DeclarationException x) { throw new LuaException(x.Message); }
    }
}
