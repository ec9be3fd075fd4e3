using Lunet.Ffi.Types;

namespace Lunet.Ffi.Abi;

/// <summary>How a value as a whole crosses a call.</summary>
public enum PassKind
{
    /// <summary>Nothing crosses (a void result, an empty record).</summary>
    None,
    /// <summary>In registers: each <see cref="Piece"/> names its register.</summary>
    Registers,
    /// <summary>The value's bytes are copied to the outgoing stack area at <see cref="ValuePlan.StackOffset"/>.</summary>
    Stack,
    /// <summary>
    /// A pointer to a copy crosses instead (the single <see cref="Piece"/> says where the pointer goes). For a
    /// result: the caller passes the address of the result's memory (the hidden result pointer).
    /// </summary>
    Reference,
}

/// <summary>The register file a piece of a value travels in.</summary>
public enum RegisterClass { Integer, Vector }

/// <summary>
/// One register's worth of a value: <see cref="Size"/> bytes at <see cref="Offset"/> in the value (an
/// eightbyte on x86-64, a member of a homogeneous float aggregate on AArch64). <see cref="Register"/> is
/// the index in the ABI's sequence of argument registers of that class (x86-64 System V integer: 0 = rdi
/// .. 5 = r9; vector: xmm0..xmm7; Windows x64: the argument slot 0..3; AArch64: x0..x7, v0..v7, and 8 =
/// x8, the indirect result register) or, for a result, of result registers (rax, rdx; xmm0, xmm1; x0, x1;
/// v0..v3). -1: the piece is on the stack at <see cref="StackOffset"/>, counted from the stack pointer
/// at the call.
/// </summary>
public readonly record struct Piece(RegisterClass Class, int Offset, int Size, int Register, int StackOffset = -1)
{
    public bool InRegister => Register >= 0;
    public override string ToString() =>
        $"{(Class == RegisterClass.Integer ? "int" : "vec")}{(InRegister ? Register.ToString() : "@" + StackOffset)}[{Offset}+{Size}]";
}

/// <summary>How one argument or the result crosses.</summary>
public sealed record ValuePlan(CType Type, PassKind Kind, IReadOnlyList<Piece> Pieces, int StackOffset = -1)
{
    public static ValuePlan Nothing(CType t) => new(t, PassKind.None, []);

    public bool IsAggregate => Type.Kind == TypeKind.Record;

    public override string ToString() => Kind switch
    {
        PassKind.None => "none",
        PassKind.Stack => $"stack@{StackOffset}",
        PassKind.Reference => $"ref({string.Join(" ", Pieces)})",
        _ => string.Join(" ", Pieces),
    };
}

/// <summary>
/// Where every argument and the result of one function type go on one platform: the data every code
/// generator reads instead of placing arguments itself. Immutable; made once per function type by an
/// <see cref="ICallingConvention"/>.
/// </summary>
public sealed class ArgumentPlan
{
    public ArgumentPlan(ValuePlan result, IReadOnlyList<ValuePlan> parameters, int stackBytes, int vectorRegisters, int shadowSpace = 0)
    {
        Result = result;
        Parameters = parameters;
        StackBytes = stackBytes;
        VectorRegisters = vectorRegisters;
        ShadowSpace = shadowSpace;
    }

    public ValuePlan Result { get; }
    public IReadOnlyList<ValuePlan> Parameters { get; }

    /// <summary>Bytes of outgoing stack arguments (shadow space included), a multiple of 8.</summary>
    public int StackBytes { get; }

    /// <summary>Vector registers used by the arguments: the AL a variadic callee reads on x86-64 System V.</summary>
    public int VectorRegisters { get; }

    /// <summary>Bytes the caller reserves below the stack arguments for the callee (32 on Windows x64).</summary>
    public int ShadowSpace { get; }

    /// <summary>The caller passes the address of the result's memory (<see cref="PassKind.Reference"/> result).</summary>
    public bool HasHiddenResultPointer => Result.Kind == PassKind.Reference;

    public override string ToString() =>
        $"({string.Join(", ", Parameters)}) -> {Result}; stack {StackBytes}, vector {VectorRegisters}";
}

/// <summary>One platform's calling convention: the argument plan of a function type.</summary>
public interface ICallingConvention
{
    string Name { get; }

    /// <summary>The plan; throws <see cref="NotSupportedException"/> for a type that cannot cross by value here.</summary>
    ArgumentPlan Plan(FunctionType f);
}
