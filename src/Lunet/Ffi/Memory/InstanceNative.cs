using System.Runtime.InteropServices;
using Lunet.Ffi.Calls;
using Lunet.Interop;
using static Lunet.Interop.X64Assembler;
using static Lunet.Ffi.Memory.NativeAccess;
using Descriptor = Lunet.Ffi.Memory.InstanceTypes.Descriptor;
using Slot = Lunet.Ffi.Memory.InstanceTypes.Slot;

namespace Lunet.Ffi.Memory;

/// <summary>
/// Native (x86-64 System V) fast paths for instances and views: __index, __newindex and
/// ffi.new. Each is a Lua C function in machine code, compiled once per process, with its C#
/// twin in upvalue 1 (<see cref="CFunction.PushNative"/>). It handles the common, valid cases
/// through the Lua C API alone, never entering .NET: a scalar field of a record found in the
/// type's field table (<see cref="InstanceTypes"/>), an in-bounds integer index of an array of
/// scalars, and ffi.new(T) of a type object or name already seen. Anything else (an unknown or non-scalar
/// field, a bitfield, a key of another type, an index out of bounds, a value it does not
/// convert, an initialiser) is handed unchanged, with the Lua stack untouched and nothing
/// written, to the C# function, which produces the result or the exact error message.
///
/// Self check: touserdata(L, 1) non-null and rawlen(L, 1) ≥ sizeof(Header) (a full userdata,
/// as rawlen is 0 for a light one), then the header's tag and the process cookie: a script
/// cannot make a userdata carrying both, so the type word after them can be trusted.
/// Field keys: the key's address (lua_topointer) looked up in the table, then checked to be a
/// string (a light userdata can carry the same address; an empty slot's key 0 matches every
/// key that is not an object, which the string check then refuses).
/// </summary>
internal static unsafe class InstanceNative
{
    public static bool IsSupported => NativeStubCompiler.IsSupported;

    public readonly record struct Entries(nint Index, nint NewIndex, nint New);

    public static readonly Lazy<Entries> Compiled = new(() => new(
        ExecutableMemory.Write(CompileAccess(write: false)),
        ExecutableMemory.Write(CompileAccess(write: true)),
        ExecutableMemory.Write(CompileNew())));

    static int HeaderOffset(string field) => (int)Marshal.OffsetOf<Instance.Header>(field);
    static int DescriptorOffset(string field) => (int)Marshal.OffsetOf<Descriptor>(field);
    static int SlotOffset(string field) => sizeof(Descriptor) + (int)Marshal.OffsetOf<Slot>(field);
    static int NewEntryOffset(string field) => (int)Marshal.OffsetOf<InstanceTypes.NewEntry>(field);

    /// <summary>r12 = the instance header at argument 1 and r14 = its type block, or jump to <paramref name="fb"/>.</summary>
    static void Self(X64Assembler a, Label fb)
    {
        FullUserdata(a, 1, sizeof(Instance.Header), R12, fb);
        EmitIsInstance(a, R12, fb);
        a.Load64(R14, R12, HeaderOffset(nameof(Instance.Header.Type)));
    }

    /// <summary>
    /// A block of at least an instance header's size in <paramref name="header"/>: on to the next instruction
    /// when it carries the instance tag and the process cookie (no script can write both), else a jump to
    /// <paramref name="no"/> (rax is used). The call stubs check an instance argument the same way.
    /// </summary>
    public static void EmitIsInstance(X64Assembler a, int header, Label no)
    {
        a.MovImm64(Rax, Instance.Tag);
        a.CmpMemReg64(header, HeaderOffset(nameof(Instance.Header.Tag)), Rax);
        a.Jcc(Cond.NE, no);
        a.MovImm64(Rax, Buffer.Cookie);
        a.CmpMemReg64(header, HeaderOffset(nameof(Instance.Header.Cookie)), Rax);
        a.Jcc(Cond.NE, no);
    }

