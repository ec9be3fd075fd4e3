using Lunet.Interop;

namespace Lunet.Ffi.Native.Unwind;

/// <summary>
/// Writes a stub's code with its unwind records after it (<see cref="EhFrame"/>) and registers
/// them with the system unwinder, so a foreign exception leaving the stub's guarded call lands in
/// the stub instead of ending the process. Where there is no system unwinder to register with,
/// the code alone is written.
/// </summary>
internal static class GuardedCode
{
    /// <summary>Whether the stubs written here catch foreign exceptions.</summary>
    public static bool CatchesForeignExceptions => ForeignPersonality.Address != 0;

    public static nint Write(byte[] code, DescribedFrame frame)
    {
        if (!CatchesForeignExceptions) return ExecutableMemory.Write(code);
        int at = (code.Length + 7) & ~7;
        var records = EhFrame.Build(frame, code.Length, at, ForeignPersonality.Address);
        var all = new byte[at + records.Length];
        code.CopyTo(all, 0);
        all.AsSpan(code.Length, at - code.Length).Fill(0xCC);
        records.CopyTo(all, at);
        var address = ExecutableMemory.Write(all);
        SystemUnwinder.Register(address + at + EhFrame.RecordsOffset);
        return address;
    }
}
