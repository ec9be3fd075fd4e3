namespace Lunet.Interop;

/// <summary>Shifts, masks and 64-bit compares: what a hashed lookup in native code needs.</summary>
internal sealed partial class X64Assembler
{
    public const Cond GreaterOrEqual = (Cond)0xD;
    public const Cond Below = (Cond)0x2;

    public void ShrImm(int r, byte n) { Rex(true, 0, r); B(0xC1); RegReg(5, r); B(n); }
    public void ShlImm(int r, byte n) { Rex(true, 0, r); B(0xC1); RegReg(4, r); B(n); }
    public void AndImm32(int r, int imm) { Rex(false, 0, r); B(0x81); RegReg(4, r); I32(imm); }
    public void ImulImm32(int dst, int src, int imm) { Rex(false, dst, src); B(0x69); RegReg(dst, src); I32(imm); }
    public void AddRR(int dst, int src) { Rex(true, src, dst); B(0x01); RegReg(src, dst); }
    public void Inc64(int r) { Rex(true, 0, r); B(0xFF); RegReg(0, r); }

    /// <summary>cmp r64, [base + disp]</summary>
    public void CmpRMem64(int r, int @base, int disp) { Rex(true, r, @base); B(0x3B); Mem(r, @base, disp); }

    /// <summary>cmp byte [base + disp], imm8</summary>
    public void CmpMem8Imm(int @base, int disp, byte imm) { Rex(false, 0, @base); B(0x80); Mem(7, @base, disp); B(imm); }

    /// <summary>cmp qword [base + disp], imm32 (sign-extended)</summary>
    public void CmpMem64Imm(int @base, int disp, int imm) { Rex(true, 0, @base); B(0x81); Mem(7, @base, disp); I32(imm); }
}