    /// <summary>
    /// __index(L) / __newindex(L): r13 = the field's or element's address and r14 = its kind, then the
    /// load (pushed) or the store of the value at 3.
    /// </summary>
    static byte[] CompileAccess(bool write)
    {
        var a = new X64Assembler();
        var fb = a.NewLabel();
        var array = a.NewLabel();
        var access = a.NewLabel();
        Prologue(a);
        Self(a, fb);
        a.Load32(Rax, R14, DescriptorOffset(nameof(Descriptor.Shape)));
        a.CmpImm32(Rax, InstanceTypes.ShapeArray);
        a.Jcc(Cond.E, array);
        a.CmpImm32(Rax, InstanceTypes.ShapeRecord);
        a.Jcc(Cond.NE, fb);

        // A record: r15 = the key's slot, r13 = the key's address.
        Call(a, (nint)LuaApi.topointer, 2);
        a.MovRR(R13, Rax);
        a.MovRR(R15, Rax);
        a.ShrImm(R15, InstanceTypes.SlotShift);
        a.Load32(Rax, R14, DescriptorOffset(nameof(Descriptor.Mask)));
        a.AndRR(R15, Rax);
        a.ShlImm(R15, 4);
        a.AddRR(R15, R14);
        a.CmpMemReg64(R15, SlotOffset(nameof(Slot.Key)), R13);
        a.Jcc(Cond.NE, fb);
        CallType(a, 2);
        a.CmpImm32(Rax, LuaApi.TSTRING);
        a.Jcc(Cond.NE, fb);
        a.Load32(R14, R15, SlotOffset(nameof(Slot.Kind)));
        a.LoadExtend(R13, R15, SlotOffset(nameof(Slot.Offset)), 4, signed: true);
        a.Load64(Rax, R12, HeaderOffset(nameof(Instance.Header.Address)));
        a.AddRR(R13, Rax);
        a.Jmp(access);

        // An array of scalars: an integer index in 0..count-1 (unsigned compare: negatives are huge).
        a.Mark(array);
        Integer(a, 2, R13, fb);
        a.CmpRMem64(R13, R14, DescriptorOffset(nameof(Descriptor.Count)));
        a.Jcc(Cond.AE, fb);
        a.Load64(Rax, R14, DescriptorOffset(nameof(Descriptor.ElementSize)));
        a.ImulRR(R13, Rax);
        a.Load64(Rax, R12, HeaderOffset(nameof(Instance.Header.Address)));
        a.AddRR(R13, Rax);
        a.Load32(R14, R14, DescriptorOffset(nameof(Descriptor.ElementKind)));

        a.Mark(access);
        return FinishAccess(a, write, 3, fb);
    }

    /// <summary>
    /// ffi.new(T) with no initialiser: T's address and Lua type looked up in the state's cache
    /// (<see cref="InstanceTypes.NewEntry"/>, found through the allocator's data, filled by C# once
    /// it made an instance of T), then the userdata, zeroed, its header written, and the instance
    /// metatable (from the registry, by the integer key its type block holds; checked to be a table) set.
    /// </summary>
    static byte[] CompileNew()
    {
        var a = new X64Assembler();
        var fb = a.NewLabel();
        var miss = a.NewLabel();
        Prologue(a);
        a.MovRR(Rdi, Rbx);
        a.CallAbs((nint)LuaApi.gettop);
        a.CmpImm32(Rax, 1);
        a.Jcc(Cond.NE, fb);

        // r15 = the cache: lua_getallocf(L, &ud), ud->InstanceNew (the state is a runtime's: the ffi needs its allocator).
        a.MovRR(Rdi, Rbx);
        a.Lea(Rsi, Rsp, 0);
        a.CallAbs((nint)LuaApi.getallocf);
        a.Load64(R15, Rsp, 0);
        a.Test64(R15, R15);
        a.Jcc(Cond.E, fb);
        a.Load64(R15, R15, (int)Marshal.OffsetOf<Allocator.Counters>(nameof(Allocator.Counters.InstanceNew)));
        a.Test64(R15, R15);
        a.Jcc(Cond.E, fb);

        // r15 = T's entry, r14 = its type block: the address and the Lua type must both match.
        Call(a, (nint)LuaApi.topointer, 1);
        a.MovRR(R13, Rax);
        a.ShrImm(Rax, InstanceTypes.SlotShift);
        a.AndImm32(Rax, InstanceTypes.NewEntries - 1, wide: true);
        a.ShlImm(Rax, InstanceTypes.NewEntryShift);
        a.AddRR(R15, Rax);
        var found = a.NewLabel();
        a.CmpMemReg64(R15, NewEntryOffset(nameof(InstanceTypes.NewEntry.Key)), R13);
        a.Jcc(Cond.E, found);
        a.XorImm32(R15, sizeof(InstanceTypes.NewEntry), wide: true); // the bucket's other entry (the cache is 64-aligned)
        a.CmpMemReg64(R15, NewEntryOffset(nameof(InstanceTypes.NewEntry.Key)), R13);
        a.Jcc(Cond.NE, fb);
        a.Mark(found);
        CallType(a, 1);
        a.MovRR32(Rax, Rax);
        a.CmpRMem64(Rax, R15, NewEntryOffset(nameof(InstanceTypes.NewEntry.KeyType)));
        a.Jcc(Cond.NE, fb);
        a.Load64(R14, R15, NewEntryOffset(nameof(InstanceTypes.NewEntry.Type)));
        a.Test64(R14, R14);
        a.Jcc(Cond.E, fb);
        a.Load32(R15, R14, DescriptorOffset(nameof(Descriptor.NewSize)));
        a.Test32(R15, R15);
        a.Jcc(Cond.E, fb);

        EmitNew(a, typeReg: R14, sizeReg: R15, headerReg: R12, miss);
        Return(a, 1);

        a.Mark(miss);
        Call(a, (nint)LuaApi.settop, 1); // the stack as it came (one argument)
        Fallback(a, fb);
        return a.ToArray();
    }

