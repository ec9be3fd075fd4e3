using Lunet.Ffi.Types;

namespace Lunet.Ffi.Abi;

/// <summary>
/// The AArch64 procedure call standard (AAPCS64, as Linux uses it). Integers and pointers go in x0-x7,
/// floats and doubles in v0-v7, then on the stack in 8-byte slots. A homogeneous floating-point
/// aggregate (HFA: a record of one to four members of one floating-point type, nesting and arrays
/// flattened) goes in consecutive v registers, one member each, or wholly on the stack when too few are
/// left (and then no later argument gets a v register). Any other record of up to 16 bytes goes in one
/// or two x registers (an even-numbered first one when it is 16-byte aligned) or wholly on the stack;
/// a larger one is copied by the caller and passed by reference. Results: an HFA in v0-v3, a record of
/// up to 16 bytes in x0/x1, a larger one in memory whose address the caller passes in x8 (register
/// index 8 here), which takes no argument register.
/// </summary>
public sealed class Aapcs64Convention : ICallingConvention
{
    public static readonly Aapcs64Convention Instance = new();

    public const int IntegerRegisters = 8, VectorRegisterCount = 8, IndirectResultRegister = 8;

    public string Name => "AArch64 AAPCS64";

    public ArgumentPlan Plan(FunctionType f)
    {
        int ngrn = 0, nsrn = 0, nsaa = 0;
        var result = Result(f.Returns);
        var ps = new ValuePlan[f.Parameters.Count];
        for (int i = 0; i < ps.Length; i++)
        {
            var t = f.Parameters[i];
            Check(t);
            if (t.Kind != TypeKind.Record)
            {
                var c = t.Scalar.IsFloat() ? RegisterClass.Vector : RegisterClass.Integer;
                ref int next = ref c == RegisterClass.Vector ? ref nsrn : ref ngrn;
                ps[i] = next < 8 ? new ValuePlan(t, PassKind.Registers, [new Piece(c, 0, t.Size, next++)]) : OnStack(t, ref nsaa);
                continue;
            }
            if (Homogeneous(t) is { } hfa)
            {
                if (nsrn + hfa.count <= VectorRegisterCount)
                {
                    var pieces = Enumerable.Range(0, hfa.count).Select(m => new Piece(RegisterClass.Vector, m * hfa.size, hfa.size, nsrn++)).ToArray();
                    ps[i] = new ValuePlan(t, PassKind.Registers, pieces);
                }
                else
                {
                    nsrn = VectorRegisterCount;
                    ps[i] = OnStack(t, ref nsaa);
                }
                continue;
            }
            if (t.Size > 16)
            {
                // By reference: the pointer is an integer argument like any other.
                ps[i] = new ValuePlan(t, PassKind.Reference,
                    [ngrn < IntegerRegisters ? new Piece(RegisterClass.Integer, 0, 8, ngrn++) : StackPointer(ref nsaa)]);
                continue;
            }
            int words = (t.Size + 7) / 8;
            if (t.Alignment == 16) ngrn = (ngrn + 1) & ~1;
            if (ngrn + words <= IntegerRegisters)
            {
                var pieces = Enumerable.Range(0, words).Select(w => new Piece(RegisterClass.Integer, w * 8, Math.Min(8, t.Size - w * 8), ngrn++)).ToArray();
                ps[i] = new ValuePlan(t, PassKind.Registers, pieces);
            }
            else
            {
                ngrn = IntegerRegisters;
                ps[i] = OnStack(t, ref nsaa);
            }
        }
        return new ArgumentPlan(result, ps, (nsaa + 15) & ~15, 0);
    }

    static ValuePlan Result(CType t)
    {
        if (t.Kind == TypeKind.Void) return ValuePlan.Nothing(t);
        Check(t);
        if (t.Kind != TypeKind.Record)
            return new ValuePlan(t, PassKind.Registers, [new Piece(t.Scalar.IsFloat() ? RegisterClass.Vector : RegisterClass.Integer, 0, t.Size, 0)]);
        if (Homogeneous(t) is { } hfa)
            return new ValuePlan(t, PassKind.Registers, Enumerable.Range(0, hfa.count).Select(m => new Piece(RegisterClass.Vector, m * hfa.size, hfa.size, m)).ToArray());
        if (t.Size > 16)
            return new ValuePlan(t, PassKind.Reference, [new Piece(RegisterClass.Integer, 0, 8, IndirectResultRegister)]);
        return new ValuePlan(t, PassKind.Registers,
            Enumerable.Range(0, (t.Size + 7) / 8).Select(w => new Piece(RegisterClass.Integer, w * 8, Math.Min(8, t.Size - w * 8), w)).ToArray());
    }

    /// <summary>The member count and size of a homogeneous floating-point aggregate, or null if <paramref name="t"/> is none.</summary>
    public static (int count, int size)? Homogeneous(CType t)
    {
        if (t.Size > ScalarLeaves.MaxClassified || t.Size == 0) return null;
        var leaves = ScalarLeaves.Of(t);
        if (leaves.Count == 0 || leaves.Any(l => !l.IsFloat || l.Misaligned)) return null;
        int size = leaves[0].Size;
        if (leaves.Any(l => l.Size != size || l.Offset % size != 0)) return null;
        int count = leaves.Select(l => l.Offset).Distinct().Count();
        if (count > 4 || t.Size != count * size) return null;
        return (count, size);
    }

    static ValuePlan OnStack(CType t, ref int nsaa)
    {
        int align = t.Alignment >= 16 ? 16 : 8;
        nsaa = (nsaa + align - 1) / align * align;
        var plan = new ValuePlan(t, PassKind.Stack, [], nsaa);
        nsaa += (t.Size + 7) / 8 * 8;
        return plan;
    }

    static Piece StackPointer(ref int nsaa)
    {
        var p = new Piece(RegisterClass.Integer, 0, 8, -1, nsaa);
        nsaa += 8;
        return p;
    }

    static void Check(CType t)
    {
        if (!t.IsComplete || t.Size == 0) throw new NotSupportedException($"{t.Name} cannot be passed by value");
    }
}
