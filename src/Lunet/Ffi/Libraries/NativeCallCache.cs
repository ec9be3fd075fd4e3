using System.Runtime.InteropServices;
using Lunet.Ffi.Calls;
using Lunet.Interop;
using static Lunet.Interop.X64Assembler;

namespace Lunet.Ffi.Libraries;

/// <summary>
/// lib:call's fast path in machine code (x86-64 System V). The library's handle
/// userdata holds a direct-mapped table of call sites keyed by the address of the
/// interned function-name string; each entry stores the return-type and
/// argument-type string addresses it was made for and an inline native slot
/// (<see cref="NativeSlot"/>). The entry code checks all of them against the call's
/// arguments (every element of the argument-type table, every call) and tail-calls
/// the signature's native stub with argBase 5; anything else (a miss, a long string,
/// more than <see cref="MaxArgs"/> arguments) calls the C# lib:call, which binds the
/// function and returns <see cref="NativeSlot.RunStubAtSelf"/> with the binding's slot at stack
/// index 1: the entry then runs that stub. So no call runs a managed stub where a native
/// one exists (a managed stub is run-time IL, which a NativeAOT build cannot make).
/// </summary>
internal static unsafe class NativeCallCache
{
    public const int Entries = 64, MaxArgs = 8;

    // Entry layout: the slot (handle, unused tag, closed cell, stub, target), then the key.
    const int NameOffset = NativeSlot.Words * 8, RetOffset = NameOffset + 8, CountOffset = RetOffset + 8, ArgsOffset = CountOffset + 8;
    public const int EntrySize = ArgsOffset + MaxArgs * 8;
    /// <summary>Where the entries start in the library's handle userdata (after its GCHandle and its tag).</summary>
    public const int TableOffset = 16;
    public const int BlockWords = (TableOffset + Entries * EntrySize) / 8;

    public static bool IsSupported => NativeStubCompiler.IsSupported;


    static nint entry;

    /// <summary>The lua_CFunction of every library's lib:call; <paramref name="fallback"/> is the C# entry it jumps to on a miss.</summary>
    public static nint Entry(nint fallback)
    {
        lock (typeof(NativeCallCache))
            return entry != 0 ? entry : entry = ExecutableMemory.Write(Compile(fallback));
    }

    static nint EntryAt(nint block, nint name) => block + TableOffset + (nint)(((ulong)name >> 4) & (Entries - 1)) * EntrySize;

    /// <summary>Records a call site; the strings at 2, 3 and the argument-type table's elements are anchored by the caller.</summary>
    public static void Add(nint L, nint block, nint name, nint ret, nint[] args, FunctionBinding binding)
    {
        if (binding.NativeStub == 0 || args.Length > MaxArgs) return;
        var e = (nint*)EntryAt(block, name);
        if (e[0] != 0) GCHandle.FromIntPtr(e[0]).Free();
        e[0] = GCHandle.ToIntPtr(GCHandle.Alloc(binding));
        NativeSlot.Fill(L, e, binding);
        e[NameOffset / 8] = name;
        e[RetOffset / 8] = ret;
        e[CountOffset / 8] = args.Length;
        for (int i = 0; i < args.Length; i++) e[ArgsOffset / 8 + i] = args[i];
    }

    /// <summary>Frees the entries' handles (the library handle's __gc, and close).</summary>
    public static void Clear(nint block)
    {
        for (int i = 0; i < Entries; i++)
        {
            var e = (nint*)(block + TableOffset + i * EntrySize);
            if (e[0] != 0) GCHandle.FromIntPtr(e[0]).Free();
            new Span<byte>(e, EntrySize).Clear();
        }
    }

