namespace Lunet.Ffi.Types;

/// <summary>Where a value travels in a call: an integer register, a floating-point register, or nowhere (void).</summary>
public enum CrossingRegister { None, Integer, Float }

/// <summary>
/// How one <see cref="ScalarKind"/> crosses the Lua/C boundary, written once: the bytes the machine
/// code moves (floats as their bits; 8 for pointers), whether they are sign-extended, the register
/// class, and the .NET type that carries it through an unmanaged call. The C# conversions, the
/// emitted managed stubs, the native stub compiler and the Buffer's native fast path read it here.
/// </summary>
public readonly record struct Crossing(int Bytes, bool Signed, CrossingRegister Register, Type Clr)
{
    static readonly Crossing[] Table = Build();

    static Crossing[] Build()
    {
        var t = new Crossing[(int)ScalarKind.CString + 1];
        t[(int)ScalarKind.None] = new(0, false, CrossingRegister.None, typeof(void));
        t[(int)ScalarKind.Void] = new(0, false, CrossingRegister.None, typeof(void));
        t[(int)ScalarKind.Bool] = new(1, false, CrossingRegister.Integer, typeof(byte));
        t[(int)ScalarKind.I8] = new(1, true, CrossingRegister.Integer, typeof(sbyte));
        t[(int)ScalarKind.U8] = new(1, false, CrossingRegister.Integer, typeof(byte));
        t[(int)ScalarKind.I16] = new(2, true, CrossingRegister.Integer, typeof(short));
        t[(int)ScalarKind.U16] = new(2, false, CrossingRegister.Integer, typeof(ushort));
        t[(int)ScalarKind.I32] = new(4, true, CrossingRegister.Integer, typeof(int));
        t[(int)ScalarKind.U32] = new(4, false, CrossingRegister.Integer, typeof(uint));
        t[(int)ScalarKind.I64] = new(8, false, CrossingRegister.Integer, typeof(long));
        t[(int)ScalarKind.U64] = new(8, false, CrossingRegister.Integer, typeof(ulong));
        t[(int)ScalarKind.F32] = new(4, false, CrossingRegister.Float, typeof(float));
        t[(int)ScalarKind.F64] = new(8, false, CrossingRegister.Float, typeof(double));
        t[(int)ScalarKind.Pointer] = new(8, false, CrossingRegister.Integer, typeof(nint));
        t[(int)ScalarKind.CString] = new(8, false, CrossingRegister.Integer, typeof(nint));
        return t;
    }

    public static Crossing Of(ScalarKind k) => Table[(int)k];

    /// <summary>Whether a value of this kind is one Lua value in a call, a read or a write (not void, not an aggregate).</summary>
    public static bool IsValue(ScalarKind k) => k is not (ScalarKind.None or ScalarKind.Void);
}
