using Lunet.Ffi.Types;
using Lunet.Interop;
using static Lunet.Interop.X64Assembler;

namespace Lunet.Ffi.Calls;

/// <summary>
/// One native stub per signature, and the one Lua entry all native wrappers share. Stubs
/// are never freed (a wrapper may run one at any time), so their number is bounded: past
/// <see cref="Limit"/> signatures, new ones get no native stub and run the managed one.
/// </summary>
internal static class NativeStubCache
{
    /// <summary>Native stubs made at most: a page each, 16 MiB in all.</summary>
    public const int Limit = 4096;

    static readonly Dictionary<CallShape, nint> Stubs = new();
    static nint entry;

    public static int Count { get { lock (Stubs) return Stubs.Count; } }

    /// <summary>The stub's address, or 0 where this platform or signature has no native stub.</summary>
    public static nint Get(FunctionType sig)
    {
        if (!NativeStubCompiler.Supports(sig)) return 0;
        lock (Stubs)
        {
            if (!Stubs.TryGetValue(sig.Shape, out var stub))
            {
                if (Stubs.Count >= Limit) return 0;
                // No executable pages to be had: the managed stub does the same work.
                try { stub = ExecutableMemory.Write(NativeStubCompiler.Compile(sig)); }
                catch (InvalidOperationException) { return 0; }
                Stubs[sig.Shape] = stub;
            }
            return stub;
        }
    }

    /// <summary>
    /// The lua_CFunction of every native wrapper: slot = touserdata(L, upvalue 1),
    /// then a tail call of slot's stub with (L, slot, 1).
    /// </summary>
    public static nint Entry
    {
        get
        {
            lock (Stubs) return entry != 0 ? entry : entry = ExecutableMemory.Write(EntryCode());
        }
    }

    static unsafe byte[] EntryCode()
    {
        var a = new X64Assembler();
        a.Push(Rbx);                                   // keeps the call below 16-byte aligned
        a.MovRR(Rbx, Rdi);
        a.MovImm32(Rsi, LuaApi.UpvalueIndex(1));
        a.CallAbs((nint)LuaApi.touserdata);
        a.MovRR(Rdi, Rbx);
        a.MovRR(Rsi, Rax);
        a.MovImm32(Rdx, 1);
        a.Pop(Rbx);
        a.Load64(Rax, Rsi, NativeSlot.StubOffset);
        a.JmpR(Rax);
        return a.ToArray();
    }
}
