using System.Runtime.InteropServices;
using Lunet.Ffi.Memory;
using Lunet.Interop;
using static Lunet.Interop.X64Assembler;

namespace Lunet.Ffi.Calls;

/// <summary>
/// The bound signatures of one variadic function value, kept in the block of its upvalue userdata
/// so that machine code finds them: after the GCHandle and the tag, the number of fixed parameters,
/// then <see cref="Entries"/> entries, each the key of the extra arguments' kinds and an inline
/// <see cref="NativeSlot"/> of the binding made for them. The key is 1 followed by 3 bits per extra
/// argument (<see cref="Kind"/>), so no key is 0 and an empty entry never matches.
///
/// The native entry (<see cref="EntryCode"/>) reads the Lua type of each extra argument (its tag,
/// where <see cref="LuaStackLayout"/> is verified; else lua_type and lua_isinteger), builds the
/// key and tail-calls the stub of the entry that holds it with the arguments from index 1: a call
/// whose kinds were seen before never enters C# and allocates nothing. Anything else (a miss, more
/// than <see cref="MaxExtras"/> extras, a full userdata that is an instance or view of anything but an
/// array of scalars, or not an ffi object, too few arguments) goes to the C# entry, which raises the error or binds, fills a
/// free entry and has the native side run the stub. Entries are filled once and never replaced:
/// a stub may be running from an entry (a callback may call the same function again) while C#
/// would reuse it, so past <see cref="Entries"/> kinds the C# entry makes a slot userdata per call.
/// </summary>
internal static unsafe class VariadicCache
{
    /// <summary>How the extra arguments' kinds are coded in a key (3 bits each).</summary>
    public enum Kind : byte { Integer = 1, Float = 2, String = 3, Boolean = 4, Pointer = 5 }

    public const int Entries = 16, MaxExtras = 20, BitsPerKind = 3;
    const int FixedCountOffset = 16, EntriesOffset = 32;
    const int EntryBytes = 8 + NativeSlot.Words * 8, SlotInEntry = 8;

    /// <summary>The words of the block: the handle header, the fixed count, a spare word, the entries.</summary>
    public const int BlockWords = (EntriesOffset + Entries * EntryBytes) / 8;

    public static void SetFixedCount(nint* block, int n) => block[FixedCountOffset / 8] = n;

    /// <summary>The key of kinds so far with one more extra argument of <paramref name="kind"/>.</summary>
    public static ulong Append(ulong key, Kind kind) => key << BitsPerKind | (ulong)kind;

    public const ulong EmptyKey = 1;

    /// <summary>The slot of the entry holding <paramref name="key"/>, or null.</summary>
    public static nint* Find(nint* block, ulong key)
    {
        for (int i = 0; i < Entries; i++)
        {
            var e = Entry(block, i);
            if ((ulong)e[0] == key) return e + SlotInEntry / 8;
        }
        return null;
    }

    /// <summary>
    /// Fills a free entry with <paramref name="key"/> and a slot for <paramref name="binding"/> (which
    /// has a native stub), or returns null when every entry is taken. The slot's words are copied from
    /// one made the way every wrapper's is (<see cref="CallDispatcher.PushNativeSlot"/>), so they are
    /// whatever a stub reads; only the handle is this entry's own, freed with the block.
    /// </summary>
    public static nint* Add(nint L, nint* block, ulong key, FunctionBinding binding)
    {
        for (int i = 0; i < Entries; i++)
        {
            var e = Entry(block, i);
            if (e[0] != 0) continue;
            CallDispatcher.PushNativeSlot(L, binding);
            var made = (nint*)LuaApi.touserdata(L, -1);
            var slot = e + SlotInEntry / 8;
            for (int w = 0; w < NativeSlot.Words; w++) slot[w] = made[w];
            LuaApi.settop(L, -2);
            slot[NativeSlot.HandleOffset / 8] = GCHandle.ToIntPtr(GCHandle.Alloc(binding));
            e[0] = (nint)key;
            return slot;
        }
        return null;
    }

    /// <summary>Frees every entry's handle and empties it (the block's __gc): a call after it misses and is an error.</summary>
    public static void Clear(nint* block)
    {
        for (int i = 0; i < Entries; i++)
        {
            var e = Entry(block, i);
            var handle = e[SlotInEntry / 8 + NativeSlot.HandleOffset / 8];
            new Span<byte>(e, EntryBytes).Clear();
            if (handle != 0) GCHandle.FromIntPtr(handle).Free();
        }
    }

