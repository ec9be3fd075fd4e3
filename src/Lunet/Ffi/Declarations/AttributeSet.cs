namespace Lunet.Ffi.Declarations;

/// <summary>
/// The compiler annotations (<c>__attribute__((...))</c>, <c>__declspec(...)</c>, <c>_Alignas</c>)
/// written at one place. Those that change a layout or a call are kept by meaning; the names of
/// all the others are listed in <see cref="Skipped"/> so the type layer may still refuse one.
/// </summary>
public sealed record AttributeSet
{
    public static readonly AttributeSet Empty = new();

    public bool Packed { get; init; }
    /// <summary>The aligned(n) values written (the largest wins); an empty-argument aligned is <see cref="AlignedToMaximum"/>.</summary>
    public IReadOnlyList<Expression> Aligned { get; init; } = [];
    /// <summary>Bare <c>aligned</c>: the largest alignment the target ever needs.</summary>
    public bool AlignedToMaximum { get; init; }
    /// <summary>The machine mode of <c>mode(...)</c>, without underscores: "QI", "HI", "SI", "DI", "TI", "word", "pointer"...</summary>
    public string? Mode { get; init; }
    public CallingConvention? Convention { get; init; }
    public IReadOnlyList<string> Skipped { get; init; } = [];

    public bool IsEmpty => !Packed && Aligned.Count == 0 && !AlignedToMaximum && Mode == null && Convention == null && Skipped.Count == 0;

    public AttributeSet Merge(AttributeSet other)
    {
        if (other.IsEmpty) return this;
        if (IsEmpty) return other;
        return new AttributeSet
        {
            Packed = Packed || other.Packed,
            Aligned = [.. Aligned, .. other.Aligned],
            AlignedToMaximum = AlignedToMaximum || other.AlignedToMaximum,
            Mode = other.Mode ?? Mode,
            Convention = other.Convention ?? Convention,
            Skipped = [.. Skipped, .. other.Skipped],
        };
    }
}
