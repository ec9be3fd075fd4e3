using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Lunet.Ffi.Types;
using Lunet.Interop;
using static Lunet.Interop.LuaApi;

namespace Lunet.Ffi.Memory;

/// <summary>
/// One block of native memory per instance type and runtime: what the native field path
/// (<see cref="InstanceNative"/>) reads to index an instance without entering .NET, and the
/// handle to the <see cref="CType"/> the C# path reads. Every instance and view header points
/// at its type's block. The blocks belong to the runtime's type registry (a script cannot free
/// them, whatever it does to the Lua state) and are freed after the runtime is gone.
///
/// A record's block carries a direct-mapped table of its scalar fields keyed by the address of
/// the field name's interned Lua string (anchored for the life of the state, so the address
/// stands for that name only): { key, kind, offset } per slot. A field that is not a plain
/// scalar (a nested record or array, a bitfield), a name longer than Lua interns, or one whose
/// slot is taken is not in the table: the native code finds no key and hands the call to C#.
/// An array's block carries its element's kind, size and count when the element is a scalar.
/// </summary>
internal static unsafe class InstanceTypes
{
    [StructLayout(LayoutKind.Sequential)]
    public struct Descriptor
    {
        /// <summary>A GCHandle to the <see cref="CType"/>.</summary>
        public nint Type;
        /// <summary><see cref="ShapeNone"/>, <see cref="ShapeRecord"/> or <see cref="ShapeArray"/>.</summary>
        public int Shape;
        /// <summary>A record's slot count - 1 (a power of two less one).</summary>
        public int Mask;
        public long Size;
        /// <summary>The userdata size a native ffi.new allocates (header + bytes rounded up to 8, zeroed 8 at a time, right after the header); 0 when C# makes the instance (a type whose bytes need <see cref="Instance.Slack"/>, or a large one).</summary>
        public int NewSize;
        public int ElementKind;
        public long ElementSize;
        public long Count;
        /// <summary>The registry's integer key of the runtime's instance metatable (<see cref="InstanceMethods.MetatableRef"/>).</summary>
        public long MetatableRef;
    }

    /// <summary>A record's field slot; the slots follow the <see cref="Descriptor"/>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Slot
    {
        public nint Key;
        public int Kind;
        public int Offset;
    }

    /// <summary>Shapes: nothing native (every access goes to C#), a record with a field table, an array of scalars.</summary>
    public const int ShapeNone = 0, ShapeRecord = 1, ShapeArray = 2;

    /// <summary>Where a key's slot is: (address &gt;&gt; SlotShift) &amp; Mask.</summary>
    public const byte SlotShift = 4;

    /// <summary>The largest field table tried before colliding names are left to C#.</summary>
    const int MaxSlots = 4096;

    /// <summary>Instances up to this size are made by the native ffi.new; larger ones go through C#'s allocation checks.</summary>
    const int MaxNativeNewSize = 1 << 16;

    /// <summary>The blocks of one runtime, freed when its type registry is collected (after the state is closed). Instances point at them, so none goes earlier: their count is bounded instead.</summary>
    public sealed class Blocks
    {
        /// <summary>The registry's integer key of the instance metatable, 0 until it is made.</summary>
        public long MetatableRef;
        public readonly Dictionary<CType, nint> ByType = new(ReferenceEqualityComparer.Instance);
        /// <summary>The native ffi.new's cache (<see cref="NewEntry"/>), 0 until first used.</summary>
        public nint NewCache;
        /// <summary>Each signature's <see cref="SignatureTypes"/> (FunctionType compares its types by reference).</summary>
        public readonly Dictionary<FunctionType, nint> BySignature = new();

        ~Blocks()
        {
            NativeMemory.AlignedFree((void*)NewCache);
            foreach (var block in BySignature.Values) NativeMemory.Free((void*)block);
            foreach (var block in ByType.Values)
            {
                var d = (Descriptor*)block;
                GCHandle.FromIntPtr(d->Type).Free();
                NativeMemory.Free(d);
            }
        }
    }

    static readonly ConditionalWeakTable<TypeRegistry, Blocks> Runtimes = new();

    public static Blocks Of(nint L) => Runtimes.GetValue(FfiContext.Of(L).Types, _ => new Blocks());