    static nint* Entry(nint* block, int i) => (nint*)((byte*)block + EntriesOffset + i * EntryBytes);

    /// <summary>
    /// The lua_CFunction of every variadic function value; <paramref name="fallback"/> is the C# entry
    /// (behind its error thunk), which returns a result count or <see cref="NativeSlot.RunStubAtSelf"/>.
    /// <paramref name="readTags"/>: the kinds from the arguments' tags where <see cref="LuaStackLayout"/>
    /// was verified, else through lua_type and lua_isinteger.
    /// </summary>
    public static byte[] EntryCode(nint fallback, bool readTags)
    {
        var a = new X64Assembler();
        var miss = a.NewLabel();
        var loop = a.NewLabel();
        var scan = a.NewLabel();
        var add = a.NewLabel();
        var found = a.NewLabel();
        var pointer = a.NewLabel();
        var userdata = a.NewLabel();

        // Five pushes and 16 bytes of scratch keep calls 16-byte aligned.
        a.Push(Rbx); a.Push(R12); a.Push(R13); a.Push(R14); a.Push(R15);
        a.SubImm32(Rsp, 16, wide: true);
        a.MovRR(Rbx, Rdi);                            // L

        a.MovRR(Rdi, Rbx);
        a.MovImm32(Rsi, LuaApi.UpvalueIndex(1));
        a.CallAbs((nint)LuaApi.touserdata);
        a.MovRR(R12, Rax);                            // the block (the upvalue cannot be replaced: GuardedDebug)
        a.MovRR(Rdi, Rbx);
        a.CallAbs((nint)LuaApi.gettop);
        a.MovRR32(R13, Rax);                          // top
        a.Load64(R14, R12, FixedCountOffset);
        a.MovRR(Rax, R13);
        a.SubRR(Rax, R14);                            // extras; fewer arguments than fixed ones wrap to huge
        a.CmpImm32Wide(Rax, MaxExtras);
        a.Jcc(Cond.A, miss);
        a.Inc64(R14);                                 // r14: index of the first extra
        a.MovImm32(R15, (int)EmptyKey);               // r15: the key

        a.Mark(loop);
        a.CmpRR(R14, R13);
        a.Jcc(Cond.G, scan);
        if (readTags) EmitKindFromTag(a, add, userdata, miss);
        else EmitKindFromApi(a, add, userdata, miss);

        a.Mark(userdata);
        // A full userdata: an ffi object (NativeObject's check, as the stubs make it) that is not an
        // instance or view of a struct (an error, which C# raises).
        Call(a, (nint)LuaApi.touserdata);
        a.Store64(Rsp, 0, Rax);
        Call(a, (nint)LuaApi.rawlen);
        a.CmpImm32Wide(Rax, NativeObject.MinBlockBytes);
        a.Jcc(Cond.B, miss);
        a.Load64(Rcx, Rsp, 0);
        a.MovImm64(Rdx, Memory.Buffer.Cookie);
        a.CmpMemReg64(Rcx, NativeObject.CookieOffset, Rdx);
        a.Jcc(Cond.NE, miss);
        a.CmpImm32Wide(Rax, sizeof(Instance.Header));
        a.Jcc(Cond.B, pointer);
        a.MovImm64(Rdx, Instance.Tag);
        a.CmpMemReg64(Rcx, (int)Marshal.OffsetOf<Instance.Header>(nameof(Instance.Header.Tag)), Rdx);
        a.Jcc(Cond.NE, pointer);
        // An instance or view: an array of scalars (its type's native shape) is a pointer; anything else is C#'s to tell.
        a.Load64(Rdx, Rcx, (int)Marshal.OffsetOf<Instance.Header>(nameof(Instance.Header.Type)));
        a.Load32(Rax, Rdx, (int)Marshal.OffsetOf<InstanceTypes.Descriptor>(nameof(InstanceTypes.Descriptor.Shape)));
        a.CmpImm32(Rax, InstanceTypes.ShapeArray);
        a.Jcc(Cond.NE, miss);
        a.Mark(pointer);
        a.MovImm32(Rcx, (int)Kind.Pointer);

        a.Mark(add);
        a.ShlImm(R15, BitsPerKind);
        a.AddRR(R15, Rcx);
        a.Inc64(R14);
        a.Jmp(loop);

        // The entry holding the key: its stub with the arguments from index 1, as a tail call.
        a.Mark(scan);
        var hits = new Label[Entries];
        for (int i = 0; i < Entries; i++)
        {
            hits[i] = a.NewLabel();
            a.CmpRMem64(R15, R12, EntriesOffset + i * EntryBytes);
            a.Jcc(Cond.E, hits[i]);
        }
        a.Jmp(miss);
        for (int i = 0; i < Entries; i++)
        {
            a.Mark(hits[i]);
            a.Lea(Rsi, R12, EntriesOffset + i * EntryBytes + SlotInEntry);
            a.Jmp(found);
        }
        a.Mark(found);
        NativeSlot.EmitTailCallStub(a, Rbx, 1, Epilogue);

        // Anything else: the C# entry, with the Lua stack as it came; a slot it hands back runs
        // with the arguments from index 2.
        a.Mark(miss);
        NativeSlot.EmitCallAndRunStub(a, Rbx, fallback, 2, Epilogue);
        return a.ToArray();
    }

