namespace Lunet.Interop;

/// <summary>
/// The handful of x86-64 instructions the native call stubs need, encoded by hand
/// from the Intel manual's tables. Memory operands are always [base + disp32].
/// </summary>
internal sealed class X64Assembler
{
    public const int Rax = 0, Rcx = 1, Rdx = 2, Rbx = 3, Rsp = 4, Rbp = 5, Rsi = 6, Rdi = 7,
        R8 = 8, R9 = 9, R10 = 10, R11 = 11, R12 = 12, R13 = 13, R14 = 14, R15 = 15;

    public enum Cond : byte { E = 0x4, NE = 0x5, A = 0x7, B = 0x2, L = 0xC, G = 0xF, AE = 0x3, BE = 0x6, GE = 0xD, LE = 0xE }

    readonly List<byte> code = new(256);
    readonly List<(int at, Label label)> fixups = new();

    public sealed class Label { public int Position = -1; }

    public Label NewLabel() => new();
    public void Mark(Label l) => l.Position = code.Count;

    void B(params byte[] bytes) => code.AddRange(bytes);
    void I32(int v) => code.AddRange(BitConverter.GetBytes(v));

    void Rex(bool w, int reg, int rm, bool force = false)
    {
        int rex = 0x40 | (w ? 8 : 0) | ((reg & 8) != 0 ? 4 : 0) | ((rm & 8) != 0 ? 1 : 0);
        if (rex != 0x40 || force) B((byte)rex);
    }

    /// <summary>ModRM (+SIB) + disp32 for [base + disp].</summary>
    void Mem(int reg, int @base, int disp)
    {
        B((byte)(0x80 | ((reg & 7) << 3) | (@base & 7)));
        if ((@base & 7) == Rsp) B(0x24);
        I32(disp);
    }

    void RegReg(int reg, int rm) => B((byte)(0xC0 | ((reg & 7) << 3) | (rm & 7)));

    public void Push(int r) { Rex(false, 0, r); B((byte)(0x50 + (r & 7))); }
    public void Pop(int r) { Rex(false, 0, r); B((byte)(0x58 + (r & 7))); }
    public void Ret() => B(0xC3);

    public void MovRR(int dst, int src) { Rex(true, src, dst); B(0x89); RegReg(src, dst); }
    public void MovRR32(int dst, int src) { Rex(false, src, dst); B(0x89); RegReg(src, dst); }
    public void MovImm64(int dst, long imm) { Rex(true, 0, dst); B((byte)(0xB8 + (dst & 7))); code.AddRange(BitConverter.GetBytes(imm)); }
    public void MovImm32(int dst, int imm) { Rex(false, 0, dst); B((byte)(0xB8 + (dst & 7))); I32(imm); }

    public void Load64(int dst, int @base, int disp) { Rex(true, dst, @base); B(0x8B); Mem(dst, @base, disp); }
    public void Load32(int dst, int @base, int disp) { Rex(false, dst, @base); B(0x8B); Mem(dst, @base, disp); }
    public void Store64(int @base, int disp, int src) { Rex(true, src, @base); B(0x89); Mem(src, @base, disp); }
    public void StoreImm64(int @base, int disp, int imm) { Rex(true, 0, @base); B(0xC7); Mem(0, @base, disp); I32(imm); }
    public void Lea(int dst, int @base, int disp) { Rex(true, dst, @base); B(0x8D); Mem(dst, @base, disp); }

    /// <summary>Loads a narrow integer from memory, sign- or zero-extended to 64 bits.</summary>
    public void LoadExtend(int dst, int @base, int disp, int bytes, bool signed)
    {
        switch (bytes, signed)
        {
            case (1, true): Rex(true, dst, @base); B(0x0F, 0xBE); break;
            case (1, false): Rex(false, dst, @base); B(0x0F, 0xB6); break;
            case (2, true): Rex(true, dst, @base); B(0x0F, 0xBF); break;
            case (2, false): Rex(false, dst, @base); B(0x0F, 0xB7); break;
            case (4, true): Rex(true, dst, @base); B(0x63); break;
            case (4, false): Rex(false, dst, @base); B(0x8B); break;
            default: Rex(true, dst, @base); B(0x8B); break;
        }
        Mem(dst, @base, disp);
    }

    /// <summary>Extends the low <paramref name="bytes"/> of a register in place into <paramref name="dst"/>.</summary>
    public void Extend(int dst, int src, int bytes, bool signed)
    {
        switch (bytes, signed)
        {
            case (1, true): Rex(true, dst, src); B(0x0F, 0xBE); break;
            case (1, false): Rex(false, dst, src, force: src >= 4); B(0x0F, 0xB6); break;
            case (2, true): Rex(true, dst, src); B(0x0F, 0xBF); break;
            case (2, false): Rex(false, dst, src); B(0x0F, 0xB7); break;
            case (4, true): Rex(true, dst, src); B(0x63); break;
            case (4, false): Rex(false, src, dst); B(0x89); RegReg(src, dst); return;
            default: Rex(true, src, dst); B(0x89); RegReg(src, dst); return;
        }
        RegReg(dst, src);
    }

