using Lunet.Interop;
using static Lunet.Interop.X64Assembler;

namespace Lunet.Ffi.Native.Unwind;

/// <summary>
/// A stub's frame (x86-64), emitted together with its description in DWARF call-frame
/// instructions, so the description follows the code instruction by instruction: pushes of
/// callee-saved registers, then a fixed allocation; one way out, after which the body's frame
/// holds again (its error paths follow). The guarded call is the one call a foreign exception
/// may leave (the target's): the personality routine claims exceptions only there, and
/// sends them to the landing. <see cref="EhFrame"/> turns this into the records the unwinder reads.
/// </summary>
internal sealed class DescribedFrame(X64Assembler a)
{
    // DWARF call-frame instructions (the x86-64 psABI's register numbers, data alignment -8).
    const byte AdvanceLoc = 0x40, AdvanceLoc1 = 0x02, AdvanceLoc2 = 0x03, AdvanceLoc4 = 0x04;
    const byte DefCfaOffset = 0x0E, Offset = 0x80, Restore = 0xC0, RememberState = 0x0A, RestoreState = 0x0B;

    /// <summary>DWARF register numbers by the assembler's (rax rcx rdx rbx rsp rbp rsi rdi r8-r15).</summary>
    static readonly byte[] Dwarf = [0, 2, 1, 3, 7, 6, 4, 5, 8, 9, 10, 11, 12, 13, 14, 15];

    readonly List<byte> instructions = new();
    readonly List<int> saved = new();
    int described;          // the code offset the instructions reach
    int cfa = 8;            // CFA − rsp: the return address alone at entry
    int allocated;

    /// <summary>The call-frame instructions after the common entry state (CFA = rsp + 8, return address at CFA − 8).</summary>
    public byte[] Instructions => instructions.ToArray();

    /// <summary>Where the guarded call returns to, from the start of the code (-1: none).</summary>
    public int GuardedReturn { get; private set; } = -1;

    /// <summary>Where a foreign exception leaving the guarded call lands.</summary>
    public Label? Landing { get; private set; }

    /// <summary>Pushes <paramref name="registers"/>, then reserves <paramref name="bytes"/> below them.</summary>
    public void EmitPrologue(int[] registers, int bytes)
    {
        foreach (var r in registers)
        {
            a.Push(r);
            Advance();
            cfa += 8;
            Op(DefCfaOffset); Uleb(cfa);
            Op((byte)(Offset | Dwarf[r])); Uleb(cfa / 8);
            saved.Add(r);
        }
        a.SubImm32(Rsp, bytes, wide: true);
        Advance();
        cfa += bytes;
        allocated = bytes;
        Op(DefCfaOffset); Uleb(cfa);
    }

    /// <summary>Frees the frame, pops the saved registers and returns; the code after it is described as the body again.</summary>
    public void EmitReturn()
    {
        Advance();
        Op(RememberState);
        a.AddImm32(Rsp, allocated, wide: true);
        Advance();
        cfa -= allocated;
        Op(DefCfaOffset); Uleb(cfa);
        for (int i = saved.Count - 1; i >= 0; i--)
        {
            a.Pop(saved[i]);
            Advance();
            cfa -= 8;
            Op(DefCfaOffset); Uleb(cfa);
            Op((byte)(Restore | Dwarf[saved[i]]));
        }
        a.Ret();
        Advance();
        Op(RestoreState);
        cfa += allocated + 8 * saved.Count;
    }

    /// <summary>call <paramref name="target"/>: the one call whose foreign exceptions land at <paramref name="landing"/>.</summary>
    public void EmitGuardedCall(int target, Label landing)
    {
        if (GuardedReturn >= 0) throw new InvalidOperationException("a frame guards one call");
        a.CallR(target);
        GuardedReturn = a.Length;
        Landing = landing;
    }

    /// <summary>An advance to the assembler's position, when it moved.</summary>
    void Advance()
    {
        int delta = a.Length - described;
        if (delta == 0) return;
        if (delta < 0x40) Op((byte)(AdvanceLoc | delta));
        else if (delta <= byte.MaxValue) { Op(AdvanceLoc1); Op((byte)delta); }
        else if (delta <= ushort.MaxValue) { Op(AdvanceLoc2); instructions.AddRange(BitConverter.GetBytes((ushort)delta)); }
        else { Op(AdvanceLoc4); instructions.AddRange(BitConverter.GetBytes(delta)); }
        described = a.Length;
    }

    void Op(byte b) => instructions.Add(b);

    void Uleb(int v)
    {
        uint u = (uint)v;
        do
        {
            byte b = (byte)(u & 0x7F);
            u >>= 7;
            instructions.Add(u != 0 ? (byte)(b | 0x80) : b);
        } while (u != 0);
    }
}
