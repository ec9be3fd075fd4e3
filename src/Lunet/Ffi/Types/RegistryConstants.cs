using Lunet.Ffi.Declarations;
using Lunet.Interop;

namespace Lunet.Ffi.Types;

/// <summary>
/// What constant expressions in a later declaration or type string may use from a runtime's
/// types: its enum constants, the sizes and alignments of its types, field offsets.
/// </summary>
sealed class RegistryConstants(TypeRegistry types) : IConstantEnvironment
{
    public int LongBits => BuiltinTypeFacts.LongBits;
    public int PointerBits => BuiltinTypeFacts.PointerBits;

    public ConstantValue? Constant(string name) =>
        types.TryConstant(name, out var v) ? new ConstantValue((ulong)v, v is >= int.MinValue and <= int.MaxValue ? IntegerType.Int : IntegerType.LongLong) : null;

    public TypeLayout? Layout(TypeSyntax type) =>
        TryType(type) is { IsComplete: true } t ? new TypeLayout(t.Size, t.Alignment) : null;

    public IntegerType? IntegerTypeOf(TypeSyntax type) => TryType(type)?.Scalar switch
    {
        ScalarKind.Bool => new IntegerType(1, true),
        ScalarKind.I8 => new IntegerType(8, false), ScalarKind.U8 => new IntegerType(8, true),
        ScalarKind.I16 => new IntegerType(16, false), ScalarKind.U16 => new IntegerType(16, true),
        ScalarKind.I32 => new IntegerType(32, false), ScalarKind.U32 => new IntegerType(32, true),
        ScalarKind.I64 => new IntegerType(64, false), ScalarKind.U64 => new IntegerType(64, true),
        ScalarKind.Pointer or ScalarKind.CString => new IntegerType(PointerBits, true),
        _ => null,
    };

    public long? OffsetOf(TypeSyntax type, IReadOnlyList<string> designator)
    {
        long offset = 0;
        var t = TryType(type);
        foreach (var name in designator)
        {
            if (t is not StructType s || s.Field(name) is not { } f) return null;
            offset += f.Offset;
            t = f.Type;
        }
        return offset;
    }

    CType? TryType(TypeSyntax syntax)
    {
        try { return types.FromSyntax(syntax, syntax.ToString(), this); }
        catch (LuaException) { return null; }
    }
}
