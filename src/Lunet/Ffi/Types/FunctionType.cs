using System.Text;
using Lunet.Ffi.Layout;

namespace Lunet.Ffi.Types;

/// <summary>
/// A C function type: return type, parameter types, variadic or not (a declared
/// <c>printf(const char*, ...)</c>). It has no size; a pointer to it is a function pointer.
/// Two function types are equal when their parts are the same types; stubs are shared by a
/// coarser key, <see cref="CallShape"/>.
/// </summary>
public sealed class FunctionType : CType, IEquatable<FunctionType>
{
    public FunctionType(CType returns, IReadOnlyList<CType> parameters, bool variadic = false)
    {
        Returns = returns;
        Parameters = parameters;
        IsVariadic = variadic;
    }

    public CType Returns { get; }
    public IReadOnlyList<CType> Parameters { get; }
    public bool IsVariadic { get; }

    public override string Name =>
        $"{Returns.Name} ({string.Join(", ", Parameters.Select(p => p.Name))}{(IsVariadic ? Parameters.Count > 0 ? ", ..." : "..." : "")})";
    public override TypeKind Kind => TypeKind.Function;
    public override int Size => 0;
    public override int Alignment => 1;

    /// <summary>How the function's values cross: the key of the stub caches.</summary>
    public CallShape Shape => shape ??= CallShape.Of(this);
    CallShape? shape;

    public bool Equals(FunctionType? o) =>
        o != null && o.IsVariadic == IsVariadic && ReferenceEquals(o.Returns, Returns) && o.Parameters.SequenceEqual(Parameters, ReferenceEqualityComparer.Instance);

    public override bool Equals(object? obj) => Equals(obj as FunctionType);

    public override int GetHashCode()
    {
        var h = new HashCode();
        h.Add(Returns);
        foreach (var p in Parameters) h.Add(p);
        h.Add(IsVariadic);
        return h.ToHashCode();
    }
}

/// <summary>
/// What a compiled call stub depends on: how each parameter and the result cross the
/// boundary. Types of one conversion shape (int and int32_t, two pointer types) share a stub,
/// and the key holds no runtime's type objects, so the process-wide stub caches can be shared.
/// A struct or union by value is keyed by its layout (size, alignment, every member's offset
/// and shape, nested records and arrays spelled out): records laid out alike are classified
/// alike, and which record type an argument must be is checked from the binding, not the stub.
/// </summary>
public sealed class CallShape : IEquatable<CallShape>
{
    readonly ScalarKind[] kinds;   // the result first, then each parameter
    readonly bool variadic;
    readonly string records;       // the layout of each record by value, by position; "" when none

    CallShape(ScalarKind[] kinds, bool variadic, string records)
    {
        this.kinds = kinds;
        this.variadic = variadic;
        this.records = records;
    }

    public static CallShape Of(FunctionType f)
    {
        var kinds = new ScalarKind[f.Parameters.Count + 1];
        var records = new StringBuilder();
        for (int i = 0; i <= f.Parameters.Count; i++)
        {
            var t = i == 0 ? f.Returns : f.Parameters[i - 1];
            kinds[i] = t.Scalar;
            if (t.Kind != TypeKind.Record) continue;
            records.Append(i).Append('=');
            if (t is StructType { Layout: { } layout }) Describe(records, layout);
            else records.Append(t.Name); // incomplete: never compiled, but never equal to a complete one either
            records.Append(';');
        }
        return new CallShape(kinds, f.IsVariadic, records.ToString());
    }

    static void Describe(StringBuilder sb, RecordLayout l)
    {
        sb.Append(l.Kind == RecordKind.Union ? 'u' : 's').Append(l.Size).Append('/').Append(l.Alignment).Append('{');
        foreach (var m in l.Members)
        {
            if (m.Bitfield is { } b) sb.Append('b').Append(b.BitPosition).Append(':').Append(b.Width);
            else
            {
                sb.Append(m.Offset).Append(':');
                Describe(sb, m.Member.Type);
            }
            sb.Append(',');
        }
        sb.Append('}');
    }

    static void Describe(StringBuilder sb, FieldShape shape)
    {
        switch (shape)
        {
            case RecordFieldShape r: Describe(sb, r.Layout); break;
            case ArrayShape a:
                Describe(sb, a.Element);
                sb.Append('[').Append(a.Count).Append(']');
                break;
            default: sb.Append(shape); break;
        }
    }

    public bool Equals(CallShape? o) =>
        o != null && o.variadic == variadic && o.kinds.AsSpan().SequenceEqual(kinds) && o.records == records;

    public override bool Equals(object? obj) => Equals(obj as CallShape);

    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var k in kinds) h.Add(k);
        h.Add(variadic);
        h.Add(records);
        return h.ToHashCode();
    }
}