    public void MovsdLoad(int xmm, int @base, int disp) { B(0xF2); Rex(false, xmm, @base); B(0x0F, 0x10); Mem(xmm, @base, disp); }
    public void MovsdStore(int @base, int disp, int xmm) { B(0xF2); Rex(false, xmm, @base); B(0x0F, 0x11); Mem(xmm, @base, disp); }
    public void MovssLoad(int xmm, int @base, int disp) { B(0xF3); Rex(false, xmm, @base); B(0x0F, 0x10); Mem(xmm, @base, disp); }
    public void MovssStore(int @base, int disp, int xmm) { B(0xF3); Rex(false, xmm, @base); B(0x0F, 0x11); Mem(xmm, @base, disp); }
    public void Cvtsd2ssXmm0() => B(0xF2, 0x0F, 0x5A, 0xC0);
    public void Cvtss2sdXmm0() => B(0xF3, 0x0F, 0x5A, 0xC0);

    public void AddImm32(int r, int imm, bool wide = false) { Rex(wide, 0, r); B(0x81); RegReg(0, r); I32(imm); }
    public void SubImm32(int r, int imm, bool wide = false) { Rex(wide, 0, r); B(0x81); RegReg(5, r); I32(imm); }
    public void SubRR32(int dst, int src) { Rex(false, src, dst); B(0x29); RegReg(src, dst); }
    public void CmpImm32(int r, int imm) { Rex(false, 0, r); B(0x81); RegReg(7, r); I32(imm); }
    public void CmpMem32Imm(int @base, int disp, int imm) { Rex(false, 0, @base); B(0x81); Mem(7, @base, disp); I32(imm); }
    public void Test64(int a, int b) { Rex(true, b, a); B(0x85); RegReg(b, a); }
    public void Test32(int a, int b) { Rex(false, b, a); B(0x85); RegReg(b, a); }
    public void Xor32(int a, int b) { Rex(false, b, a); B(0x31); RegReg(b, a); }

    public void CallR(int r) { Rex(false, 0, r); B(0xFF); RegReg(2, r); }
    public void JmpR(int r) { Rex(false, 0, r); B(0xFF); RegReg(4, r); }

    /// <summary>movabs rax, target ; call rax</summary>
    public void CallAbs(nint target)
    {
        MovImm64(Rax, target);
        CallR(Rax);
    }

    public void Jcc(Cond c, Label l) { B(0x0F, (byte)(0x80 | (byte)c)); fixups.Add((code.Count, l)); I32(0); }
    public void Jmp(Label l) { B(0xE9); fixups.Add((code.Count, l)); I32(0); }

    public byte[] ToArray()
    {
        var bytes = code.ToArray();
        foreach (var (at, label) in fixups)
        {
            if (label.Position < 0) throw new InvalidOperationException("unmarked label");
            BitConverter.TryWriteBytes(bytes.AsSpan(at, 4), label.Position - (at + 4));
        }
        return bytes;
    }

    // Compares, masks and shifts for the native Buffer members and lib:call's call-site table.

