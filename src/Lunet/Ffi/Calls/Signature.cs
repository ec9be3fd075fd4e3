using Lunet.Ffi.Types;

namespace Lunet.Ffi.Calls;

/// <summary>A C function type: return type, parameter types, variadic or not.</summary>
public sealed class Signature : IEquatable<Signature>
{
    public Signature(CType returns, IReadOnlyList<CType> parameters, bool variadic = false)
    {
        Returns = returns;
        Parameters = parameters;
        IsVariadic = variadic;
    }

    public CType Returns { get; }
    public IReadOnlyList<CType> Parameters { get; }
    public bool IsVariadic { get; }

    // Stubs depend only on how values cross, so scalar types with one kind share a stub.
    public bool Equals(Signature? o) =>
        o != null && o.IsVariadic == IsVariadic && Same(o.Returns, Returns) &&
        o.Parameters.Count == Parameters.Count && Parameters.Select((p, i) => Same(p, o.Parameters[i])).All(x => x);

    static bool Same(CType a, CType b) => a.Scalar != ScalarKind.None ? a.Scalar == b.Scalar : ReferenceEquals(a, b);

    public override bool Equals(object? obj) => Equals(obj as Signature);

    public override int GetHashCode()
    {
        var h = new HashCode();
        h.Add(Key(Returns));
        foreach (var p in Parameters) h.Add(Key(p));
        h.Add(IsVariadic);
        return h.ToHashCode();
    }

    static object Key(CType t) => t.Scalar != ScalarKind.None ? t.Scalar : t;

    public override string ToString() =>
        $"{Returns.Name} ({string.Join(", ", Parameters.Select(p => p.Name))}{(IsVariadic ? ", ..." : "")})";
}
