using System.Reflection;
using Iced.Intel;
using Lunet.Interop;
using IcedCode = Iced.Intel.Code;

namespace Lunet.Tests.Abi;

/// <summary>
/// The hand encoder against a real one: every <see cref="X64Assembler"/> method, over all 16
/// registers, several displacements and immediates, must produce exactly the bytes the reference
/// encoder produces for the instruction it means (memory operands with a 32-bit displacement,
/// as the hand encoder always writes them), and decode back to that instruction.
/// </summary>
public class EncoderSweepTests
{
    static readonly int[] Displacements = [0, 8, 127, 128, -8, 0x1000];
    static readonly int[] Immediates = [0, 1, -1, 127, 128, 0x7fffffff, int.MinValue, 0x1234];
    static readonly long[] Immediates64 = [0, 1, -1, 0x7fffffffL, 0x80000000L, long.MinValue, 0x123456789abcdefL];
    static readonly IEnumerable<int> Regs = Enumerable.Range(0, 16);

    static Register R64(int r) => Register.RAX + r;
    static Register R32(int r) => Register.EAX + r;
    static Register R16(int r) => Register.AX + r;
    /// <summary>The byte registers with a REX prefix: al..bl, spl..dil, r8b..r15b.</summary>
    static Register R8(int r) => r < 4 ? Register.AL + r : Register.SPL + (r - 4);
    static Register Xmm(int r) => Register.XMM0 + r;
    static MemoryOperand M(int @base, int disp) => new(R64(@base), disp, 8, false, Register.None);

    static Instruction I(IcedCode c, Register a) => Instruction.Create(c, a);
    static Instruction I(IcedCode c, Register a, Register b) => Instruction.Create(c, a, b);
    static Instruction I(IcedCode c, Register a, MemoryOperand m) => Instruction.Create(c, a, m);
    static Instruction I(IcedCode c, MemoryOperand m, Register a) => Instruction.Create(c, m, a);
    static Instruction I(IcedCode c, Register a, int imm) => Instruction.Create(c, a, imm);
    static Instruction I(IcedCode c, MemoryOperand m, int imm) => Instruction.Create(c, m, imm);

    /// <summary>One case: what the hand encoder emits, and the instructions it must mean.</summary>
    sealed record Case(string Method, string Operands, Action<X64Assembler> Emit, Func<Instruction[]> Expected);

    static IEnumerable<Case> RegCases(string method, Action<X64Assembler, int> emit, Func<int, Instruction> expected) =>
        Regs.Select(r => new Case(method, $"r{r}", a => emit(a, r), () => [expected(r)]));

    static IEnumerable<Case> RegRegCases(string method, Action<X64Assembler, int, int> emit, Func<int, int, Instruction> expected) =>
        from d in Regs from s in Regs select new Case(method, $"r{d}, r{s}", a => emit(a, d, s), () => [expected(d, s)]);

    static IEnumerable<Case> MemCases(string method, Action<X64Assembler, int, int, int> emit, Func<int, int, int, Instruction> expected) =>
        from r in Regs from b in Regs from d in Displacements
        select new Case(method, $"r{r}, [r{b} + {d}]", a => emit(a, r, b, d), () => [expected(r, b, d)]);

    static IEnumerable<Case> ImmCases(string method, Action<X64Assembler, int, int> emit, Func<int, int, Instruction> expected) =>
        from r in Regs from i in Immediates select new Case(method, $"r{r}, {i}", a => emit(a, r, i), () => [expected(r, i)]);

    static IEnumerable<Case> MemImmCases(string method, Action<X64Assembler, int, int, int> emit, Func<int, int, int, Instruction> expected) =>
        from b in Regs from d in Displacements from i in Immediates
        select new Case(method, $"[r{b} + {d}], {i}", a => emit(a, b, d, i), () => [expected(b, d, i)]);