    /// <summary>
    /// The native ffi.new's cache, one per state, found through the allocator's data (which no script
    /// can reach): entries from the address of what ffi.new was given (a type object or a type name:
    /// lua_topointer) and its Lua type to the type's block, in buckets of two (slots s and s ^ 1, so
    /// two types used in turn never evict each other). Each entry's object is anchored in a registry
    /// table by slot, so while it is there its address stands for it alone; a new entry in a slot
    /// releases the old object.
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct NewEntry
    {
        public nint Key;
        public long KeyType;
        public nint Type;
        long unused; // 32 bytes: the slot's offset is a shift
    }

    public const int NewEntries = 64;
    public const byte NewEntryShift = 5;
    const int NewCacheAlignment = 64;

    /// <summary>The registry key (a light userdata) of the table anchoring the cached objects.</summary>
    static readonly nint NewAnchorsKey = Marshal.AllocHGlobal(1);

    /// <summary>Caches the type object or name at <paramref name="idx"/> for the native ffi.new: the next ffi.new of it makes an instance of <paramref name="d"/>.</summary>
    public static void CacheNew(nint L, int idx, Descriptor* d)
    {
        if (d->NewSize == 0) return;
        var counters = Allocator.Of(L);
        if (counters == null) return;
        var blocks = Of(L);
        if (blocks.NewCache == 0)
        {
            // 64-aligned: the native code finds a bucket's other entry by flipping one address bit.
            nuint bytes = (nuint)(NewEntries * sizeof(NewEntry));
            blocks.NewCache = (nint)NativeMemory.AlignedAlloc(bytes, NewCacheAlignment);
            NativeMemory.Clear((void*)blocks.NewCache, bytes);
            counters->InstanceNew = blocks.NewCache;
        }
        idx = absindex(L, idx);
        nint key = topointer(L, idx);
        if (key == 0) return;
        var entries = (NewEntry*)blocks.NewCache;
        int slot = (int)((key >> SlotShift) & (NewEntries - 1));
        LuaOps.EnsureStack(L, 4);
        if (rawgetp(L, LUA_REGISTRYINDEX, NewAnchorsKey) != TTABLE)
        {
            settop(L, -2);
            createtable(L, NewEntries, 0);
            pushvalue(L, -1);
            rawsetp(L, LUA_REGISTRYINDEX, NewAnchorsKey);
        }
        int anchors = gettop(L);
        if (entries[slot].Key != key && entries[slot].Key != 0)
        {
            int other = slot ^ 1;
            if (entries[other].Key != key && entries[other].Key != 0)
            {
                // Both taken: the older entry goes, the one in this slot moves to the other.
                rawgeti(L, anchors, slot + 1);
                rawseti(L, anchors, other + 1);
                entries[other] = entries[slot];
            }
            else slot = other;
        }
        pushvalue(L, idx);
        rawseti(L, anchors, slot + 1); // the slot's previous object is released
        settop(L, -2);
        entries[slot] = new NewEntry { Key = key, KeyType = type(L, idx), Type = (nint)d };
    }

    /// <summary>The block of <paramref name="t"/> (a complete record or array) in this runtime, made on first use; at most <see cref="FfiLimits.MaxInstanceTypes"/> of them.</summary>
    public static Descriptor* For(nint L, CType t)
    {
        var blocks = Of(L);
        if (blocks.ByType.TryGetValue(t, out var found)) return (Descriptor*)found;
        if (blocks.ByType.Count >= FfiLimits.MaxInstanceTypes)
            throw new LuaException($"cannot make an instance or view of {t.Name}: this runtime has made instances of {FfiLimits.MaxInstanceTypes} distinct struct, union and array types, the limit (each keeps a block for the runtime's life)");
        var fields = t is StructType s ? Fields(L, s) : [];
        int slots = SlotCount(fields);
        var d = (Descriptor*)NativeMemory.AllocZeroed((nuint)(sizeof(Descriptor) + slots * sizeof(Slot)));
        d->Type = GCHandle.ToIntPtr(GCHandle.Alloc(t));
        d->Size = t.Size;
        d->MetatableRef = InstanceMethods.MetatableRef(L);
        if (Instance.Slack(t.Alignment) == 0 && t.Size <= MaxNativeNewSize) d->NewSize = sizeof(Instance.Header) + (t.Size + 7 & ~7);
        if (t is StructType)
        {
            d->Shape = ShapeRecord;
            d->Mask = slots - 1;
            var table = (Slot*)(d + 1);
            foreach (var (key, kind, offset) in fields)
            {
                var slot = table + SlotOf(key, slots - 1);
                if (slot->Key != 0) continue; // taken: this field goes through C#
                *slot = new Slot { Key = key, Kind = (int)kind, Offset = offset };
            }
        }
        else if (t is ArrayType a && Kind(a.Element) is { } element)
        {
            d->Shape = ShapeArray;
            d->ElementKind = (int)element;
            d->ElementSize = a.Element.Size;
            d->Count = a.Count ?? 0;
        }
        blocks.ByType.Add(t, (nint)d);
        return d;
    }