    static byte[] Compile(nint fallback)
    {
        var a = new X64Assembler();
        var miss = a.NewLabel();
        var nilTypes = a.NewLabel();
        var loop = a.NewLabel();
        var matched = a.NewLabel();

        // Four pushes and 8 bytes of scratch keep calls 16-byte aligned.
        a.Push(Rbx); a.Push(R12); a.Push(R13); a.Push(R14);
        a.SubImm32(Rsp, 8, wide: true);
        a.MovRR(Rbx, Rdi);

        a.MovRR(Rdi, Rbx);
        a.MovImm32(Rsi, LuaApi.UpvalueIndex(1));
        a.CallAbs((nint)LuaApi.touserdata);
        a.MovRR(R12, Rax);                       // the library's handle block

        // Self (argument 1) is not read: the closure is the library's own. A wrong self with a
        // cached name/types still calls this library's function with checked arguments; a missing
        // colon shifts the strings, so they miss and the C# path raises the error.

        Call(a, (nint)LuaApi.topointer, 2);      // the name string's address picks the entry
        a.MovRR(Rcx, Rax);
        a.ShrImm(Rcx, 4);
        a.AndImm32(Rcx, Entries - 1);
        a.ImulImm32(Rcx, Rcx, EntrySize);
        a.MovRR(R13, R12);
        a.AddRR(R13, Rcx);
        a.AddImm32(R13, TableOffset, wide: true);
        a.CmpRMem64(Rax, R13, NameOffset);
        a.Jcc(Cond.NE, miss);

        Call(a, (nint)LuaApi.topointer, 3);
        a.CmpRMem64(Rax, R13, RetOffset);
        a.Jcc(Cond.NE, miss);

        Call(a, (nint)LuaApi.type, 4);
        a.CmpImm32(Rax, LuaApi.TNIL);
        a.Jcc(Cond.E, nilTypes);
        a.CmpImm32(Rax, LuaApi.TTABLE);
        a.Jcc(Cond.NE, miss);
        Call(a, (nint)LuaApi.rawlen, 4);
        a.CmpRMem64(Rax, R13, CountOffset);
        a.Jcc(Cond.NE, miss);
        a.Test64(Rax, Rax);                      // {}: nothing more to compare
        a.Jcc(Cond.E, matched);

        if (LuaTableLayout.IsVerified)
        {
            // Read the array part directly: for each i < count <= alimit, types[i + 1] must be the very
            // short string (tag LUA_VSHRSTR | collectable) recorded in the entry.
            var slow = a.NewLabel();
            Call(a, (nint)LuaApi.topointer, 4);
            a.Load32(Rcx, Rax, LuaTableLayout.AlimitOffset);
            a.CmpRMem64(Rcx, R13, CountOffset);
            a.Jcc(Cond.B, slow);
            a.Load64(Rcx, Rax, LuaTableLayout.ArrayOffset);     // rcx: TValue *array
            a.MovRR(Rdx, R13);                                  // rdx: &args[0] - ArgsOffset
            a.Xor32(R14, R14);
            var next = a.NewLabel();
            a.Mark(next);
            a.MovRR(Rax, R14);
            a.CmpRMem64(Rax, R13, CountOffset);
            a.Jcc(Cond.GE, matched);
            a.Load64(Rax, Rcx, 0);
            a.CmpRMem64(Rax, Rdx, ArgsOffset);
            a.Jcc(Cond.NE, miss);
            a.CmpMem8Imm(Rcx, LuaStackLayout.TagOffset, LuaStackLayout.ShortStringTag);
            a.Jcc(Cond.NE, miss);
            a.AddImm32(Rcx, 16, wide: true);
            a.AddImm32(Rdx, 8, wide: true);
            a.Inc64(R14);
            a.Jmp(next);
            a.Mark(slow);
        }

        // for r14 = 0 .. count-1: topointer(types[r14 + 1]) == args[r14]
        a.Xor32(R14, R14);
        a.Mark(loop);
        a.MovRR(Rax, R14);
        a.CmpRMem64(Rax, R13, CountOffset);
        a.Jcc(Cond.GE, matched);
        a.MovRR(Rdi, Rbx);
        a.MovImm32(Rsi, 4);
        a.MovRR(Rdx, R14);
        a.Inc64(Rdx);
        a.CallAbs((nint)LuaApi.rawgeti);
        a.MovRR(Rdi, Rbx);
        a.MovImm32(Rsi, -1);
        a.CallAbs((nint)LuaApi.topointer);
        a.Store64(Rsp, 0, Rax);
        a.MovRR(Rdi, Rbx);
        a.MovImm32(Rsi, -2);
        a.CallAbs((nint)LuaApi.settop);
        a.MovRR(Rcx, R14);
        a.ShlImm(Rcx, 3);
        a.AddRR(Rcx, R13);
        a.Load64(Rax, Rsp, 0);
        a.CmpRMem64(Rax, Rcx, ArgsOffset);
        a.Jcc(Cond.NE, miss);
        a.Inc64(R14);
        a.Jmp(loop);

        a.Mark(nilTypes);
        a.CmpMem64Imm(R13, CountOffset, 0);
        a.Jcc(Cond.NE, miss);

        // Hit: stub(L, &entry.slot, 5), as a tail call.
        a.Mark(matched);
        a.MovRR(Rsi, R13);
        NativeSlot.EmitTailCallStub(a, Rbx, 5, Epilogue);

        // Miss: the C# lib:call, with the Lua stack as it came. It returns a result count, or
        // RunStubAtSelf: then stub(L, slot at index 1, 5), as a tail call.
        a.Mark(miss);
        NativeSlot.EmitCallAndRunStub(a, Rbx, fallback, 5, Epilogue);
        return a.ToArray();
    }

    static void Epilogue(X64Assembler a)
    {
        a.AddImm32(Rsp, 8, wide: true);
        a.Pop(R14); a.Pop(R13); a.Pop(R12); a.Pop(Rbx);
    }

    static void Call(X64Assembler a, nint function, int index)
    {
        a.MovRR(Rdi, Rbx);
        a.MovImm32(Rsi, index);
        a.CallAbs(function);
    }
}