    /// <summary>cmp a, b (64-bit): flags of a - b.</summary>
    public void CmpRR(int a, int b) { Rex(true, b, a); B(0x39); RegReg(b, a); }
    /// <summary>cmp [base + disp], reg (64-bit).</summary>
    public void CmpMemReg64(int @base, int disp, int reg) { Rex(true, reg, @base); B(0x39); Mem(reg, @base, disp); }
    /// <summary>cmp r64, imm32 (sign-extended).</summary>
    public void CmpImm32Wide(int r, int imm) { Rex(true, 0, r); B(0x81); RegReg(7, r); I32(imm); }
    public void AddRR(int dst, int src) { Rex(true, src, dst); B(0x01); RegReg(src, dst); }
    public void SubRR(int dst, int src) { Rex(true, src, dst); B(0x29); RegReg(src, dst); }
    public void AndImm32(int r, int imm, bool wide = false) { Rex(wide, 0, r); B(0x81); RegReg(4, r); I32(imm); }
    public void ShrImm(int r, byte imm) { Rex(true, 0, r); B(0xC1); RegReg(5, r); B(imm); }
    public void ShlImm(int r, byte imm) { Rex(true, 0, r); B(0xC1); RegReg(4, r); B(imm); }
    public void Store8(int @base, int disp, int src) { Rex(false, src, @base, force: src >= 4); B(0x88); Mem(src, @base, disp); }
    public void Store16(int @base, int disp, int src) { B(0x66); Rex(false, src, @base); B(0x89); Mem(src, @base, disp); }
    public void Store32(int @base, int disp, int src) { Rex(false, src, @base); B(0x89); Mem(src, @base, disp); }
    public void ImulImm32(int dst, int src, int imm) { Rex(false, dst, src); B(0x69); RegReg(dst, src); I32(imm); }
    public void Inc64(int r) { Rex(true, 0, r); B(0xFF); RegReg(0, r); }
    /// <summary>cmp r64, [base + disp]</summary>
    public void CmpRMem64(int r, int @base, int disp) { Rex(true, r, @base); B(0x3B); Mem(r, @base, disp); }
    /// <summary>cmp byte [base + disp], imm8</summary>
    public void CmpMem8Imm(int @base, int disp, byte imm) { Rex(false, 0, @base); B(0x80); Mem(7, @base, disp); B(imm); }
    /// <summary>cmp qword [base + disp], imm32 (sign-extended)</summary>
    public void CmpMem64Imm(int @base, int disp, int imm) { Rex(true, 0, @base); B(0x81); Mem(7, @base, disp); I32(imm); }
    /// <summary>movabs rax, target ; jmp rax (a tail jump).</summary>
    public void JmpAbs(nint target) { MovImm64(Rax, target); JmpR(Rax); }

    // For the native instance paths (Ffi/Memory/InstanceNative.cs): a field table's mask, an element's address, ffi.new's cache.

    /// <summary>and dst, src (64-bit).</summary>
    public void AndRR(int dst, int src) { Rex(true, src, dst); B(0x21); RegReg(src, dst); }
    /// <summary>imul dst, src (64-bit, the low 64 bits kept).</summary>
    public void ImulRR(int dst, int src) { Rex(true, dst, src); B(0x0F, 0xAF); RegReg(dst, src); }
    /// <summary>xor r, imm32 (sign-extended when wide): ffi.new's cache, the other entry of a two-entry bucket.</summary>
    public void XorImm32(int r, int imm, bool wide = false) { Rex(wide, 0, r); B(0x81); RegReg(6, r); I32(imm); }

    // Callbacks (Ffi/Callbacks: the code slots, the trampolines and the stubs' call hooks).

    /// <summary>mov dst, fs:[0]: the thread pointer (Linux and the BSDs on x86-64: the thread's TCB address).</summary>
    public void LoadFs0(int dst) { B(0x64); Rex(true, dst, 0); B(0x8B); B((byte)(0x04 | ((dst & 7) << 3)), 0x25); I32(0); }
    /// <summary>mov dst, gs:[0] (macOS on x86-64: the thread's own pthread pointer, its first TSD slot).</summary>
    public void LoadGs0(int dst) { B(0x65); Rex(true, dst, 0); B(0x8B); B((byte)(0x04 | ((dst & 7) << 3)), 0x25); I32(0); }
    /// <summary>jmp qword [base] (no displacement; base must not be rsp, rbp, r12 or r13).</summary>
    public void JmpMem0(int @base) { Rex(false, 0, @base); B(0xFF); B((byte)(0x20 | (@base & 7))); }
    /// <summary>lock or qword [base + disp], imm32</summary>
    public void LockOrMem64Imm(int @base, int disp, int imm) { B(0xF0); Rex(true, 0, @base); B(0x81); Mem(1, @base, disp); I32(imm); }
    /// <summary>test qword [base + disp], imm32</summary>
    public void TestMem64Imm(int @base, int disp, int imm) { Rex(true, 0, @base); B(0xF7); Mem(0, @base, disp); I32(imm); }
    /// <summary>xorps xmm0, xmm0</summary>
    public void XorpsXmm0() => B(0x0F, 0x57, 0xC0);
    /// <summary>Pads with int3 up to a multiple of <paramref name="alignment"/> bytes.</summary>
    public void AlignWithInt3(int alignment) { while (code.Count % alignment != 0) B(0xCC); }
    // errno across ffi calls (Ffi/Calls/ErrnoCell.cs): errno lives at a fixed offset from the thread pointer.
    /// <summary>mov dst32, fs:[disp32] (no base: the thread-pointer-relative address itself).</summary>
    public void Load32Fs(int dst, int disp) { B(0x64); Rex(false, dst, 0); B(0x8B); B((byte)(0x04 | ((dst & 7) << 3)), 0x25); I32(disp); }
    /// <summary>mov fs:[disp32], src32</summary>
    public void Store32Fs(int disp, int src) { B(0x64); Rex(false, src, 0); B(0x89); B((byte)(0x04 | ((src & 7) << 3)), 0x25); I32(disp); }
    public int Length => code.Count;
}
