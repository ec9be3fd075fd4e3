namespace Lunet.Ffi.Calls;

/// <summary>
/// The block a native stub reads, held in the wrapper closure's upvalue userdata:
/// [0] GCHandle of the FunctionBinding (for error messages; freed by __gc),
/// [8] the handle userdata's tag (<see cref="Lunet.Interop.Metatables"/>), [16] the
/// library's closed cell (an int, non-zero once closed), [24] the stub's code,
/// [32] the target address.
/// </summary>
internal static class NativeSlot
{
    public const int Words = 5;
    public const int HandleOffset = 0, TagOffset = 8, ClosedCellOffset = 16, StubOffset = 24, TargetOffset = 32;
}
