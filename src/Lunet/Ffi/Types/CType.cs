namespace Lunet.Ffi.Types;

/// <summary>
/// A C type: its canonical name, its kind, its size and alignment as the platform's C
/// compiler has them, and how a value of it crosses the Lua/C boundary. Types are
/// interned per runtime (<see cref="TypeRegistry"/>): one name, one object, so types
/// compare by reference.
/// </summary>
public abstract class CType
{
    public abstract string Name { get; }
    public abstract TypeKind Kind { get; }
    public abstract int Size { get; }
    public abstract int Alignment { get; }

    /// <summary>
    /// How a value of this type crosses the Lua/C boundary (the rule the conversions and
    /// the stub compilers read); <see cref="ScalarKind.None"/> for what does not cross as one value.
    /// </summary>
    public virtual ScalarKind Scalar => ScalarKind.None;

    /// <summary>Whether a value of this type can be read, written, passed or returned as one Lua value.</summary>
    public bool IsScalarValue => Crossing.IsValue(Scalar);

    /// <summary>Whether the type has a size (incomplete records, void, functions and unsized arrays have none).</summary>
    public virtual bool IsComplete => Kind is not (TypeKind.Void or TypeKind.Function);

    public override string ToString() => Name;
}

/// <summary>What a C type is, whatever the way its values cross the boundary.</summary>
public enum TypeKind
{
    Void, Scalar, Pointer, Record, Array, Enum, Function,
}

/// <summary>
/// How a value crosses the Lua/C boundary: the conversion shape. CString is a char pointer
/// that converts from and to a Lua string; every other pointer is Pointer.
/// </summary>
public enum ScalarKind
{
    None, Void, Bool, I8, U8, I16, U16, I32, U32, I64, U64, F32, F64, Pointer, CString,
}

public static class ScalarKindExtensions
{
    public static bool IsInteger(this ScalarKind k) => k is >= ScalarKind.I8 and <= ScalarKind.U64;
    public static bool IsFloat(this ScalarKind k) => k is ScalarKind.F32 or ScalarKind.F64;

    /// <summary>Bytes and signedness of the value as machine code moves it (<see cref="Crossing"/>).</summary>
    public static (int bytes, bool signed) Shape(this ScalarKind k)
    {
        var c = Crossing.Of(k);
        return (c.Bytes == 0 ? 8 : c.Bytes, c.Signed);
    }
}