    /// <summary>
    /// What the native call stubs know of a signature's types in this runtime, read through the
    /// binding's slot (<see cref="Calls.NativeSlot.TypesOffset"/>): word 0 for the result, word 1 + i
    /// for parameter i. A struct by value has its type's block (an instance of exactly that type is
    /// copied without C#; a native result instance is made from it); a pointer to a struct or union
    /// has its target's block, or <see cref="AnyInstanceToCSharp"/> for an incomplete one (an instance
    /// of another type is then judged by C#); 0 for everything else. 0 when no word would be set.
    /// The words belong to the runtime: they live as long as the blocks they name.
    /// </summary>
    public static nint* SignatureTypes(nint L, FunctionType sig)
    {
        var blocks = Of(L);
        if (blocks.BySignature.TryGetValue(sig, out var found)) return (nint*)found;
        var words = (nint*)NativeMemory.AllocZeroed((nuint)((1 + sig.Parameters.Count) * sizeof(nint)));
        bool any = false;
        nint Word(CType t, bool isResult)
        {
            if (t is StructType { IsComplete: true } byValue) return (nint)For(L, byValue);
            if (isResult || t is not PointerType { Target: StructType target }) return 0;
            return target.IsComplete ? (nint)For(L, target) : AnyInstanceToCSharp;
        }
        for (int i = 0; i <= sig.Parameters.Count; i++)
        {
            words[i] = i == 0 ? Word(sig.Returns, isResult: true) : Word(sig.Parameters[i - 1], isResult: false);
            any |= words[i] != 0;
        }
        if (!any)
        {
            NativeMemory.Free(words);
            words = null;
        }
        blocks.BySignature[sig] = (nint)words;
        return words;
    }

    /// <summary>A word of <see cref="SignatureTypes"/> that no instance's type equals: every instance goes to C#.</summary>
    public const nint AnyInstanceToCSharp = 1;

    public static CType TypeOf(Descriptor* d) => (CType)GCHandle.FromIntPtr(d->Type).Target!;

    /// <summary>How the native loads and stores move a value of <paramref name="t"/>; null when they do not (char* moves as a pointer: reading one gives the pointer).</summary>
    static ScalarKind? Kind(CType t) =>
        Calls.FunctionPointers.FunctionOf(t) != null ? null // a function pointer reads as a callable: the C# path makes it
        : t.Scalar == ScalarKind.CString ? ScalarKind.Pointer : NativeAccess.Handles(t) ? t.Scalar : null;

    static int SlotOf(nint key, int mask) => (int)((key >> SlotShift) & mask);

    /// <summary>The smallest table (at least twice the fields) in which no two keys collide, up to <see cref="MaxSlots"/>.</summary>
    static int SlotCount(List<(nint key, ScalarKind kind, int offset)> fields)
    {
        int slots = 4;
        while (slots < 2 * fields.Count) slots *= 2;
        for (; slots < MaxSlots; slots *= 2)
        {
            var used = new HashSet<int>();
            if (fields.All(f => used.Add(SlotOf(f.key, slots - 1)))) break;
        }
        return slots;
    }

    /// <summary>
    /// The record's plain scalar fields by name, as C# finds them (InstanceMethods.Find: declaration
    /// order, anonymous members looked into, the first of a name wins), each name interned and anchored.
    /// </summary>
    static List<(nint key, ScalarKind kind, int offset)> Fields(nint L, StructType s)
    {
        var list = new List<(nint, ScalarKind, int)>();
        var seen = new HashSet<string>();
        LuaOps.EnsureStack(L, 4);
        void Visit(StructType r, long at)
        {
            foreach (var f in r.Fields!)
            {
                if (f.Name == null)
                {
                    if (f.Type is StructType { IsComplete: true } inner) Visit(inner, at + f.Offset);
                    continue;
                }
                if (!seen.Add(f.Name) || f.Bits != null || Kind(f.Type) is not { } kind) continue;
                LuaOps.PushString(L, f.Name);
                if (InternedStrings.IsShort(L, -1))
                {
                    InternedStrings.Anchor(L, -1);
                    list.Add((topointer(L, -1), kind, (int)(at + f.Offset)));
                }
                settop(L, -2);
            }
        }
        Visit(s, 0);
        return list;
    }
}
