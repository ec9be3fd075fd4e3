namespace Lunet.Ffi.Types;

/// <summary>void, bool, the fixed-width integers, floats, raw pointers and C strings.</summary>
public class ScalarType : CType
{
    readonly string name;
    readonly int size;
    readonly ScalarKind kind;

    protected ScalarType(string name, ScalarKind kind, int size)
    {
        this.name = name;
        this.kind = kind;
        this.size = size;
    }

    public override string Name => name;
    public override int Size => size;
    public override int Alignment => Math.Max(size, 1);
    public override ScalarKind Scalar => kind;

    public static readonly ScalarType Void = new("void", ScalarKind.Void, 0);
    public static readonly ScalarType Bool = new("bool", ScalarKind.Bool, 1);
    public static readonly ScalarType I8 = new("i8", ScalarKind.I8, 1);
    public static readonly ScalarType U8 = new("u8", ScalarKind.U8, 1);
    public static readonly ScalarType I16 = new("i16", ScalarKind.I16, 2);
    public static readonly ScalarType U16 = new("u16", ScalarKind.U16, 2);
    public static readonly ScalarType I32 = new("i32", ScalarKind.I32, 4);
    public static readonly ScalarType U32 = new("u32", ScalarKind.U32, 4);
    public static readonly ScalarType I64 = new("i64", ScalarKind.I64, 8);
    public static readonly ScalarType U64 = new("u64", ScalarKind.U64, 8);
    public static readonly ScalarType F32 = new("f32", ScalarKind.F32, 4);
    public static readonly ScalarType F64 = new("f64", ScalarKind.F64, 8);
    public static readonly ScalarType CString = new("string", ScalarKind.CString, IntPtr.Size);
    public static readonly PointerType Pointer = new(null);
}

/// <summary>A data pointer; <see cref="Target"/> is what it points to (null: void / unknown).</summary>
public sealed class PointerType : ScalarType
{
    public PointerType(CType? target, string? targetName = null)
        : base(target == null && targetName == null ? "pointer" : (targetName ?? target!.Name) + "*", ScalarKind.Pointer, IntPtr.Size)
    {
        Target = target;
    }

    public CType? Target { get; }
}
