using Lunet.Ffi.Types;

namespace Lunet.Ffi.Abi;

/// <summary>
/// The Windows x64 calling convention. Every argument takes one 8-byte slot by position: the first
/// four in registers (slot n is rcx/rdx/r8/r9 for an integer, xmm0-3 for a float or double), the
/// rest on the stack above a 32-byte shadow space the caller reserves for the callee. A record of 1,
/// 2, 4 or 8 bytes travels as an integer of that size whatever its members; any other record is copied
/// by the caller (16-byte aligned) and passed by reference, the pointer taking the slot. Results: an
/// integer or a 1/2/4/8-byte record in rax, a float or double in xmm0; any other record through a hidden
/// pointer the caller passes in the first slot (rcx), which shifts the arguments by one.
/// </summary>
public sealed class WindowsX64Convention : ICallingConvention
{
    public static readonly WindowsX64Convention Instance = new();

    public const int RegisterSlots = 4, Shadow = 32;

    public string Name => "Windows x64";

    static bool FitsRegister(CType t) => t.Size is 1 or 2 or 4 or 8;

    public ArgumentPlan Plan(FunctionType f)
    {
        int slot = 0, vecs = 0;
        ValuePlan result;
        var r = f.Returns;
        if (r.Kind == TypeKind.Void) result = ValuePlan.Nothing(r);
        else if (r.Kind == TypeKind.Record && !FitsRegister(r))
            result = new ValuePlan(r, PassKind.Reference, [Slot(RegisterClass.Integer, 0, 8, slot++)]);
        else
        {
            Check(r);
            bool vec = r.Kind != TypeKind.Record && r.Scalar.IsFloat();
            result = new ValuePlan(r, PassKind.Registers, [new Piece(vec ? RegisterClass.Vector : RegisterClass.Integer, 0, r.Size, 0)]);
        }

        var ps = new ValuePlan[f.Parameters.Count];
        for (int i = 0; i < ps.Length; i++)
        {
            var t = f.Parameters[i];
            Check(t);
            if (t.Kind == TypeKind.Record && !FitsRegister(t))
                ps[i] = new ValuePlan(t, PassKind.Reference, [Slot(RegisterClass.Integer, 0, 8, slot++)]);
            else
            {
                bool vec = t.Kind != TypeKind.Record && t.Scalar.IsFloat();
                var piece = Slot(vec ? RegisterClass.Vector : RegisterClass.Integer, 0, t.Size, slot++);
                if (vec && piece.InRegister) vecs++;
                ps[i] = new ValuePlan(t, piece.InRegister ? PassKind.Registers : PassKind.Stack, [piece], piece.StackOffset);
            }
        }
        int stack = Shadow + Math.Max(0, slot - RegisterSlots) * 8;
        return new ArgumentPlan(result, ps, stack, vecs, Shadow);
    }

    static Piece Slot(RegisterClass c, int offset, int size, int slot) =>
        slot < RegisterSlots ? new Piece(c, offset, size, slot) : new Piece(c, offset, size, -1, Shadow + (slot - RegisterSlots) * 8);

    static void Check(CType t)
    {
        if (!t.IsComplete || t.Size == 0) throw new NotSupportedException($"{t.Name} cannot be passed by value");
    }
}
