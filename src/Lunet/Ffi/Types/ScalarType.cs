using Lunet.Ffi.Declarations;

namespace Lunet.Ffi.Types;

/// <summary>void, bool, the fixed-width integers and floats: the built-in types, shared by every runtime (they never change).</summary>
public class ScalarType : CType
{
    readonly string name;
    readonly int size;
    readonly int alignment;
    readonly ScalarKind kind;

    protected ScalarType(string name, ScalarKind kind, int size, int alignment)
    {
        this.name = name;
        this.kind = kind;
        this.size = size;
        this.alignment = alignment;
    }

    /// <summary>A built-in; its alignment is the C compiler's for <paramref name="spelling"/> on this platform.</summary>
    ScalarType(string name, ScalarKind kind, string spelling)
        : this(name, kind, (int)BuiltinTypeFacts.Layout(spelling)!.Value.Size, (int)BuiltinTypeFacts.Layout(spelling)!.Value.Alignment) { }

    public override string Name => name;
    public override TypeKind Kind => kind == ScalarKind.Void ? TypeKind.Void : TypeKind.Scalar;
    public override int Size => size;
    public override int Alignment => alignment;
    public override ScalarKind Scalar => kind;

    public static readonly ScalarType Void = new("void", ScalarKind.Void, 0, 1);
    public static readonly ScalarType Bool = new("bool", ScalarKind.Bool, "_Bool");
    public static readonly ScalarType I8 = new("i8", ScalarKind.I8, "signed char");
    public static readonly ScalarType U8 = new("u8", ScalarKind.U8, "unsigned char");
    public static readonly ScalarType I16 = new("i16", ScalarKind.I16, "short");
    public static readonly ScalarType U16 = new("u16", ScalarKind.U16, "unsigned short");
    public static readonly ScalarType I32 = new("i32", ScalarKind.I32, "int");
    public static readonly ScalarType U32 = new("u32", ScalarKind.U32, "unsigned int");
    public static readonly ScalarType I64 = new("i64", ScalarKind.I64, "long long");
    public static readonly ScalarType U64 = new("u64", ScalarKind.U64, "unsigned long long");
    public static readonly ScalarType F32 = new("f32", ScalarKind.F32, "float");
    public static readonly ScalarType F64 = new("f64", ScalarKind.F64, "double");

    /// <summary>char* as the contract's "string": a pointer to char that converts from and to a Lua string.</summary>
    public static readonly PointerType CString = new(BuiltinChar, "string", ScalarKind.CString);

    /// <summary>void*, the contract's "pointer".</summary>
    public static readonly PointerType Pointer = new(Void, "pointer", ScalarKind.Pointer);

    static ScalarType BuiltinChar => BuiltinTypeFacts.IntegerType("char") is { Unsigned: true } ? U8 : I8;
}

/// <summary>A data pointer to <see cref="Target"/> (void for "pointer").</summary>
public sealed class PointerType : ScalarType
{
    internal PointerType(CType target, string name, ScalarKind conversion)
        : base(name, conversion, IntPtr.Size, IntPtr.Size)
    {
        Target = target;
    }

    public CType Target { get; }
    public override TypeKind Kind => TypeKind.Pointer;
}
