using Iced.Intel;
using Lunet.Ffi.Calls;
using Lunet.Ffi.Native.Unwind;
using Lunet.Ffi.Types;
using IcedCode = Iced.Intel.Code;

namespace Lunet.Tests.Abi;

/// <summary>
/// Each native stub's unwind description says what its code does: decoding the stub with the
/// reference decoder and following rsp (pushes, pops, the frame's sub and add), the CFA the
/// DWARF instructions give (rsp + offset) matches at every instruction of the prologue, at the
/// guarded call's return, through the way out, and after it (the error paths and the landing
/// run in the body's frame). The records around it are checked by the real unwinder in
/// Ffi/CxxExceptionTests.
/// </summary>
public class StubUnwindInfoTests
{
    [Fact]
    public void EveryStubsDescriptionFollowsItsCode()
    {
        if (!NativeStubCompiler.IsSupported) return;
        foreach (var sig in StubDisassemblyTests.ScalarSignatures().Concat(StubDisassemblyTests.RecordSignatures()))
            Check(sig);
    }

    static void Check(FunctionType sig)
    {
        var code = NativeStubCompiler.Compile(sig, out var frame);
        var rows = Rows(frame.Instructions);
        var list = EncoderSweepTests.Decode(code);
        int ret = list.FindIndex(i => i.Code == IcedCode.Retnq);
        Assert.True(ret > 0, sig.Name);

        // rsp below the entry's, instruction by instruction, up to the way out's ret.
        int depth = 0, bodyDepth = -1, prologueEnd = -1;
        for (int k = 0; k <= ret; k++)
        {
            var i = list[k];
            bool inPrologue = prologueEnd < 0;
            bool atReturn = (int)i.IP == frame.GuardedReturn;
            bool inWayOut = k >= ret - 1 - PopsBefore(list, ret);
            if (inPrologue || atReturn || inWayOut)
                Assert.True(8 + depth == CfaAt(rows, (int)i.IP), $"{sig.Name}: at {i.IP} ({i}) the CFA is rsp + {8 + depth}, described as rsp + {CfaAt(rows, (int)i.IP)}");
            depth += RspChange(i);
            if (inPrologue && i.Mnemonic == Mnemonic.Sub && i.Op0Register == Register.RSP)
            {
                prologueEnd = (int)i.NextIP;
                bodyDepth = depth;
            }
        }
        Assert.True(frame.GuardedReturn > prologueEnd && prologueEnd > 0, $"{sig.Name}: the guarded call is not in the body");
        // After the ret: the body's frame again (the error paths, the landing).
        Assert.Equal(8 + bodyDepth, CfaAt(rows, (int)list[ret].NextIP));
        Assert.Equal(8 + bodyDepth, CfaAt(rows, frame.Landing!.Position));
        Assert.True(depth == 0, $"{sig.Name}: the way out leaves rsp {depth} bytes below the return address");
    }

    /// <summary>The pops (and the frame's add) just before the ret at <paramref name="ret"/>.</summary>
    static int PopsBefore(List<Instruction> list, int ret)
    {
        int n = 0;
        while (ret - 1 - n >= 0 && list[ret - 1 - n].Mnemonic == Mnemonic.Pop) n++;
        return n;
    }

    static int RspChange(Instruction i) => i.Mnemonic switch
    {
        Mnemonic.Push => 8,
        Mnemonic.Pop => -8,
        Mnemonic.Sub when i.Op0Register == Register.RSP => (int)i.GetImmediate(1),
        Mnemonic.Add when i.Op0Register == Register.RSP => -(int)i.GetImmediate(1),
        _ => 0,
    };

    /// <summary>The CFA's offset from rsp at <paramref name="at"/>: the last row at or before it.</summary>
    static int CfaAt(List<(int At, int Cfa)> rows, int at) => rows.Last(r => r.At <= at).Cfa;

    /// <summary>The rows of a CIE-initial state (CFA = rsp + 8) followed by <paramref name="cfi"/>.</summary>
    static List<(int At, int Cfa)> Rows(byte[] cfi)
    {
        var rows = new List<(int, int)> { (0, 8) };
        var saved = new Stack<int>();
        int at = 0, cfa = 8, p = 0;
        while (p < cfi.Length)
        {
            byte op = cfi[p++];
            switch (op >> 6)
            {
                case 1: at += op & 0x3F; continue;          // advance_loc
                case 2: Uleb(cfi, ref p); continue;         // offset: where a register is saved
                case 3: continue;                           // restore a register
            }
            switch (op)
            {
                case 0x02: at += cfi[p++]; break;
                case 0x03: at += BitConverter.ToUInt16(cfi, p); p += 2; break;
                case 0x04: at += BitConverter.ToInt32(cfi, p); p += 4; break;
                case 0x0E: cfa = Uleb(cfi, ref p); break;
                case 0x0A: saved.Push(cfa); break;
                case 0x0B: cfa = saved.Pop(); break;
                case 0x00: break;
                default: throw new InvalidOperationException($"unexpected call-frame instruction 0x{op:x2}");
            }
            rows.Add((at, cfa));
        }
        return rows;
    }

    static int Uleb(byte[] b, ref int p)
    {
        int v = 0, shift = 0;
        byte x;
        do { x = b[p++]; v |= (x & 0x7F) << shift; shift += 7; } while ((x & 0x80) != 0);
        return v;
    }
}
