using System.Runtime.InteropServices;
using Lunet.Interop;
using static Lunet.Interop.X64Assembler;

namespace Lunet.Ffi.Callbacks;

/// <summary>
/// The code slots callbacks hand to C, one pool for the process. A slot is 16 bytes of
/// machine code that loads the address of its cell into r11 and jumps to the address the
/// cell's first word holds: the trampoline of the callback's signature while the callback
/// lives, <see cref="FreedEntry"/> once it is freed. Code pages are never written again
/// (another thread may be running them); only the cells, in ordinary memory, change.
///
/// A freed slot waits in a first-in first-out quarantine and is given to a new callback only
/// once <see cref="Quarantine"/> other slots have been freed after it, so a pointer C kept
/// after free() keeps reaching the freed entry (zero, and an error at the next ffi call)
/// for that long. Memory stays bounded: the pool never holds more than the live callbacks
/// plus the quarantine.
/// </summary>
internal static unsafe class CallbackCells
{
    /// <summary>A cell: what the slot's code and the trampoline read.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Cell
    {
        /// <summary>Where the slot jumps: a trampoline or <see cref="FreedEntry"/>.</summary>
        public nint Entry;
        /// <summary>The owning state's <see cref="Allocator.Counters"/> (0 once that runtime is gone).</summary>
        public nint Counters;
        /// <summary>Where the Lua function is on the stack of its runtime's function store (<see cref="CallbackRegistry"/>).</summary>
        public int Reference;
        /// <summary><see cref="QueueFlag"/>: invocations from other threads are queued.</summary>
        public int Flags;
        /// <summary>The cell's number in the pool (for the C# the native code calls).</summary>
        public int Index;
        int padding;
        /// <summary>The function store: the lua_State whose stack holds the runtime's callback functions.</summary>
        public nint Store;
    }

    public const int EntryOffset = 0, CountersOffset = 8, ReferenceOffset = 16, FlagsOffset = 20, IndexOffset = 24, StoreOffset = 32;
    public const int QueueFlag = 1;

    const int SlotSize = 16, SlotsPerPage = 4096 / SlotSize;

    /// <summary>Frees that must happen after a slot's own before it is handed out again.</summary>
    public const int Quarantine = 4096;

    static readonly List<nint> codePages = new();   // the slots' code, page by page
    static readonly List<nint> cellPages = new();   // their cells
    static readonly Callback?[][] noOwners = [];
    static Callback?[][] owners = noOwners;        // by cell index; read by any thread
    static readonly Queue<int> quarantined = new();
    static int count;

    /// <summary>Code every freed slot jumps to: returns zero (in rax and xmm0) and flags the owning runtime.</summary>
    public static readonly nint FreedEntry = NativeStubsAvailable() ? ExecutableMemory.Write(FreedEntryCode()) : 0;

    static bool NativeStubsAvailable() => Calls.NativeStubCompiler.IsSupported;

    public static Cell* CellAt(int index) => (Cell*)cellPages[index / SlotsPerPage] + index % SlotsPerPage;

    /// <summary>The callback that owns cell <paramref name="index"/> now, or null (freed, or its runtime gone).</summary>
    public static Callback? Owner(int index)
    {
        var o = Volatile.Read(ref owners);
        int page = index / SlotsPerPage;
        return (uint)page < (uint)o.Length ? Volatile.Read(ref o[page][index % SlotsPerPage]) : null;
    }

    /// <summary>The live callback whose code starts at <paramref name="code"/>, or null (no slot's code, or a freed one).</summary>
    public static Callback? LiveAt(nint code)
    {
        lock (quarantined)
        {
            for (int page = 0; page < codePages.Count; page++)
            {
                nint offset = code - codePages[page];
                if (offset < 0 || offset >= SlotsPerPage * SlotSize || offset % SlotSize != 0) continue;
                return Owner(page * SlotsPerPage + (int)(offset / SlotSize)) is { IsFreed: false } owner ? owner : null;
            }
            return null;
        }
    }

