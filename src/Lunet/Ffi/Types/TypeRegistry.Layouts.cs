using Lunet.Ffi.Declarations;
using Lunet.Ffi.Layout;
using Lunet.Interop;

namespace Lunet.Ffi.Types;

/// <summary>Records and enums laid out by the layout engine (src/Lunet/Ffi/Layout) with this platform's rules.</summary>
public sealed partial class TypeRegistry
{
    /// <summary>The platform's C layout rules: Microsoft's on Windows, System V (gcc) elsewhere.</summary>
    static readonly ILayoutRules Rules = OperatingSystem.IsWindows() ? MsvcLayout.Instance : SysVLayout.Instance;

    /// <summary>Anonymous records of the text being declared, one type each (a record is reached through the declaration that holds it).</summary>
    readonly Dictionary<RecordSyntax, StructType> anonymous = new(ReferenceEqualityComparer.Instance);

    /// <summary>Anonymous enums of the text being declared ("typedef enum { A, B } T;"), by their syntax.</summary>
    readonly Dictionary<EnumSyntax, EnumeratedType> anonymousEnums = new(ReferenceEqualityComparer.Instance);

    /// <summary>Completes a declared record with its fields and layout; a record already complete must get the same layout again.</summary>
    void Complete(StructType record, RecordSyntax syntax, IConstantEnvironment env)
    {
        var (fields, layout) = Lay(record.Name, syntax, env);
        if (!record.IsComplete)
        {
            record.Complete(fields, layout);
            return;
        }
        if (record.Size != layout.Size || record.Alignment != layout.Alignment || !SameFields(record.Fields!, fields))
            throw new LuaException($"redefinition of '{record.Name}' with a different body");
    }

    /// <summary>Field by field the same: names, places and types (an anonymous member's type compared by its own fields).</summary>
    static bool SameFields(IReadOnlyList<StructField> a, IReadOnlyList<StructField> b) =>
        a.Count == b.Count && a.Zip(b).All(p => p.First.Name == p.Second.Name && p.First.Offset == p.Second.Offset
            && Equals(p.First.Bits, p.Second.Bits) && SameType(p.First.Type, p.Second.Type));

    static bool SameType(CType a, CType b) =>
        ReferenceEquals(a, b)
        || a is EnumeratedType { Tag: null } ea && b is EnumeratedType { Tag: null } eb && ea.Storage == eb.Storage && ea.Constants.SequenceEqual(eb.Constants)
        || a is StructType { Tag: null, Fields: { } fa } sa && b is StructType { Tag: null, Fields: { } fb } sb
            && sa.IsUnion == sb.IsUnion && sa.Size == sb.Size && SameFields(fa, fb)
        || a is ArrayType aa && b is ArrayType ab && aa.Count == ab.Count && SameType(aa.Element, ab.Element);

    /// <summary>
    /// Anonymous records met in type names (ffi.new("struct { int a; } /*1*/")), one per layout: a
    /// script can spell the same record without end, and each would be a type of its own, with its
    /// block for instances (<see cref="Memory.InstanceTypes"/>) kept for the life of the runtime.
    /// </summary>
    readonly HashSet<StructType> spelled = new(SameLayout.Instance);

    /// <summary>How many anonymous records of type names are kept now.</summary>
    public int SpelledRecordCount => spelled.Count;

    /// <summary>Set while a type name is resolved (not declarations): its anonymous records are looked up in <see cref="spelled"/>.</summary>
    bool resolvingName;

    /// <summary>An anonymous struct or union (a member, or a typedef of one): laid out where it is met.</summary>
    StructType Anonymous(RecordSyntax syntax, IConstantEnvironment? env)
    {
        if (anonymous.TryGetValue(syntax, out var t)) return t;
        if (!syntax.IsComplete) throw new LuaException($"{syntax} has no body");
        t = new StructType(null, syntax.Kind == Declarations.RecordKind.Union) { AnonymousName = syntax.Spelling };
        var (fields, layout) = Lay(t.Name, syntax, env ?? Environment);
        t.Complete(fields, layout);
        if (resolvingName)
        {
            if (spelled.TryGetValue(t, out var same)) t = same;
            else if (spelled.Count < InternLimit) spelled.Add(t);
        }
        if (anonymous.Count < InternLimit) anonymous[syntax] = t;
        return t;
    }

    /// <summary>Anonymous records alike in every way a script can tell: kind, size, alignment, and field by field (<see cref="SameFields"/>).</summary>
    sealed class SameLayout : IEqualityComparer<StructType>
    {
        public static readonly SameLayout Instance = new();

        public bool Equals(StructType? a, StructType? b) =>
            ReferenceEquals(a, b) || a != null && b != null && a.Alignment == b.Alignment && SameType(a, b);

        public int GetHashCode(StructType t)
        {
            var h = new HashCode();
            h.Add(t.IsUnion);
            h.Add(t.Size);
            h.Add(t.Alignment);
            foreach (var f in t.Fields!)
            {
                h.Add(f.Name);
                h.Add(f.Offset);
            }
            return h.ToHashCode();
        }
    }

