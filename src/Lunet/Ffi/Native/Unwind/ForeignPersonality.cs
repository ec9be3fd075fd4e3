using Lunet.Interop;
using static Lunet.Interop.X64Assembler;

namespace Lunet.Ffi.Native.Unwind;

/// <summary>
/// The personality routine of every stub's frame, as machine code (it runs inside the system
/// unwinder, so it touches neither .NET nor Lua): it claims any exception that leaves a stub's
/// guarded call (<see cref="DescribedFrame.EmitGuardedCall"/>, found from the frame's
/// language-specific data, <see cref="EhFrame"/>), and in the cleanup phase sends it to the
/// stub's landing with the exception's address in rax. A forced unwind (thread cancellation)
/// and anything leaving another call of the stub pass through.
///
/// <c>_Unwind_Reason_Code personality(int version, _Unwind_Action actions, uint64_t exceptionClass,
/// struct _Unwind_Exception *exception, struct _Unwind_Context *context)</c>
/// </summary>
internal static class ForeignPersonality
{
    const int SearchPhase = 1, HandlerFrame = 4, ForceUnwind = 8;
    const int HandlerFound = 6, InstallContext = 7, ContinueUnwind = 8;
    const int RaxColumn = 0;

    /// <summary>The routine's address; 0 where stubs get no unwind records (no system unwinder).</summary>
    public static readonly nint Address =
        SystemUnwinder.IsAvailable && Calls.NativeStubCompiler.IsSupported ? ExecutableMemory.Write(Code()) : 0;

    internal static byte[] Code()
    {
        var a = new X64Assembler();
        var pass = a.NewLabel();
        var found = a.NewLabel();
        var done = a.NewLabel();
        // Five pushes: entered with rsp ≡ 8 (mod 16), the calls below are aligned.
        a.Push(Rbx); a.Push(R12); a.Push(R13); a.Push(R14); a.Push(R15);
        a.MovRR32(Rbx, Rsi);                                // actions
        a.MovRR(R12, Rcx);                                  // the exception
        a.MovRR(R13, R8);                                   // the context

        // Only an exception leaving the guarded call: its return address is the one the LSDA names.
        a.MovRR(Rdi, R13);
        a.CallAbs(SystemUnwinder.GetLanguageSpecificData);
        a.MovRR(R14, Rax);
        a.Test64(R14, R14);
        a.Jcc(Cond.E, pass);
        a.MovRR(Rdi, R13);
        a.CallAbs(SystemUnwinder.GetRegionStart);
        a.MovRR(R15, Rax);
        a.MovRR(Rdi, R13);
        a.CallAbs(SystemUnwinder.GetIP);
        a.SubRR(Rax, R15);
        a.LoadExtend(Rcx, R14, 0, 4, signed: true);
        a.CmpRR(Rax, Rcx);
        a.Jcc(Cond.NE, pass);

        a.MovRR32(Rax, Rbx);
        a.AndImm32(Rax, SearchPhase);
        a.Jcc(Cond.NE, found);
        a.MovRR32(Rax, Rbx);
        a.AndImm32(Rax, ForceUnwind);
        a.Jcc(Cond.NE, pass);
        a.MovRR32(Rax, Rbx);
        a.AndImm32(Rax, HandlerFrame);
        a.Jcc(Cond.E, pass);

        // The handler frame: rax = the exception, and on to the landing.
        a.MovRR(Rdi, R13);
        a.MovImm32(Rsi, RaxColumn);
        a.MovRR(Rdx, R12);
        a.CallAbs(SystemUnwinder.SetGR);
        a.LoadExtend(Rsi, R14, 4, 4, signed: true);
        a.AddRR(Rsi, R15);
        a.MovRR(Rdi, R13);
        a.CallAbs(SystemUnwinder.SetIP);
        a.MovImm32(Rax, InstallContext);
        a.Jmp(done);

        a.Mark(found);
        a.MovImm32(Rax, HandlerFound);
        a.Jmp(done);
        a.Mark(pass);
        a.MovImm32(Rax, ContinueUnwind);
        a.Mark(done);
        a.Pop(R15); a.Pop(R14); a.Pop(R13); a.Pop(R12); a.Pop(Rbx);
        a.Ret();
        return a.ToArray();
    }
}
