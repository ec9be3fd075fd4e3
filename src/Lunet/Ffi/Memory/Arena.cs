using System.Runtime.InteropServices;
using Lunet.Ffi.Types;
using Lunet.Interop;
using static Lunet.Interop.LuaApi;

namespace Lunet.Ffi.Memory;

/// <summary>
/// ffi.arena(): a region allocator whose allocations are ordinary Buffers. The arena bump-allocates
/// slices (<see cref="Buffer.NewSlice"/>) of a current block, itself an ordinary Buffer of
/// <see cref="BlockSize"/> bytes (a request larger than that gets a block of its own), at an offset
/// that makes the absolute address a multiple of the alignment asked for. A slice keeps its block
/// alive through its user value, so a block is freed only when the arena and every Buffer cut from
/// it are unreachable: <c>reset()</c> drops the arena's hold on its block and zeroes its counters,
/// and what it frees is what nobody still holds (a Buffer handed out before stays valid memory).
///
/// The arena is a userdata { used, tag, 0, totalAllocated, allocationCount } whose user value 1 is
/// the current block. Nothing in it is trusted for bounds: the block is checked to be a Buffer by
/// its own header and every slice is checked against that Buffer's size, so an arena whose user
/// value or counters a script changed (debug.setuservalue) can only hand out memory of a real Buffer.
/// The third word is never <see cref="Buffer.Cookie"/>: an arena is no memory to the bounded operations.
/// </summary>
internal static unsafe class Arena
{
    [StructLayout(LayoutKind.Sequential)]
    struct Header
    {
        /// <summary>Bytes of the current block used so far (its next free offset).</summary>
        public long Used;
        /// <summary><see cref="Tag"/>, in the second word as every handle userdata's (<see cref="Metatables.HandleBlock"/>).</summary>
        public long Tag;
        public long Zero;
        public long TotalAllocated;
        public long AllocationCount;
    }

    static readonly long Tag = Metatables.NewTag();
    const int HeaderWords = 5;
    const string TypeName = "Arena";

    /// <summary>The size of an arena's blocks; a larger request gets a block of its own.</summary>
    public const long BlockSize = 64 * 1024;

    /// <summary>The alignment of alloc(size) without one: the largest a C scalar needs (long double, __int128).</summary>
    public const int DefaultAlignment = 16;

    /// <summary>ffi.arena()</summary>
    public static int New(nint L)
    {
        var a = (Header*)newuserdatauv(L, (nuint)sizeof(Header), 1);
        *a = default;
        a->Tag = Tag;
        Metatables.Push(L, TypeName, &BuildMetatable);
        setmetatable(L, -2);
        return 1;
    }

    static void BuildMetatable(nint L)
    {
        int mt = gettop(L);
        createtable(L, 0, 3);
        CFunction.Set(L, -1, "alloc", &Alloc);
        CFunction.Set(L, -1, "allocArray", &AllocArray);
        CFunction.Set(L, -1, "reset", &Reset);
        CFunction.Push(L, &Index, 1);
        LuaOps.SetField(L, mt, "__index");
        CFunction.Set(L, mt, "__newindex", &NewIndex);
        CFunction.Set(L, mt, "__tostring", &ToString);
        settop(L, mt);
    }

    static Header* Self(nint L, string method)
    {
        var a = (Header*)Metatables.HandleBlock(L, 1, Tag, HeaderWords);
        return a != null ? a : throw LuaException.BadSelf(method, TypeName, LuaOps.TypeName(L, 1), $"arena:{method}(...)");
    }

    /// <summary>arena:alloc(size [, align]): a zero-filled Buffer of size bytes at an address that is a multiple of align.</summary>
    static int Alloc(nint L)
    {
        var a = Self(L, "alloc");
        long size = Buffer.Integer(L, 2, 1, "alloc", "size");
        if (size < 0) throw LuaException.BadArgument(1, "alloc", $"size must not be negative, got {size}");
        if (size > Buffer.MaxSize) throw LuaException.BadArgument(1, "alloc", $"size {size} is larger than the limit of {Buffer.MaxSize} bytes (2^40)");
        int align = DefaultAlignment;
        if (type(L, 3) is not (TNONE or TNIL))
        {
            long given = Buffer.Integer(L, 3, 2, "alloc", "align");
            if (given <= 0 || (given & (given - 1)) != 0)
                throw LuaException.BadArgument(2, "alloc", $"align must be a power of two from 1 to {FfiLimits.MaxAlignment}, got {given}");
            if (given > FfiLimits.MaxAlignment)
                throw LuaException.BadArgument(2, "alloc", $"align {given} is larger than the limit of {FfiLimits.MaxAlignment}");
            align = (int)given;
        }
        Carve(L, a, size, align, "arena:alloc");
        return 1;
    }

