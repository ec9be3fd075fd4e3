using Lunet.Ffi.Types;

namespace Lunet.Ffi.Abi;

/// <summary>
/// The x86-64 System V calling convention (the psABI's classification, as gcc and clang follow it).
/// A value of up to two eightbytes is classified eightbyte by eightbyte: each gets the merge of the
/// classes of the scalars it holds (INTEGER wins over SSE; nothing at all is NO_CLASS). A value larger
/// than 16 bytes, one with a misaligned member, or holding a long double, is MEMORY: an argument is
/// copied to the stack, a result comes back through a hidden pointer passed as the first integer
/// argument. Six integer registers (rdi, rsi, rdx, rcx, r8, r9) and eight vector registers (xmm0-7)
/// are given out left to right; a value whose eightbytes do not all fit in what remains goes to the
/// stack whole, and later smaller ones may still take registers. Stack arguments are 8-byte slots in
/// order (16-byte aligned for values aligned so). Results: INTEGER eightbytes in rax then rdx, SSE ones
/// in xmm0 then xmm1.
/// </summary>
public sealed class SysVX64Convention : ICallingConvention
{
    public static readonly SysVX64Convention Instance = new();

    public const int IntegerRegisters = 6, VectorRegisterCount = 8;

    /// <summary>The machine registers that integer register number 0..5 of a plan names: rdi, rsi, rdx, rcx, r8, r9.</summary>
    public static readonly int[] IntegerRegisterCodes =
        [Interop.X64Assembler.Rdi, Interop.X64Assembler.Rsi, Interop.X64Assembler.Rdx, Interop.X64Assembler.Rcx, Interop.X64Assembler.R8, Interop.X64Assembler.R9];

    public string Name => "x86-64 System V";

    enum Class { NoClass, Integer, Sse, Memory }

    public ArgumentPlan Plan(FunctionType f)
    {
        int nextInt = 0, nextVec = 0, stack = 0;
        var result = Result(f.Returns, ref nextInt);
        var ps = new ValuePlan[f.Parameters.Count];
        for (int i = 0; i < ps.Length; i++)
        {
            var t = f.Parameters[i];
            var classes = Classify(t);
            if (classes == null)
            {
                ps[i] = OnStack(t, ref stack);
                continue;
            }
            int ints = classes.Count(c => c == Class.Integer), vecs = classes.Count(c => c == Class.Sse);
            if (nextInt + ints > IntegerRegisters || nextVec + vecs > VectorRegisterCount)
            {
                ps[i] = OnStack(t, ref stack);
                continue;
            }
            ps[i] = InRegisters(t, classes, ref nextInt, ref nextVec);
        }
        return new ArgumentPlan(result, ps, stack, nextVec);
    }

    static ValuePlan Result(CType t, ref int nextInt)
    {
        if (t.Kind == TypeKind.Void) return ValuePlan.Nothing(t);
        var classes = Classify(t);
        if (classes == null) return new ValuePlan(t, PassKind.Reference, [new Piece(RegisterClass.Integer, 0, 8, nextInt++)]);
        int ints = 0, vecs = 0;
        return InRegisters(t, classes, ref ints, ref vecs);
    }

    /// <summary>Each eightbyte that holds something in the next register of its class.</summary>
    static ValuePlan InRegisters(CType t, Class[] classes, ref int nextInt, ref int nextVec)
    {
        var pieces = new List<Piece>();
        for (int e = 0; e < classes.Length; e++)
        {
            if (classes[e] == Class.NoClass) continue;
            var (offset, size) = Eightbyte(t, e);
            pieces.Add(classes[e] == Class.Integer
                ? new Piece(RegisterClass.Integer, offset, size, nextInt++)
                : new Piece(RegisterClass.Vector, offset, size, nextVec++));
        }
        return new ValuePlan(t, pieces.Count == 0 ? PassKind.None : PassKind.Registers, pieces);
    }

    static (int offset, int size) Eightbyte(CType t, int e) => (e * 8, Math.Min(8, t.Size - e * 8));

    static ValuePlan OnStack(CType t, ref int stack)
    {
        int align = Math.Max(8, t.Alignment);
        stack = (stack + align - 1) / align * align;
        var plan = new ValuePlan(t, PassKind.Stack, [], stack);
        stack += (t.Size + 7) / 8 * 8;
        return plan;
    }

    /// <summary>The class of each eightbyte, or null for MEMORY.</summary>
    static Class[]? Classify(CType t)
    {
        if (t.Kind != TypeKind.Record)
        {
            if (!t.IsComplete || t.Size == 0) throw new NotSupportedException($"{t.Name} cannot be passed by value");
            if (t.Size > 8) return null; // long double, __int128 are not among the types that cross
            return [t.Scalar.IsFloat() ? Class.Sse : Class.Integer];
        }
        if (!t.IsComplete) throw new NotSupportedException($"{t.Name} is incomplete");
        if (t.Size > 16) return null;
        var classes = new Class[(t.Size + 7) / 8];
        foreach (var leaf in ScalarLeaves.Of(t))
        {
            if (leaf.Misaligned) return null;
            if (leaf.IsFloat && leaf.Size > 8) return null; // x87 long double: MEMORY as an argument and a result
            var c = leaf.IsFloat ? Class.Sse : Class.Integer;
            for (long e = leaf.Offset / 8; e <= (leaf.Offset + leaf.Size - 1) / 8; e++)
                classes[e] = Merge(classes[e], c);
        }
        return classes;
    }

    static Class Merge(Class a, Class b) =>
        a == b ? a : a == Class.NoClass ? b : b == Class.NoClass ? a
        : a == Class.Memory || b == Class.Memory ? Class.Memory
        : a == Class.Integer || b == Class.Integer ? Class.Integer : Class.Sse;
}