    /// <summary>rcx = the kind of argument r14 from its tag, read where <see cref="LuaStackLayout"/> says; then add, userdata or miss.</summary>
    static void EmitKindFromTag(X64Assembler a, Label add, Label userdata, Label miss)
    {
        a.Load64(Rax, Rbx, LuaStackLayout.CallInfoOffset);
        a.Load64(Rax, Rax, LuaStackLayout.FuncOffset);
        a.MovRR(Rcx, R14);
        a.ShlImm(Rcx, 4);                                // * ValueSize
        a.AddRR(Rax, Rcx);
        a.LoadExtend(Rax, Rax, LuaStackLayout.TagOffset, 1, signed: false);
        foreach (var (tag, kind) in new[]
                 {
                     (LuaStackLayout.IntegerTag, Kind.Integer), (LuaStackLayout.FloatTag, Kind.Float),
                     (LuaStackLayout.ShortStringTag, Kind.String), (LuaStackLayout.LongStringTag, Kind.String),
                     (LuaStackLayout.FalseTag, Kind.Boolean), (LuaStackLayout.TrueTag, Kind.Boolean),
                     (LuaStackLayout.LightUserdataTag, Kind.Pointer),
                 })
        {
            a.MovImm32(Rcx, (int)kind);
            a.CmpImm32(Rax, tag);
            a.Jcc(Cond.E, add);
        }
        a.CmpImm32(Rax, LuaStackLayout.UserdataTag);
        a.Jcc(Cond.E, userdata);
        a.Jmp(miss);
    }

    /// <summary>The same through lua_type and lua_isinteger, where the layout was not verified.</summary>
    static void EmitKindFromApi(X64Assembler a, Label add, Label userdata, Label miss)
    {
        var notNumber = a.NewLabel();
        Call(a, (nint)LuaApi.type);
        a.CmpImm32(Rax, LuaApi.TNUMBER);
        a.Jcc(Cond.NE, notNumber);
        Call(a, (nint)LuaApi.isinteger);
        a.MovImm32(Rcx, (int)Kind.Integer);
        a.Test32(Rax, Rax);
        a.Jcc(Cond.NE, add);
        a.MovImm32(Rcx, (int)Kind.Float);
        a.Jmp(add);

        a.Mark(notNumber);
        a.MovImm32(Rcx, (int)Kind.String);
        a.CmpImm32(Rax, LuaApi.TSTRING);
        a.Jcc(Cond.E, add);
        a.MovImm32(Rcx, (int)Kind.Boolean);
        a.CmpImm32(Rax, LuaApi.TBOOLEAN);
        a.Jcc(Cond.E, add);
        a.MovImm32(Rcx, (int)Kind.Pointer);
        a.CmpImm32(Rax, LuaApi.TLIGHTUSERDATA);
        a.Jcc(Cond.E, add);
        a.CmpImm32(Rax, LuaApi.TUSERDATA);
        a.Jcc(Cond.E, userdata);
        a.Jmp(miss);
    }

    /// <summary>fn(L, r14): the Lua API call on the extra argument being read.</summary>
    static void Call(X64Assembler a, nint function)
    {
        a.MovRR(Rdi, Rbx);
        a.MovRR32(Rsi, R14);
        a.CallAbs(function);
    }

    static void Epilogue(X64Assembler a)
    {
        a.AddImm32(Rsp, 16, wide: true);
        a.Pop(R15); a.Pop(R14); a.Pop(R13); a.Pop(R12); a.Pop(Rbx);
    }
}
