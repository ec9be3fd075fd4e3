using Lunet.Interop;
using static Lunet.Interop.X64Assembler;

namespace Lunet.Ffi.Calls;

/// <summary>
/// The block a native stub reads, held in the wrapper closure's upvalue userdata:
/// [0] GCHandle of the FunctionBinding (for error messages; freed by __gc),
/// [8] the handle userdata's tag (<see cref="Lunet.Interop.Metatables"/>), [16] the
/// library's closed cell (an int, non-zero once closed), [24] the stub's code,
/// [32] the target address, [40] the signature's types as this runtime knows them
/// (<see cref="Memory.InstanceTypes.SignatureTypes"/>; 0 when it has none to check).
/// </summary>
internal static unsafe class NativeSlot
{
    public const int Words = 6;
    public const int HandleOffset = 0, TagOffset = 8, ClosedCellOffset = 16, StubOffset = 24, TargetOffset = 32, TypesOffset = 40;

    /// <summary>Fills a slot's words for <paramref name="binding"/> (all but the handle and its tag).</summary>
    public static unsafe void Fill(nint L, nint* slot, FunctionBinding binding)
    {
        slot[TargetOffset / sizeof(nint)] = binding.Target;
        slot[ClosedCellOffset / sizeof(nint)] = binding.ClosedCell;
        slot[StubOffset / sizeof(nint)] = binding.NativeStub;
        slot[TypesOffset / sizeof(nint)] = (nint)Memory.InstanceTypes.SignatureTypes(L, binding.Signature);
    }

    /// <summary>
    /// What a C# entry returns to have its native entry run a stub: C# must not run one (it raises
    /// with lua_error), so it puts the binding's slot userdata at stack index 1 and returns this.
    /// </summary>
    public const int RunStubAtSelf = -2;

    /// <summary>
    /// The native entry's side: calls the C# entry at <paramref name="entry"/> with L (kept in
    /// <paramref name="stateReg"/>); a result count is returned as it is, and
    /// <see cref="RunStubAtSelf"/> becomes stub(L, slot at index 1, <paramref name="argBase"/>) as a
    /// tail call. <paramref name="epilogue"/> undoes the entry's frame before each way out.
    /// </summary>
    public static void EmitCallAndRunStub(X64Assembler a, int stateReg, nint entry, int argBase, Action<X64Assembler> epilogue)
    {
        var done = a.NewLabel();
        a.MovRR(Rdi, stateReg);
        a.MovImm64(Rax, entry);
        a.CallR(Rax);
        a.CmpImm32(Rax, RunStubAtSelf);
        a.Jcc(Cond.NE, done);
        a.MovRR(Rdi, stateReg);
        a.MovImm32(Rsi, 1);
        a.CallAbs((nint)LuaApi.touserdata);
        a.MovRR(Rsi, Rax);
        EmitTailCallStub(a, stateReg, argBase, epilogue);
        a.Mark(done);
        epilogue(a);
        a.Ret();
    }

    /// <summary>
    /// stub(L, slot, argBase) as a tail call, the slot in rsi and L in <paramref name="stateReg"/>:
    /// how every native entry hands a call to the slot's stub. <paramref name="epilogue"/> (if any)
    /// undoes the entry's frame first.
    /// </summary>
    public static void EmitTailCallStub(X64Assembler a, int stateReg, int argBase, Action<X64Assembler>? epilogue)
    {
        if (stateReg != Rdi) a.MovRR(Rdi, stateReg);
        a.MovImm32(Rdx, argBase);
        epilogue?.Invoke(a);
        a.Load64(Rax, Rsi, StubOffset);
        a.JmpR(Rax);
    }
}