    static IEnumerable<Case> Sweep()
    {
        IEnumerable<Case> all = [];
        void Add(IEnumerable<Case> cases) => all = all.Concat(cases);

        Add(RegCases("Push", (a, r) => a.Push(r), r => I(IcedCode.Push_r64, R64(r))));
        Add(RegCases("Pop", (a, r) => a.Pop(r), r => I(IcedCode.Pop_r64, R64(r))));
        Add([new Case("Ret", "", a => a.Ret(), () => [Instruction.Create(IcedCode.Retnq)])]);
        Add(RegRegCases("MovRR", (a, d, s) => a.MovRR(d, s), (d, s) => I(IcedCode.Mov_rm64_r64, R64(d), R64(s))));
        Add(RegRegCases("MovRR32", (a, d, s) => a.MovRR32(d, s), (d, s) => I(IcedCode.Mov_rm32_r32, R32(d), R32(s))));
        Add(from r in Regs from i in Immediates64
            select new Case("MovImm64", $"r{r}, {i}", a => a.MovImm64(r, i), () => [Instruction.Create(IcedCode.Mov_r64_imm64, R64(r), (ulong)i)]));
        Add(ImmCases("MovImm32", (a, r, i) => a.MovImm32(r, i), (r, i) => Instruction.Create(IcedCode.Mov_r32_imm32, R32(r), (uint)i)));
        Add(MemCases("Load64", (a, r, b, d) => a.Load64(r, b, d), (r, b, d) => I(IcedCode.Mov_r64_rm64, R64(r), M(b, d))));
        Add(MemCases("Load32", (a, r, b, d) => a.Load32(r, b, d), (r, b, d) => I(IcedCode.Mov_r32_rm32, R32(r), M(b, d))));
        Add(MemCases("Store64", (a, r, b, d) => a.Store64(b, d, r), (r, b, d) => I(IcedCode.Mov_rm64_r64, M(b, d), R64(r))));
        Add(MemCases("Store32", (a, r, b, d) => a.Store32(b, d, r), (r, b, d) => I(IcedCode.Mov_rm32_r32, M(b, d), R32(r))));
        Add(MemCases("Store16", (a, r, b, d) => a.Store16(b, d, r), (r, b, d) => I(IcedCode.Mov_rm16_r16, M(b, d), R16(r))));
        Add(MemCases("Store8", (a, r, b, d) => a.Store8(b, d, r), (r, b, d) => I(IcedCode.Mov_rm8_r8, M(b, d), R8(r))));
        Add(MemImmCases("StoreImm64", (a, b, d, i) => a.StoreImm64(b, d, i), (b, d, i) => I(IcedCode.Mov_rm64_imm32, M(b, d), i)));
        Add(MemCases("Lea", (a, r, b, d) => a.Lea(r, b, d), (r, b, d) => I(IcedCode.Lea_r64_m, R64(r), M(b, d))));

        foreach (var (bytes, signed) in ExtendShapes)
        {
            Add(MemCases("LoadExtend", (a, r, b, d) => a.LoadExtend(r, b, d, bytes, signed), (r, b, d) => LoadExtendExpected(r, M(b, d), bytes, signed))
                .Select(c => c with { Operands = $"{c.Operands}, {bytes}, {signed}" }));
            Add(RegRegCases("Extend", (a, d, s) => a.Extend(d, s, bytes, signed), (d, s) => ExtendExpected(d, s, bytes, signed))
                .Select(c => c with { Operands = $"{c.Operands}, {bytes}, {signed}" }));
        }

        Add(MemCases("MovsdLoad", (a, x, b, d) => a.MovsdLoad(x, b, d), (x, b, d) => I(IcedCode.Movsd_xmm_xmmm64, Xmm(x), M(b, d))));
        Add(MemCases("MovsdStore", (a, x, b, d) => a.MovsdStore(b, d, x), (x, b, d) => I(IcedCode.Movsd_xmmm64_xmm, M(b, d), Xmm(x))));
        Add(MemCases("MovssLoad", (a, x, b, d) => a.MovssLoad(x, b, d), (x, b, d) => I(IcedCode.Movss_xmm_xmmm32, Xmm(x), M(b, d))));
        Add(MemCases("MovssStore", (a, x, b, d) => a.MovssStore(b, d, x), (x, b, d) => I(IcedCode.Movss_xmmm32_xmm, M(b, d), Xmm(x))));
        Add([new Case("Cvtsd2ssXmm0", "", a => a.Cvtsd2ssXmm0(), () => [I(IcedCode.Cvtsd2ss_xmm_xmmm64, Register.XMM0, Register.XMM0)])]);
        Add([new Case("Cvtss2sdXmm0", "", a => a.Cvtss2sdXmm0(), () => [I(IcedCode.Cvtss2sd_xmm_xmmm32, Register.XMM0, Register.XMM0)])]);

        foreach (var wide in new[] { false, true })
        {
            Add(ImmCases("AddImm32", (a, r, i) => a.AddImm32(r, i, wide), (r, i) => wide ? I(IcedCode.Add_rm64_imm32, R64(r), i) : I(IcedCode.Add_rm32_imm32, R32(r), i)));
            Add(ImmCases("SubImm32", (a, r, i) => a.SubImm32(r, i, wide), (r, i) => wide ? I(IcedCode.Sub_rm64_imm32, R64(r), i) : I(IcedCode.Sub_rm32_imm32, R32(r), i)));
            Add(ImmCases("AndImm32", (a, r, i) => a.AndImm32(r, i, wide), (r, i) => wide ? I(IcedCode.And_rm64_imm32, R64(r), i) : I(IcedCode.And_rm32_imm32, R32(r), i)));
        }
        Add(RegRegCases("SubRR32", (a, d, s) => a.SubRR32(d, s), (d, s) => I(IcedCode.Sub_rm32_r32, R32(d), R32(s))));
        Add(ImmCases("CmpImm32", (a, r, i) => a.CmpImm32(r, i), (r, i) => I(IcedCode.Cmp_rm32_imm32, R32(r), i)));
        Add(ImmCases("CmpImm32Wide", (a, r, i) => a.CmpImm32Wide(r, i), (r, i) => I(IcedCode.Cmp_rm64_imm32, R64(r), i)));
        Add(MemImmCases("CmpMem32Imm", (a, b, d, i) => a.CmpMem32Imm(b, d, i), (b, d, i) => I(IcedCode.Cmp_rm32_imm32, M(b, d), i)));
        Add(MemImmCases("CmpMem64Imm", (a, b, d, i) => a.CmpMem64Imm(b, d, i), (b, d, i) => I(IcedCode.Cmp_rm64_imm32, M(b, d), i)));
        Add(from b in Regs from d in Displacements from i in new byte[] { 0, 1, 0x7f, 0x80, 0xff }
            select new Case("CmpMem8Imm", $"[r{b} + {d}], {i}", a => a.CmpMem8Imm(b, d, i), () => [I(IcedCode.Cmp_rm8_imm8, M(b, d), i)]));
        Add(RegRegCases("Test64", (a, x, y) => a.Test64(x, y), (x, y) => I(IcedCode.Test_rm64_r64, R64(x), R64(y))));
        Add(RegRegCases("Test32", (a, x, y) => a.Test32(x, y), (x, y) => I(IcedCode.Test_rm32_r32, R32(x), R32(y))));
        Add(RegRegCases("Xor32", (a, x, y) => a.Xor32(x, y), (x, y) => I(IcedCode.Xor_rm32_r32, R32(x), R32(y))));
        Add(RegRegCases("CmpRR", (a, x, y) => a.CmpRR(x, y), (x, y) => I(IcedCode.Cmp_rm64_r64, R64(x), R64(y))));
        Add(RegRegCases("AddRR", (a, x, y) => a.AddRR(x, y), (x, y) => I(IcedCode.Add_rm64_r64, R64(x), R64(y))));
        Add(RegRegCases("SubRR", (a, x, y) => a.SubRR(x, y), (x, y) => I(IcedCode.Sub_rm64_r64, R64(x), R64(y))));
        Add(MemCases("CmpMemReg64", (a, r, b, d) => a.CmpMemReg64(b, d, r), (r, b, d) => I(IcedCode.Cmp_rm64_r64, M(b, d), R64(r))));
        Add(MemCases("CmpRMem64", (a, r, b, d) => a.CmpRMem64(r, b, d), (r, b, d) => I(IcedCode.Cmp_r64_rm64, R64(r), M(b, d))));
        Add(RegRegCases("ImulImm32", (a, d, s) => a.ImulImm32(d, s, 0x48), (d, s) => Instruction.Create(IcedCode.Imul_r32_rm32_imm32, R32(d), R32(s), 0x48)));
        Add(RegCases("Inc64", (a, r) => a.Inc64(r), r => I(IcedCode.Inc_rm64, R64(r))));
        foreach (var n in new byte[] { 1, 4, 63 })
        {
            Add(RegCases("ShrImm", (a, r) => a.ShrImm(r, n), r => I(IcedCode.Shr_rm64_imm8, R64(r), n)));
            Add(RegCases("ShlImm", (a, r) => a.ShlImm(r, n), r => I(IcedCode.Shl_rm64_imm8, R64(r), n)));
        }
        Add(RegCases("CallR", (a, r) => a.CallR(r), r => I(IcedCode.Call_rm64, R64(r))));
        Add(RegCases("JmpR", (a, r) => a.JmpR(r), r => I(IcedCode.Jmp_rm64, R64(r))));
        foreach (var target in Immediates64)
        {
            Add([new Case("CallAbs", $"{target}", a => a.CallAbs((nint)target),
                () => [Instruction.Create(IcedCode.Mov_r64_imm64, Register.RAX, (ulong)target), I(IcedCode.Call_rm64, Register.RAX)])]);
            Add([new Case("JmpAbs", $"{target}", a => a.JmpAbs((nint)target),
                () => [Instruction.Create(IcedCode.Mov_r64_imm64, Register.RAX, (ulong)target), I(IcedCode.Jmp_rm64, Register.RAX)])]);
        }
        // Branches to a label 0x40 bytes before and after the branch (the hand encoder always writes rel32).
        foreach (X64Assembler.Cond c in Enum.GetValues<X64Assembler.Cond>())
            foreach (var forward in new[] { false, true })
                Add([new Case("Jcc", $"{c}, {(forward ? "forward" : "back")}", a => Branch(a, forward, l => a.Jcc(c, l)), () => BranchExpected(forward, JccCode(c)))]);
        foreach (var forward in new[] { false, true })
            Add([new Case("Jmp", forward ? "forward" : "back", a => Branch(a, forward, a.Jmp), () => BranchExpected(forward, IcedCode.Jmp_rel32_64))]);

        // The native instance paths' and the callbacks' instructions.
        Add(RegRegCases("AndRR", (a, d, s) => a.AndRR(d, s), (d, s) => I(IcedCode.And_rm64_r64, R64(d), R64(s))));
        Add(RegRegCases("ImulRR", (a, d, s) => a.ImulRR(d, s), (d, s) => I(IcedCode.Imul_r64_rm64, R64(d), R64(s))));
        foreach (var wide in new[] { false, true })
            Add(ImmCases("XorImm32", (a, r, i) => a.XorImm32(r, i, wide), (r, i) => wide ? I(IcedCode.Xor_rm64_imm32, R64(r), i) : I(IcedCode.Xor_rm32_imm32, R32(r), i)));
        var fs0 = new MemoryOperand(Register.None, Register.None, 1, 0, 8, false, Register.FS);
        var gs0 = new MemoryOperand(Register.None, Register.None, 1, 0, 8, false, Register.GS);
        Add(RegCases("LoadFs0", (a, r) => a.LoadFs0(r), r => I(IcedCode.Mov_r64_rm64, R64(r), fs0)));
        Add(RegCases("LoadGs0", (a, r) => a.LoadGs0(r), r => I(IcedCode.Mov_r64_rm64, R64(r), gs0)));
        MemoryOperand Fs(int d) => new(Register.None, Register.None, 1, d, 8, false, Register.FS);
        Add(from r in Regs from d in Displacements.Append(-0x60)
            select new Case("Load32Fs", $"r{r}, fs:[{d}]", a => a.Load32Fs(r, d), () => [I(IcedCode.Mov_r32_rm32, R32(r), Fs(d))]));
        Add(from r in Regs from d in Displacements.Append(-0x60)
            select new Case("Store32Fs", $"fs:[{d}], r{r}", a => a.Store32Fs(d, r), () => [I(IcedCode.Mov_rm32_r32, Fs(d), R32(r))]));
        Add(from b in Regs where b is not (4 or 5 or 12 or 13)
            select new Case("JmpMem0", $"[r{b}]", a => a.JmpMem0(b), () => [Instruction.Create(IcedCode.Jmp_rm64, new MemoryOperand(R64(b), 0L, 0, false, Register.None))]));
        Add(MemImmCases("LockOrMem64Imm", (a, b, d, i) => a.LockOrMem64Imm(b, d, i), (b, d, i) =>
        {
            var x = I(IcedCode.Or_rm64_imm32, M(b, d), i);
            x.HasLockPrefix = true;
            return x;
        }));
        Add(MemImmCases("TestMem64Imm", (a, b, d, i) => a.TestMem64Imm(b, d, i), (b, d, i) => I(IcedCode.Test_rm64_imm32, M(b, d), i)));
        Add([new Case("XorpsXmm0", "", a => a.XorpsXmm0(), () => [I(IcedCode.Xorps_xmm_xmmm128, Register.XMM0, Register.XMM0)])]);
        foreach (var n in new[] { 1, 8, 16 })
            Add([new Case("AlignWithInt3", $"ret, {n}", a => { a.Ret(); a.AlignWithInt3(n); },
                () => [Instruction.Create(IcedCode.Retnq), .. Enumerable.Repeat(0, (n - 1 % n) % n).Select(_ => Instruction.Create(IcedCode.Int3))])]);
        return all;
    }

