using Lunet.Ffi.Calls;
using Lunet.Ffi.Types;
using Lunet.Interop;
using static Lunet.Interop.X64Assembler;
using static Lunet.Ffi.Memory.NativeAccess;

namespace Lunet.Ffi.Memory;

/// <summary>
/// Native (x86-64 System V) fast paths for the hottest Buffer members: __index,
/// read, write and readBytes. Each is a Lua C function in machine code, pushed with
/// the same upvalues as its C# twin (upvalue 1 the managed function, 2 the Buffer
/// state, 3 for __index the members table and 4 the methods by name). It handles the common, valid calls
/// entirely through the Lua C API, never entering .NET; anything else (a bad self,
/// a non-integer offset, an unknown or non-scalar type name, out of bounds, a value
/// it does not convert) is handed unchanged, with the Lua stack untouched and
/// nothing written, to the C# function through <see cref="CFunction.EntryThunkAddress"/>,
/// which produces the result or the exact error message.
///
/// Self check: touserdata(L, 1) non-null and rawlen(L, 1) ≥ sizeof(Header) (together:
/// a full userdata, as rawlen is 0 for a light one), header.Cookie == <see cref="Buffer.Cookie"/>
/// and header.Tag == <see cref="Buffer.Tag"/>: the rule of <see cref="NativeObject.KindOf"/>.
/// Type names: the string's address looked up in the direct-mapped table of the
/// state block (filled by <see cref="BufferTypeCache"/> for built-in scalar names,
/// whose strings it anchors), then checked to be a string.
/// </summary>
internal static unsafe class BufferNative
{
    /// <summary>Entries in the state block's type table: { nint stringAddress; int kind; int size }.</summary>
    public const int TypeSlots = 64;
    public const int TypeEntrySize = 16;

    public static bool IsSupported => NativeStubCompiler.IsSupported;

    /// <summary>The table slot of a string address.</summary>
    public static int Slot(nint address) => (int)((address >> 4) & (TypeSlots - 1));

    /// <summary>The kinds the native read/write handle (the table holds only these).</summary>
    public static bool Handles(CType t) => NativeAccess.Handles(t);

    /// <summary>Writes the table entry for the string at <paramref name="key"/> (its slot's previous entry is dropped).</summary>
    public static void Publish(nint table, nint key, CType t)
    {
        if (table == 0 || !Handles(t)) return;
        byte* e = (byte*)table + Slot(key) * TypeEntrySize;
        *(nint*)e = key;
        *(int*)(e + 8) = (int)t.Scalar;
        *(int*)(e + 12) = t.Size;
    }

    public readonly record struct Entries(nint Index, nint Read, nint Write, nint ReadBytes);

    /// <summary>Compiles the four functions for a state block with the member-name addresses at <paramref name="keysOffset"/> and the type table at <paramref name="typesOffset"/>.</summary>
    public static Entries Compile(int keysOffset, int memberCount, int methodCount, int sizeMember, int typesOffset) => new(
        ExecutableMemory.Write(CompileIndex(keysOffset, memberCount, methodCount, sizeMember)),
        ExecutableMemory.Write(CompileAccess(typesOffset, write: false)),
        ExecutableMemory.Write(CompileAccess(typesOffset, write: true)),
        ExecutableMemory.Write(CompileReadBytes()));

    /// <summary>r12 = the Buffer header at argument 1, or jump to <paramref name="fb"/>.</summary>
    static void Self(X64Assembler a, Label fb)
    {
        FullUserdata(a, 1, sizeof(Buffer.Header), R12, fb);
        a.MovImm64(Rax, Buffer.Cookie);
        a.CmpMemReg64(R12, HeaderOffset(nameof(Buffer.Header.Cookie)), Rax);
        a.Jcc(Cond.NE, fb);
        a.MovImm64(Rax, Buffer.Tag);
        a.CmpMemReg64(R12, HeaderOffset(nameof(Buffer.Header.Tag)), Rax);
        a.Jcc(Cond.NE, fb);
    }

    static int HeaderOffset(string field) => (int)System.Runtime.InteropServices.Marshal.OffsetOf<Buffer.Header>(field);

    static readonly int SizeWord = HeaderOffset(nameof(Buffer.Header.Size)), AddressWord = HeaderOffset(nameof(Buffer.Header.Address));

