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
/// </summary>
public sealed class CallShape : IEquatable<CallShape>
{
    readonly ScalarKind[] kinds;   // the result first, then each parameter
    readonly bool variadic;

    CallShape(ScalarKind[] kinds, bool variadic)
    {
        this.kinds = kinds;
        this.variadic = variadic;
    }

    public static CallShape Of(FunctionType f)
    {
        var kinds = new ScalarKind[f.Parameters.Count + 1];
        kinds[0] = f.Returns.Scalar;
        for (int i = 0; i < f.Parameters.Count; i++) kinds[i + 1] = f.Parameters[i].Scalar;
        return new CallShape(kinds, f.IsVariadic);
    }

    public bool Equals(CallShape? o) => o != null && o.variadic == variadic && o.kinds.AsSpan().SequenceEqual(kinds);

    public override bool Equals(object? obj) => Equals(obj as CallShape);

    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var k in kinds) h.Add(k);
        h.Add(variadic);
        return h.ToHashCode();
    }
}