    static readonly (int bytes, bool signed)[] ExtendShapes = [(1, true), (1, false), (2, true), (2, false), (4, true), (4, false), (8, true), (8, false)];

    static Instruction LoadExtendExpected(int r, MemoryOperand m, int bytes, bool signed) => (bytes, signed) switch
    {
        (1, true) => I(IcedCode.Movsx_r64_rm8, R64(r), m),
        (1, false) => I(IcedCode.Movzx_r32_rm8, R32(r), m),
        (2, true) => I(IcedCode.Movsx_r64_rm16, R64(r), m),
        (2, false) => I(IcedCode.Movzx_r32_rm16, R32(r), m),
        (4, true) => I(IcedCode.Movsxd_r64_rm32, R64(r), m),
        (4, false) => I(IcedCode.Mov_r32_rm32, R32(r), m),
        _ => I(IcedCode.Mov_r64_rm64, R64(r), m),
    };

    static Instruction ExtendExpected(int d, int s, int bytes, bool signed) => (bytes, signed) switch
    {
        (1, true) => I(IcedCode.Movsx_r64_rm8, R64(d), R8(s)),
        (1, false) => I(IcedCode.Movzx_r32_rm8, R32(d), R8(s)),
        (2, true) => I(IcedCode.Movsx_r64_rm16, R64(d), R16(s)),
        (2, false) => I(IcedCode.Movzx_r32_rm16, R32(d), R16(s)),
        (4, true) => I(IcedCode.Movsxd_r64_rm32, R64(d), R32(s)),
        (4, false) => I(IcedCode.Mov_rm32_r32, R32(d), R32(s)),
        _ => I(IcedCode.Mov_rm64_r64, R64(d), R64(s)),
    };