    /// <summary>Takes a slot for <paramref name="owner"/>; returns its cell number and its code address.</summary>
    public static (int index, nint code) Take(Callback owner, nint trampoline, nint counters, nint store, int reference, int flags)
    {
        lock (quarantined)
        {
            int index = quarantined.Count > Quarantine ? quarantined.Dequeue() : NewSlot();
            var cell = CellAt(index);
            cell->Counters = counters;
            cell->Store = store;
            cell->Reference = reference;
            cell->Flags = flags;
            Volatile.Write(ref owners[index / SlotsPerPage][index % SlotsPerPage], owner);
            Volatile.Write(ref cell->Entry, trampoline);
            return (index, CodeAt(index));
        }
    }

    /// <summary>Points the slot at the freed entry and puts it in quarantine. The cell keeps its runtime, which the freed entry flags.</summary>
    public static void Release(int index)
    {
        lock (quarantined)
        {
            var cell = CellAt(index);
            Volatile.Write(ref cell->Entry, FreedEntry);
            Volatile.Write(ref owners[index / SlotsPerPage][index % SlotsPerPage], null);
            quarantined.Enqueue(index);
        }
    }

    /// <summary>A runtime is going away: no slot may read its counters again.</summary>
    public static void Forget(nint counters)
    {
        lock (quarantined)
        {
            for (int i = 0; i < count; i++)
            {
                var cell = CellAt(i);
                if (cell->Counters != counters) continue;
                if (cell->Entry != FreedEntry)
                {
                    if (Owner(i) is { } owner) owner.IsFreed = true;
                    Volatile.Write(ref cell->Entry, FreedEntry);
                    Volatile.Write(ref owners[i / SlotsPerPage][i % SlotsPerPage], null);
                    quarantined.Enqueue(i);
                }
                Volatile.Write(ref cell->Counters, 0);
            }
        }
    }

    /// <summary>Slots made so far (live, quarantined and free): the pool's size.</summary>
    public static int Count { get { lock (quarantined) return count; } }

    static nint CodeAt(int index) => codePages[index / SlotsPerPage] + index % SlotsPerPage * SlotSize;

    static int NewSlot()
    {
        if (count % SlotsPerPage == 0) AddPage();
        return count++;
    }

    static void AddPage()
    {
        int first = codePages.Count * SlotsPerPage;
        var cells = (Cell*)NativeMemory.AllocZeroed((nuint)(SlotsPerPage * sizeof(Cell)));
        for (int i = 0; i < SlotsPerPage; i++)
        {
            cells[i].Entry = FreedEntry;
            cells[i].Index = first + i;
        }
        var a = new X64Assembler();
        for (int i = 0; i < SlotsPerPage; i++)
        {
            a.MovImm64(R11, (nint)(cells + i));
            a.JmpMem0(R11);
            a.AlignWithInt3(SlotSize);
        }
        var code = ExecutableMemory.Write(a.ToArray());
        cellPages.Add((nint)cells);
        codePages.Add(code);
        var grown = new Callback?[owners.Length + 1][];
        Array.Copy(owners, grown, owners.Length);
        grown[^1] = new Callback?[SlotsPerPage];
        Volatile.Write(ref owners, grown);
    }

    static byte[] FreedEntryCode()
    {
        // r11 = cell: flag the runtime (if it is still there), return 0 / 0.0.
        var a = new X64Assembler();
        var none = a.NewLabel();
        a.Load64(Rax, R11, CountersOffset);
        a.Test64(Rax, Rax);
        a.Jcc(Cond.E, none);
        a.LockOrMem64Imm(Rax, CallbackHooks.AttentionOffset, CallbackHooks.FreedBit);
        a.Mark(none);
        a.Xor32(Rax, Rax);
        a.XorpsXmm0();
        a.Ret();
        return a.ToArray();
    }
}