    (List<StructField>, RecordLayout) Lay(string recordName, RecordSyntax syntax, IConstantEnvironment env)
    {
        var evaluator = Evaluator(env);
        var members = new List<LayoutMember>();
        var types = new List<CType>();
        foreach (var m in syntax.Members!)
        {
            string what = $"{recordName}: member '{m.Name ?? "<anonymous>"}'";
            try
            {
                var type = FromSyntax(m.Type, m.Name ?? recordName, env);
                RefuseMemberAttributes(m.Attributes, what);
                int? width = null;
                var shape = Shape(type, what);
                if (m.BitWidth != null)
                {
                    // Checked here, where the member's C type is known: the layout engine only sees its shape.
                    if (shape is not ScalarShape { MaxBitWidth: > 0 })
                        throw new LuaException($"{what}: a bitfield must have an integer, enum or _Bool type (got {TypePrinter.Print(m.Type, null)})");
                    var w = evaluator.Evaluate(m.BitWidth);
                    if (w.IsNegative || w.Bits > 1024) throw new LuaException($"{what}: bitfield width {w} is out of range");
                    width = (int)w.Bits;
                }
                // An anonymous struct or union member has no name in C; the layout engine keeps null for unnamed bitfields.
                var layoutName = m.Name ?? (width == null ? $"<anonymous #{members.Count + 1}>" : null);
                members.Add(new LayoutMember(layoutName, shape, width, m.Attributes.Packed, Alignment(m.Attributes, evaluator, what)));
                types.Add(type);
            }
            catch (DeclarationException e) { throw new LuaException(e.Message); }
            // A member's mistake is placed at the member (one position, the right one), unless it has its own already.
            catch (LuaException e) when (!e.Message.StartsWith(ChunkOf(env) + ":", StringComparison.Ordinal))
            {
                throw new LuaException($"{ChunkOf(env)}:{m.Position}: {e.Message}");
            }
        }
        RecordLayout layout;
        try
        {
            var shape = new RecordShape(syntax.Kind == Declarations.RecordKind.Union ? Layout.RecordKind.Union : Layout.RecordKind.Struct,
                members, syntax.Attributes.Packed, Alignment(syntax.Attributes, evaluator, recordName), syntax.Pack ?? 0);
            layout = Rules.Lay(shape);
        }
        catch (LayoutException e) { throw new LuaException($"{recordName}: {e.Message}"); }
        if (layout.Size > int.MaxValue) throw new LuaException($"{recordName} is {layout.Size} bytes; the ffi's limit is {int.MaxValue}");
        var fields = new List<StructField>(members.Count);
        for (int i = 0; i < layout.Members.Count; i++)
        {
            var m = layout.Members[i];
            var bits = m.Bitfield is { } b ? new FieldBits(b.UnitOffset, b.UnitSize, b.Shift, b.Width, b.Signed) : null;
            fields.Add(new StructField(syntax.Members![i].Name, types[i], m.Offset, bits));
        }
        return (fields, layout);
    }

    static void RefuseMemberAttributes(AttributeSet a, string what)
    {
        if (a.Mode != null) throw new LuaException($"{what}: the mode attribute is not supported");
        if (a.Skipped.Contains("vector_size") || a.Skipped.Contains("__vector_size__"))
            throw new LuaException($"{what}: vector types are not supported");
    }

    /// <summary>The largest aligned(n) written, 0 for none; bare aligned is the target's largest alignment (16 on x86-64 and arm64).</summary>
    static int Alignment(AttributeSet a, ConstantEvaluator evaluator, string what)
    {
        long align = a.AlignedToMaximum ? 16 : 0;
        foreach (var e in a.Aligned)
        {
            var v = evaluator.Evaluate(e);
            if (v.IsNegative || v.Bits > 1 << 28) throw new LuaException($"{what}: alignment {v} must be a power of two up to 2^28");
            align = Math.Max(align, (long)v.Bits);
        }
        return (int)align;
    }

    /// <summary>What the layout engine needs of a member's type.</summary>
    static FieldShape Shape(CType t, string what)
    {
        try
        {
            return t switch
            {
                StructType { Layout: { } layout } => FieldShape.Record(layout),
                StructType s => throw new LuaException($"{what} has incomplete type {s.Name}"),
                ArrayType { Count: null } a => FieldShape.Flexible(Shape(a.Element, what)),
                ArrayType a => FieldShape.Array(Shape(a.Element, what), a.Count.Value),
                FunctionType => throw new LuaException($"{what} is a function"),
                { Kind: TypeKind.Void } => throw new LuaException($"{what} has type void"),
                ValuelessType v => FieldShape.Scalar(v.Size, v.Alignment, v.StoredAs),
                _ => FieldShape.Scalar(t.Size, t.Alignment, t.Scalar switch
                {
                    ScalarKind.Bool => ScalarClass.Bool,
                    ScalarKind.I8 or ScalarKind.I16 or ScalarKind.I32 or ScalarKind.I64 => ScalarClass.Signed,
                    ScalarKind.U8 or ScalarKind.U16 or ScalarKind.U32 or ScalarKind.U64 => ScalarClass.Unsigned,
                    ScalarKind.F32 or ScalarKind.F64 => ScalarClass.Float,
                    _ => ScalarClass.Pointer,
                }),
            };
        }
        catch (LayoutException e) { throw new LuaException($"{what}: {e.Message}"); }
    }

    /// <summary>The integer an enum is stored as, by the platform compiler's rule (packed: the smallest that holds the values).</summary>
    static ScalarType EnumStorage(List<KeyValuePair<string, long>> values, bool packed)
    {
        long min = values.Count == 0 ? 0 : values.Min(v => v.Value), max = values.Count == 0 ? 0 : values.Max(v => v.Value);
        ScalarShape s;
        try { s = Rules.EnumStorage(min, max, packed); }
        catch (LayoutException e) { throw new LuaException(e.Message); }
        bool signed = s.Class == ScalarClass.Signed;
        return s.Size switch
        {
            1 => signed ? ScalarType.I8 : ScalarType.U8,
            2 => signed ? ScalarType.I16 : ScalarType.U16,
            4 => signed ? ScalarType.I32 : ScalarType.U32,
            _ => signed ? ScalarType.I64 : ScalarType.U64,
        };
    }
}