    /// <summary>
    /// Pushes a new zeroed instance of the type block in <paramref name="typeReg"/>, whose NewSize (non-zero)
    /// is in <paramref name="sizeReg"/> (consumed), with its header written and the instance metatable set;
    /// <paramref name="headerReg"/> = the header. The registry entry of the metatable is a script's to
    /// rewrite (debug.getregistry), so only a table is taken: else this jumps to <paramref name="miss"/> with
    /// the userdata and that value pushed. rbx = L; the three registers must be callee-saved. A memory
    /// error raised by the allocation crosses native frames only.
    /// </summary>
    public static void EmitNew(X64Assembler a, int typeReg, int sizeReg, int headerReg, Label miss)
    {
        // No user value: an instance owns its bytes.
        a.MovRR(Rdi, Rbx);
        a.MovRR(Rsi, sizeReg);
        a.Xor32(Rdx, Rdx);
        a.CallAbs((nint)LuaApi.newuserdatauv);
        a.MovRR(headerReg, Rax);
        a.Lea(Rdi, headerReg, sizeof(Instance.Header));
        a.Store64(headerReg, HeaderOffset(nameof(Instance.Header.Address)), Rdi);
        // Zero the bytes 8 at a time (NewSize is the header plus a multiple of 8).
        var zeroed = a.NewLabel();
        var zero = a.NewLabel();
        a.SubImm32(sizeReg, sizeof(Instance.Header), wide: true);
        a.Jcc(Cond.E, zeroed);
        a.Mark(zero);
        a.StoreImm64(Rdi, 0, 0);
        a.AddImm32(Rdi, 8, wide: true);
        a.SubImm32(sizeReg, 8, wide: true);
        a.Jcc(Cond.NE, zero);
        a.Mark(zeroed);
        a.MovImm64(Rax, Instance.Tag);
        a.Store64(headerReg, HeaderOffset(nameof(Instance.Header.Tag)), Rax);
        a.MovImm64(Rax, Buffer.Cookie);
        a.Store64(headerReg, HeaderOffset(nameof(Instance.Header.Cookie)), Rax);
        a.Store64(headerReg, HeaderOffset(nameof(Instance.Header.Type)), typeReg);

        a.MovRR(Rdi, Rbx);
        a.MovImm32(Rsi, LuaApi.LUA_REGISTRYINDEX);
        a.Load64(Rdx, typeReg, DescriptorOffset(nameof(Descriptor.MetatableRef)));
        a.CallAbs((nint)LuaApi.rawgeti);
        a.CmpImm32(Rax, LuaApi.TTABLE);
        a.Jcc(Cond.NE, miss);
        Call(a, (nint)LuaApi.setmetatable, -2);
    }

    /// <summary>The header's words, for native code outside this file that reads instances (the call stubs).</summary>
    public static readonly int AddressWord = HeaderOffset(nameof(Instance.Header.Address)),
        TagWord = HeaderOffset(nameof(Instance.Header.Tag)),
        TypeWord = HeaderOffset(nameof(Instance.Header.Type)), NewSizeWord = DescriptorOffset(nameof(Descriptor.NewSize));
}
