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
/// A freed slot waits in a first-in first-out quarantine of its trampoline (its signature's
/// shape) and is given only to a new callback of that same shape, once <see cref="Quarantine"/>
/// other slots of that shape have been freed after it (sooner when more than
/// <see cref="TotalQuarantine"/> slots wait in all): a pointer C kept after free() reaches the
/// freed entry (zero, and an error at the next ffi call) for that long, and never the code of
/// another signature. A slot whose address a Lua value holds (an FfiCallback, a function-pointer
/// value: <see cref="Pin"/>) is not handed out at all until that value is collected.
/// Every callback gets an <see cref="Cell.Id"/> of its own, which is how the trampolines tell
/// it from the next owner of its cell.
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
        /// <summary>1 while the slot has no live callback: what function-pointer values of its address read as "closed".</summary>
        public int Freed;
        /// <summary>The function store: the lua_State whose stack holds the runtime's callback functions.</summary>
        public nint Store;
        /// <summary>The callback's identity, unique in the process (never 0): the kept function is matched by it, not by the cell.</summary>
        public long Id;
    }

    public const int EntryOffset = 0, CountersOffset = 8, ReferenceOffset = 16, FlagsOffset = 20, IndexOffset = 24, FreedOffset = 28, StoreOffset = 32, IdOffset = 40;
    public const int QueueFlag = 1;

    const int SlotSize = 16, SlotsPerPage = 4096 / SlotSize;

    /// <summary>Frees of the same shape that must happen after a slot's own before it is handed out again.</summary>
    public const int Quarantine = 4096;

    /// <summary>Past this many waiting slots in all, a shape reuses its oldest freed slot at once (memory stays bounded however many shapes a program uses).</summary>
    public const int TotalQuarantine = 16 * Quarantine;

    static readonly List<nint> codePages = new();   // the slots' code, page by page
    static readonly List<nint> cellPages = new();   // their cells
    static readonly Callback?[][] noOwners = [];
    static Callback?[][] owners = noOwners;        // by cell index; read by any thread
    static readonly object gate = new();
    static readonly Dictionary<nint, Queue<int>> quarantined = new();   // by trampoline: the freed slots of that shape, oldest first
    static readonly List<nint> trampolineOf = new();   // by cell index: the shape the slot was last given to
    static readonly List<int> pins = new();            // by cell index: Lua values holding its address
    static readonly List<bool> waiting = new();        // by cell index: freed, taken out of its queue while pinned
    static int count, quarantinedCount;
    static long lastId;

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

    /// <summary>Takes a slot for <paramref name="owner"/>; returns its cell number and its code address.</summary>
    public static (int index, nint code) Take(Callback owner, nint trampoline, nint counters, nint store, int reference, int flags)
    {
        lock (gate)
        {
            int index = Reusable(trampoline);
            if (index < 0)
            {
                index = NewSlot();
                trampolineOf[index] = trampoline;
            }
            var cell = CellAt(index);
            cell->Counters = counters;
            cell->Store = store;
            cell->Reference = reference;
            cell->Flags = flags;
            cell->Id = ++lastId;
            cell->Freed = 0;
            Volatile.Write(ref owners[index / SlotsPerPage][index % SlotsPerPage], owner);
            Volatile.Write(ref cell->Entry, trampoline);
            return (index, CodeAt(index));
        }
    }

    /// <summary>The oldest freed slot of <paramref name="trampoline"/>'s shape that has waited long enough and no Lua value holds, or -1.</summary>
    static int Reusable(nint trampoline)
    {
        if (!quarantined.TryGetValue(trampoline, out var queue)) return -1;
        while (queue.Count > Quarantine || (queue.Count > 0 && quarantinedCount > TotalQuarantine))
        {
            int index = queue.Dequeue();
            quarantinedCount--;
            if (pins[index] == 0) return index;
            waiting[index] = true;   // back in the queue when its last holder goes
        }
        return -1;
    }

    static void Enqueue(int index)
    {
        var t = trampolineOf[index];
        if (!quarantined.TryGetValue(t, out var queue)) quarantined[t] = queue = new Queue<int>();
        queue.Enqueue(index);
        quarantinedCount++;
    }

    /// <summary>Points the slot at the freed entry and puts it in quarantine. The cell keeps its runtime, which the freed entry flags.</summary>
    public static void Release(int index)
    {
        lock (gate)
        {
            var cell = CellAt(index);
            Volatile.Write(ref cell->Entry, FreedEntry);
            Volatile.Write(ref cell->Freed, 1);
            Volatile.Write(ref owners[index / SlotsPerPage][index % SlotsPerPage], null);
            Enqueue(index);
        }
    }

    /// <summary>
    /// A Lua value holds the address of slot <paramref name="index"/>: until <see cref="SlotPin.Release"/>,
    /// the slot is given to no other callback, so the value reaches its own callback or the freed entry.
    /// </summary>
    public static SlotPin Pin(int index)
    {
        lock (gate) pins[index]++;
        return new SlotPin(index);
    }

    static void Unpin(int index)
    {
        lock (gate)
        {
            if (--pins[index] > 0 || !waiting[index]) return;
            waiting[index] = false;
            Enqueue(index);
        }
    }

    /// <summary>The slot whose code starts at <paramref name="code"/>, or -1 (any other address).</summary>
    public static int SlotAt(nint code)
    {
        lock (gate)
        {
            for (int page = 0; page < codePages.Count; page++)
            {
                long offset = (long)code - codePages[page];
                if (offset < 0 || offset >= SlotsPerPage * SlotSize || offset % SlotSize != 0) continue;
                int index = page * SlotsPerPage + (int)(offset / SlotSize);
                return index < count ? index : -1;
            }
            return -1;
        }
    }

    /// <summary>The live callback whose code is at <paramref name="code"/>, or null (not a slot's address, or a freed one).</summary>
    public static Callback? LiveCallbackAt(nint code) => SlotAt(code) is >= 0 and var i && Owner(i) is { IsFreed: false } owner ? owner : null;

    /// <summary>The address of slot <paramref name="index"/>'s "freed" flag: non-zero while no live callback has it.</summary>
    public static nint FreedFlag(int index) => (nint)(&CellAt(index)->Freed);

    /// <summary>A Lua value's hold on a slot (<see cref="Pin"/>); let go when the value is collected, or by the finalizer.</summary>
    public sealed class SlotPin
    {
        int index;
        internal SlotPin(int index) => this.index = index;
        public int Index => index;
        public void Release()
        {
            int i = Interlocked.Exchange(ref index, -1);
            if (i < 0) return;
            GC.SuppressFinalize(this);
            Unpin(i);
        }
        ~SlotPin() => Release();
    }

    /// <summary>A runtime is going away: no slot may read its counters again.</summary>
    public static void Forget(nint counters)
    {
        lock (gate)
        {
            for (int i = 0; i < count; i++)
            {
                var cell = CellAt(i);
                if (cell->Counters != counters) continue;
                if (cell->Entry != FreedEntry)
                {
                    if (Owner(i) is { } owner) owner.IsFreed = true;
                    Volatile.Write(ref cell->Entry, FreedEntry);
                    Volatile.Write(ref cell->Freed, 1);
                    Volatile.Write(ref owners[i / SlotsPerPage][i % SlotsPerPage], null);
                    Enqueue(i);
                }
                Volatile.Write(ref cell->Counters, 0);
            }
        }
    }

    /// <summary>Slots made so far (live, quarantined and free): the pool's size.</summary>
    public static int Count { get { lock (gate) return count; } }

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
            cells[i].Freed = 1;
            trampolineOf.Add(0);
            pins.Add(0);
            waiting.Add(false);
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