    /// <summary>arena:allocArray(ctype, n): a zero-filled Buffer for n elements of ctype, at ctype's alignment.</summary>
    static int AllocArray(nint L)
    {
        var a = Self(L, "allocArray");
        var t = TypeFunctions.TypeArgument(L, 2, 1, "allocArray");
        if (t.Kind == TypeKind.Function || t.Kind == TypeKind.Void || t.Scalar == ScalarKind.Void)
            throw LuaException.BadArgument(1, "allocArray", $"a type with a size expected, got {t.Name}");
        if (!t.IsComplete) throw LuaException.BadArgument(1, "allocArray", $"{t.Name} is incomplete (declared, not defined)");
        if (t.Alignment > FfiLimits.MaxAlignment)
            throw LuaException.BadArgument(1, "allocArray", $"{t.Name} is aligned to {t.Alignment} bytes; arenas align to at most {FfiLimits.MaxAlignment}");
        long n = Buffer.Integer(L, 3, 2, "allocArray", "count");
        if (n < 0) throw LuaException.BadArgument(2, "allocArray", $"count must not be negative, got {n}");
        long each = t.Size;
        if (each > 0 && n > Buffer.MaxSize / each)
            throw LuaException.BadArgument(2, "allocArray", $"{n} elements of {t.Name} ({each} bytes each) are more than the limit of {Buffer.MaxSize} bytes (2^40)");
        Carve(L, a, n * each, Math.Max(1, t.Alignment), "arena:allocArray");
        return 1;
    }

    /// <summary>Pushes a slice of <paramref name="size"/> bytes at an absolute address that is a multiple of <paramref name="align"/> (a power of two up to the limit).</summary>
    static void Carve(nint L, Header* a, long size, int align, string function)
    {
        long slack = align - 1;
        if (size + slack > BlockSize)
        {
            // A block of its own: the current one keeps serving the small requests.
            var own = Buffer.New(L, size + slack, function);
            Cut(L, own, Padding(own->Address, align), size);
        }
        else
        {
            getiuservalue(L, 1, 1);
            var block = Buffer.TryGet(L, -1);
            long offset = block != null && (ulong)a->Used <= (ulong)block->Size ? a->Used + Padding(block->Address + (nint)a->Used, align) : -1;
            if (offset < 0 || offset > block->Size || size > block->Size - offset)
            {
                settop(L, -2);
                block = Buffer.New(L, BlockSize, function);
                pushvalue(L, -1);
                setiuservalue(L, 1, 1);
                a->Used = 0;
                offset = Padding(block->Address, align);
            }
            Cut(L, block, offset, size);
            a->Used = offset + size;
        }
        a->TotalAllocated += size;
        a->AllocationCount++;
    }

    /// <summary>The bytes from <paramref name="address"/> to the next multiple of <paramref name="align"/>.</summary>
    static long Padding(nint address, int align) => (long)((ulong)(-(long)address) & (ulong)(align - 1));

    /// <summary>Replaces the block on top with its slice [offset, offset + size), checked against the block's own size.</summary>
    static void Cut(nint L, Buffer.Header* block, long offset, long size)
    {
        Buffer.CheckRange(block, offset, size, "arena");
        Buffer.NewSlice(L, -1, block, offset, size);
        copy(L, -1, -2);
        settop(L, -2);
    }

    /// <summary>arena:reset(): drops the arena's hold on its block and zeroes its counters. Buffers handed out stay valid until collected.</summary>
    static int Reset(nint L)
    {
        var a = Self(L, "reset");
        pushnil(L);
        setiuservalue(L, 1, 1);
        a->Used = 0;
        a->TotalAllocated = 0;
        a->AllocationCount = 0;
        return 0;
    }

    /// <summary>__index: the methods, and the properties totalAllocated and allocationCount.</summary>
    static int Index(nint L)
    {
        pushvalue(L, 2);
        if (rawget(L, CFunction.Upvalue(1)) != TNIL) return 1;
        switch (type(L, 2) == TSTRING ? LuaOps.ToStringOrNull(L, 2) : null)
        {
            case "totalAllocated":
                pushinteger(L, Self(L, "totalAllocated")->TotalAllocated);
                return 1;
            case "allocationCount":
                pushinteger(L, Self(L, "allocationCount")->AllocationCount);
                return 1;
        }
        return 0;
    }

    static int NewIndex(nint L)
    {
        Self(L, "newindex");
        throw new LuaException($"cannot set '{LuaOps.ToStringOrNull(L, 2) ?? LuaOps.TypeName(L, 2)}' on an Arena: its members are read-only");
    }

    static int ToString(nint L)
    {
        var a = Self(L, "tostring");
        LuaOps.PushString(L, $"Arena({a->AllocationCount} allocations, {a->TotalAllocated} bytes)");
        return 1;
    }
}