    const int BranchGap = 0x40;

    /// <summary>A branch at 0x40 with the label at 0 (back) or at 0x40 + 6 + 0x40 (forward); nops fill the gaps.</summary>
    static void Branch(X64Assembler a, bool forward, Action<X64Assembler.Label> emit)
    {
        var l = a.NewLabel();
        if (!forward) a.Mark(l);
        for (int i = 0; i < BranchGap; i++) a.Xor32(0, 0); // 2 bytes each: 0x80 bytes before the branch
        emit(l);
        for (int i = 0; i < BranchGap; i++) a.Xor32(0, 0);
        if (forward) a.Mark(l);
    }

    static Instruction[] BranchExpected(bool forward, IcedCode code)
    {
        var gap = Enumerable.Repeat(0, BranchGap).Select(_ => I(IcedCode.Xor_rm32_r32, Register.EAX, Register.EAX));
        int length = code == IcedCode.Jmp_rel32_64 ? 5 : 6;
        ulong at = 2 * BranchGap;
        ulong target = forward ? at + (ulong)length + 2 * BranchGap : 0;
        return [.. gap, Instruction.CreateBranch(code, target), .. gap];
    }

    static IcedCode JccCode(X64Assembler.Cond c) => c switch
    {
        X64Assembler.Cond.E => IcedCode.Je_rel32_64,
        X64Assembler.Cond.NE => IcedCode.Jne_rel32_64,
        X64Assembler.Cond.A => IcedCode.Ja_rel32_64,
        X64Assembler.Cond.B => IcedCode.Jb_rel32_64,
        X64Assembler.Cond.L => IcedCode.Jl_rel32_64,
        X64Assembler.Cond.G => IcedCode.Jg_rel32_64,
        X64Assembler.Cond.AE => IcedCode.Jae_rel32_64,
        X64Assembler.Cond.BE => IcedCode.Jbe_rel32_64,
        X64Assembler.Cond.GE => IcedCode.Jge_rel32_64,
        X64Assembler.Cond.LE => IcedCode.Jle_rel32_64,
        _ => throw new ArgumentOutOfRangeException(nameof(c), c, "a condition the sweep does not know: add it"),
    };