    /// <summary>read(L) / write(L): self, offset, type name at 3, bounds, then the load or the store.</summary>
    static byte[] CompileAccess(int typesOffset, bool write)
    {
        var a = new X64Assembler();
        var fb = a.NewLabel();
        Prologue(a);
        Self(a, fb);                 // r12 = header
        Integer(a, 2, R13, fb);      // r13 = offset

        // The type name: r15 = its table entry (relative to typesOffset), r14 = the string address.
        Call(a, (nint)LuaApi.topointer, 3);
        a.MovRR(R14, Rax);
        Call(a, (nint)LuaApi.touserdata, LuaApi.UpvalueIndex(2)); // the state block
        a.MovRR(R15, R14);
        a.ShrImm(R15, 4);
        a.AndImm32(R15, TypeSlots - 1, wide: true);
        a.ShlImm(R15, 4);
        a.AddRR(R15, Rax);
        a.CmpMemReg64(R15, typesOffset, R14);
        a.Jcc(Cond.NE, fb);
        CallType(a, 3);              // a light userdata may carry the same address: only a string counts
        a.CmpImm32(Rax, LuaApi.TSTRING);
        a.Jcc(Cond.NE, fb);
        a.Load32(R14, R15, typesOffset + 8);               // r14 = kind
        a.LoadExtend(R15, R15, typesOffset + 12, 4, true); // r15 = width

        // Bounds: size >= width && (ulong)offset <= (ulong)(size - width).
        a.Load64(Rax, R12, SizeWord);
        a.SubRR(Rax, R15);
        a.Jcc(Cond.L, fb);
        a.CmpRR(R13, Rax);
        a.Jcc(Cond.A, fb);
        a.Load64(Rax, R12, AddressWord);
        a.AddRR(R13, Rax);           // r13 = address

        return FinishAccess(a, write, 4, fb);
    }

    /// <summary>readBytes(L): self, offset, length, bounds, pushlstring.</summary>
    static byte[] CompileReadBytes()
    {
        var a = new X64Assembler();
        var fb = a.NewLabel();
        Prologue(a);
        Self(a, fb);
        Integer(a, 2, R13, fb);      // offset
        Integer(a, 3, R14, fb);      // length
        a.Test64(R14, R14);
        a.Jcc(Cond.L, fb);
        a.MovImm64(Rax, LuaOps.MaxPushLength);  // past the string limit: C# says so
        a.CmpRR(R14, Rax);
        a.Jcc(Cond.A, fb);
        a.Load64(Rax, R12, SizeWord);
        a.CmpRR(R14, Rax);
        a.Jcc(Cond.A, fb);
        a.SubRR(Rax, R14);
        a.CmpRR(R13, Rax);
        a.Jcc(Cond.A, fb);
        a.Load64(Rsi, R12, AddressWord);
        a.AddRR(Rsi, R13);
        a.MovRR(Rdx, R14);
        a.MovRR(Rdi, Rbx);
        a.CallAbs((nint)LuaApi.pushlstring); // may raise a memory error: a longjmp across native frames only
        Return(a, 1);
        Fallback(a, fb);
        return a.ToArray();
    }

    /// <summary>
    /// __index(L): a method through the by-name table (upvalue 4, string keys only: a hit is a
    /// method, whatever the key), else size / ptr by the interned name's address; anything else to C#.
    /// </summary>
    static byte[] CompileIndex(int keysOffset, int memberCount, int methodCount, int sizeMember)
    {
        var a = new X64Assembler();
        var fb = a.NewLabel();
        var notMethod = a.NewLabel();
        Prologue(a);
        Call(a, (nint)LuaApi.pushvalue, 2);
        Call(a, (nint)LuaApi.rawget, LuaApi.UpvalueIndex(4));
        a.CmpImm32(Rax, LuaApi.TFUNCTION);
        a.Jcc(Cond.NE, notMethod);
        Return(a, 1);

        a.Mark(notMethod);
        Call(a, (nint)LuaApi.settop, -2); // the stack as it came
        Call(a, (nint)LuaApi.topointer, 2);
        a.MovRR(R13, Rax);
        Call(a, (nint)LuaApi.touserdata, LuaApi.UpvalueIndex(2));
        a.MovRR(R12, Rax);
        var hits = new Label[memberCount];
        for (int i = methodCount; i < memberCount; i++)
        {
            hits[i] = a.NewLabel();
            a.CmpMemReg64(R12, keysOffset + i * 8, R13);
            a.Jcc(Cond.E, hits[i]);
        }
        a.Jmp(fb);

        for (int i = methodCount; i < memberCount; i++)
        {
            a.Mark(hits[i]);
            CallType(a, 2);
            a.CmpImm32(Rax, LuaApi.TSTRING);
            a.Jcc(Cond.NE, fb);
            Self(a, fb);
            a.Load64(Rsi, R12, i == sizeMember ? SizeWord : AddressWord);
            a.MovRR(Rdi, Rbx);
            a.CallAbs(i == sizeMember ? (nint)LuaApi.pushinteger : (nint)LuaApi.pushlightuserdata);
            Return(a, 1);
        }
        Fallback(a, fb);
        return a.ToArray();
    }
}
