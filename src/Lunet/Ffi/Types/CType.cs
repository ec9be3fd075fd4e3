namespace Lunet.Ffi.Types;

/// <summary>
/// A C type: its canonical name, size and alignment as the platform's C compiler
/// has them. Scalars and pointers are here; records, arrays and function types
/// derive from this class too, so calls, conversions and memory accesses all
/// speak of one model.
/// </summary>
public abstract class CType
{
    public abstract string Name { get; }
    public abstract int Size { get; }
    public abstract int Alignment { get; }

    /// <summary>How a value of this type crosses the Lua/C boundary; None for aggregates.</summary>
    public virtual ScalarKind Scalar => ScalarKind.None;

    public override string ToString() => Name;
}

/// <summary>The scalar families the conversion layer knows.</summary>
public enum ScalarKind
{
    None, Void, Bool, I8, U8, I16, U16, I32, U32, I64, U64, F32, F64, Pointer, CString,
}

public static class ScalarKindExtensions
{
    public static bool IsInteger(this ScalarKind k) => k is >= ScalarKind.I8 and <= ScalarKind.U64;
    public static bool IsFloat(this ScalarKind k) => k is ScalarKind.F32 or ScalarKind.F64;

    /// <summary>Bytes and signedness of the value as machine code moves it (floats as their bits; 8 bytes for the rest).</summary>
    public static (int bytes, bool signed) Shape(this ScalarKind k) => k switch
    {
        ScalarKind.I8 => (1, true),
        ScalarKind.U8 or ScalarKind.Bool => (1, false),
        ScalarKind.I16 => (2, true),
        ScalarKind.U16 => (2, false),
        ScalarKind.I32 => (4, true),
        ScalarKind.U32 or ScalarKind.F32 => (4, false),
        _ => (8, false),
    };
}