    /// <summary>The reference encoder's bytes for <paramref name="instructions"/> placed from address 0.</summary>
    static byte[] Encode(Instruction[] instructions)
    {
        var w = new CodeWriterImpl();
        var e = Encoder.Create(64, w);
        ulong ip = 0;
        foreach (var i in instructions)
        {
            if (!e.TryEncode(i, ip, out uint length, out var error)) throw new InvalidOperationException($"reference encoder: {error} ({i})");
            ip += length;
        }
        return w.ToArray();
    }

    internal static List<Instruction> Decode(byte[] code)
    {
        var d = Decoder.Create(64, new ByteArrayCodeReader(code));
        var list = new List<Instruction>();
        while (d.IP < (ulong)code.Length) list.Add(d.Decode());
        return list;
    }

    static string Text(IEnumerable<Instruction> list)
    {
        var f = new NasmFormatter();
        return string.Join("; ", list.Select(i =>
        {
            var o = new StringOutput();
            f.Format(i, o);
            return o.ToStringAndReset();
        }));
    }

    [Fact]
    public void EveryMethodEncodesAsTheReferenceEncoderDoes()
    {
        var failures = new List<string>();
        int count = 0;
        foreach (var c in Sweep())
        {
            count++;
            var a = new X64Assembler();
            c.Emit(a);
            var ours = a.ToArray();
            var expected = c.Expected();
            var reference = Encode(expected);
            if (!ours.AsSpan().SequenceEqual(reference))
                failures.Add($"{c.Method}({c.Operands}): {Convert.ToHexString(ours)} decodes as '{Text(Decode(ours))}', " +
                    $"expected {Convert.ToHexString(reference)} '{Text(Decode(reference))}'");
        }
        Assert.True(count > 10000, $"only {count} cases");
        Assert.True(failures.Count == 0, $"{failures.Count} of {count} encodings differ:\n" + string.Join("\n", failures.Take(40)));
    }

    [Fact]
    public void EveryPublicMethodHasSweepCases()
    {
        var infrastructure = new HashSet<string> { nameof(X64Assembler.NewLabel), nameof(X64Assembler.Mark), nameof(X64Assembler.ToArray), "get_" + nameof(X64Assembler.Length) };
        var swept = Sweep().Select(c => c.Method).ToHashSet();
        var missing = typeof(X64Assembler).GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Select(m => m.Name).Where(n => !infrastructure.Contains(n) && !swept.Contains(n)).Distinct().ToList();
        Assert.True(missing.Count == 0, "X64Assembler methods with no sweep cases (add them to Sweep()): " + string.Join(", ", missing));
    }

    sealed class CodeWriterImpl : CodeWriter
    {
        readonly List<byte> bytes = new();
        public override void WriteByte(byte value) => bytes.Add(value);
        public byte[] ToArray() => bytes.ToArray();
    }
}
