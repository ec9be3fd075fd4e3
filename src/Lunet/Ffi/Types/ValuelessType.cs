using Lunet.Ffi.Declarations;
using Lunet.Ffi.Layout;

namespace Lunet.Ffi.Types;

/// <summary>
/// A built-in C type whose size and alignment are known but whose values the ffi cannot convert:
/// long double, __int128, _Float128, the _Complex types, va_list. Real headers declare them, so a
/// declaration using one registers, and records holding one lay out as the compiler lays them
/// out; reading, writing, passing or returning such a value is an error naming the type.
/// Shared by every runtime (they never change).
/// </summary>
public sealed class ValuelessType : CType
{
    static readonly Dictionary<string, ValuelessType> Known = new(StringComparer.Ordinal);

    readonly TypeLayout layout;

    ValuelessType(string spelling, TypeLayout layout, ScalarClass storedAs)
    {
        Name = spelling;
        this.layout = layout;
        StoredAs = storedAs;
    }

    /// <summary>The type of a builtin spelling the parser normalised, or null when its layout is unknown on this platform.</summary>
    public static ValuelessType? Of(string spelling)
    {
        lock (Known)
        {
            if (Known.TryGetValue(spelling, out var t)) return t;
            if (BuiltinTypeFacts.Layout(spelling) is not TypeLayout layout || layout.Size > int.MaxValue) return null;
            var storedAs = spelling == "__builtin_va_list" ? ScalarClass.Pointer
                : BuiltinTypeFacts.IntegerType(spelling) is { } i ? (i.Unsigned ? ScalarClass.Unsigned : ScalarClass.Signed) : ScalarClass.Float;
            return Known[spelling] = new ValuelessType(spelling, layout, storedAs);
        }
    }

    public override string Name { get; }
    public override TypeKind Kind => TypeKind.Scalar;
    public override int Size => (int)layout.Size;
    public override int Alignment => (int)layout.Alignment;

    /// <summary>What the layout engine is told the bytes are (integers for __int128, floating point otherwise).</summary>
    public ScalarClass StoredAs { get; }
}
