using Lunet.Ffi.Types;
using Lunet.Interop;
using static Lunet.Interop.X64Assembler;

namespace Lunet.Ffi.Calls;

/// <summary>
/// One native stub per signature, and the one Lua entry all native wrappers share. Stubs
/// are never freed (a wrapper may run one at any time), so their number is bounded: past
/// <see cref="Limit"/> signatures, new ones get no native stub and run the managed one.
/// Signatures passing structs by value have a budget of their own (<see cref="RecordLimit"/>),
/// since only a native stub can call them: many scalar signatures cannot use it up.
/// </summary>
internal static class NativeStubCache
{
    /// <summary>Native stubs made at most for scalar signatures: a page each, 16 MiB in all.</summary>
    public const int Limit = 4096;

    /// <summary>Native stubs made at most for signatures with structs by value.</summary>
    public const int RecordLimit = 1024;

    static readonly Dictionary<CallShape, nint> Stubs = new();
    static int recordStubs;
    static nint entry;

    /// <summary>Stubs of scalar signatures (bounded by <see cref="Limit"/>).</summary>
    public static int Count { get { lock (Stubs) return Stubs.Count - recordStubs; } }

    /// <summary>Stubs of signatures with structs by value (bounded by <see cref="RecordLimit"/>).</summary>
    public static int RecordCount { get { lock (Stubs) return recordStubs; } }

    /// <summary>The stub's address, or 0 where this platform or signature has no native stub.</summary>
    public static nint Get(FunctionType sig)
    {
        if (!NativeStubCompiler.Supports(sig)) return 0;
        lock (Stubs)
        {
            if (!Stubs.TryGetValue(sig.Shape, out var stub))
            {
                bool records = PassesRecords(sig);
                if (records ? recordStubs >= RecordLimit : Stubs.Count - recordStubs >= Limit) return 0;
                // No executable pages to be had: the managed stub does the same work.
                try { stub = Native.Unwind.GuardedCode.Write(NativeStubCompiler.Compile(sig, out var frame), frame); }
                catch (InvalidOperationException) { return 0; }
                Stubs[sig.Shape] = stub;
                if (records) recordStubs++;
            }
            return stub;
        }
    }

    public static bool PassesRecords(FunctionType sig) =>
        sig.Returns.Kind == TypeKind.Record || sig.Parameters.Any(p => p.Kind == TypeKind.Record);

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
        if (LuaStackLayout.UpvalueVerified)
        {
            // Without a call: the slot's block, read from the running closure's upvalue 1 (its Udata has no user value).
            a.Load64(Rax, Rdi, LuaStackLayout.CallInfoOffset);
            a.Load64(Rax, Rax, LuaStackLayout.FuncOffset);
            a.Load64(Rax, Rax, 0);
            a.Load64(Rsi, Rax, LuaStackLayout.CClosureUpvaluesOffset);
            a.AddImm32(Rsi, LuaStackLayout.MemoryOffset, wide: true);
            NativeSlot.EmitTailCallStub(a, Rdi, 1, null);
            return a.ToArray();
        }
        a.Push(Rbx);                                   // keeps the call below 16-byte aligned
        a.MovRR(Rbx, Rdi);
        a.MovImm32(Rsi, LuaApi.UpvalueIndex(1));
        a.CallAbs((nint)LuaApi.touserdata);
        a.MovRR(Rsi, Rax);
        NativeSlot.EmitTailCallStub(a, Rbx, 1, a => a.Pop(Rbx));
        return a.ToArray();
    }
}
