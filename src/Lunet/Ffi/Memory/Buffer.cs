using Lunet.Ffi.Conversion;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Lunet.Interop;
using static Lunet.Interop.LuaApi;

namespace Lunet.Ffi.Memory;

/// <summary>
/// A Buffer's userdata layout and its bounds. A Buffer is one Lua full userdata:
/// a header { address, tag, cookie, size } followed by the bytes themselves (aligned to 16),
/// so Lua's collector accounts for the memory and the address never moves. A
/// slice is a header alone, whose address points into another Buffer; its user
/// value 1 is the Buffer that owns the bytes, which it keeps alive. Both follow
/// the <see cref="NativeObject"/> protocol: the block starts with the address, and the tag
/// in the kind word is what makes it a Buffer (never its metatable).
/// </summary>
internal static unsafe class Buffer
{
    [StructLayout(LayoutKind.Sequential)]
    public struct Header
    {
        public nint Address;
        /// <summary><see cref="Tag"/>: the kind word (<see cref="NativeObject.KindOf"/>).</summary>
        public long Tag;
        /// <summary><see cref="Cookie"/>: lets native code tell an ffi object from other userdata without a metatable lookup.</summary>
        public long Cookie;
        public long Size;
    }

    /// <summary>The kind word of every Buffer and slice (top bit set, as every kind's tag).</summary>
    public static readonly long Tag = Metatables.NewTag();

    /// <summary>
    /// A random per-process value stored in every ffi object's header (<see cref="NativeObject"/>).
    /// The native fast paths (<see cref="BufferNative"/>) and the C# paths take a userdata of at
    /// least sizeof(Header) bytes carrying it and <see cref="Tag"/> for a Buffer. Scripts
    /// cannot create a userdata with chosen contents at that offset short of knowing this value.
    /// </summary>
    public static readonly long Cookie = NewCookie();

    static long NewCookie()
    {
        long c;
        do c = BitConverter.ToInt64(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8));
        while (c == 0);
        return c;
    }

    public const string TypeName = "Buffer";

    /// <summary>The largest Buffer: 2^40 bytes (1 TiB). Larger sizes are refused before any allocation.</summary>
    public const long MaxSize = 1L << 40;

    const int Alignment = 16;

    /// <summary>Above this size the allocation is tried outside Lua first, so a failure is a clean error, not Lua's out-of-memory unwinding.</summary>
    const long ProbeSize = 1L << 26;

    /// <summary>
    /// Throws a clean error when a userdata of <paramref name="size"/> bytes cannot be allocated:
    /// past the runtime's memory limit, or more than the machine has. Call it before lua_newuserdatauv.
    /// </summary>
    public static void CheckAllocatable(nint L, long size, string function)
    {
        Allocator.CheckBudget(L, size); // the runtime's memory limit (C# on the stack would let Lua go past it)
        if (size > ProbeSize)
        {
            // The bytes are zero-filled, so every page is touched: more than the machine (or container) has cannot work.
            long available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
            if (available > 0 && size > available)
                throw new LuaException($"{function}: cannot allocate {size} bytes (more than the {available} bytes of memory available)");
            // lua_newuserdatauv raises "not enough memory" with a longjmp, which must not cross C# frames:
            // find out first whether the C allocator can give this much at all.
            void* probe;
            try { probe = NativeMemory.Alloc((nuint)size + Alignment); }
            catch (OutOfMemoryException) { throw new LuaException($"{function}: cannot allocate {size} bytes (out of memory)"); }
            NativeMemory.Free(probe);
        }
    }

    /// <summary>Pushes a new zero-filled Buffer of <paramref name="size"/> bytes (already validated: 0..MaxSize).</summary>
    public static Header* New(nint L, long size, string function)
    {
        CheckAllocatable(L, size, function);
        var b = (Header*)newuserdatauv(L, (nuint)(sizeof(Header) + Alignment - 1 + size), 0);
        nint bytes = ((nint)b + sizeof(Header) + Alignment - 1) & ~(nint)(Alignment - 1);
        b->Address = bytes;
        b->Tag = Tag;
        b->Size = size;
        b->Cookie = Cookie;
        NativeMemory.Clear((void*)bytes, (nuint)size);
        BufferMethods.PushMetatable(L);
        setmetatable(L, -2);
        return b;
    }

    /// <summary>Pushes a slice of the Buffer at <paramref name="parent"/>: <paramref name="size"/> bytes from <paramref name="offset"/> (already bounds-checked).</summary>
    public static Header* NewSlice(nint L, int parent, Header* of, long offset, long size)
    {
        parent = absindex(L, parent);
        var b = (Header*)newuserdatauv(L, (nuint)sizeof(Header), 1);
        b->Address = of->Address + (nint)offset;
        b->Tag = Tag;
        b->Size = size;
        b->Cookie = Cookie;
        // Keep the owner of the bytes alive: the parent's own owner when the parent is a slice.
        if (getiuservalue(L, parent, 1) != TUSERDATA)
        {
            settop(L, -2);
            pushvalue(L, parent);
        }
        setiuservalue(L, -2, 1);
        BufferMethods.PushMetatable(L);
        setmetatable(L, -2);
        return b;
    }

    /// <summary>The Buffer at idx, or null when idx holds anything else: its header says so, whatever its metatable.</summary>
    public static Header* TryGet(nint L, int idx) =>
        NativeObject.KindOf(L, idx, out var block) == NativeObject.Kind.Buffer ? (Header*)block : null;

    /// <summary>The Buffer at idx; an error naming <paramref name="function"/> and argument <paramref name="arg"/> otherwise.</summary>
    public static Header* Check(nint L, int idx, int arg, string function)
    {
        var b = TryGet(L, idx);
        if (b == null) throw LuaException.BadArgument(arg, function, $"Buffer expected, got {LuaOps.TypeName(L, idx)}");
        return b;
    }

    /// <summary>
    /// Throws unless [offset, offset + length) lies within the buffer. Written so that
    /// no sum can overflow: offsets near 2^63 and negative ones are refused too.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CheckRange(Header* b, long offset, long length, string what)
    {
        if ((ulong)offset > (ulong)b->Size || (ulong)length > (ulong)(b->Size - offset))
            throw OutOfBounds(b, offset, length, what);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static LuaException OutOfBounds(Header* b, long offset, long length, string what) =>
        new($"{what}: offset {offset} + {length} bytes is out of bounds (buffer size {b->Size})");

    /// <summary>An integer offset or length argument: a Lua integer or a float with an exact integer value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long Integer(nint L, int idx, int arg, string function, string what)
    {
        if (!LuaToC.TryInteger(L, idx, out var v)) throw NotInteger(L, idx, arg, function, what);
        return v;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static LuaException NotInteger(nint L, int idx, int arg, string function, string what)
    {
        if (type(L, idx) == TNUMBER)
        {
            int ok;
            double d = tonumberx(L, idx, &ok);
            return LuaException.BadArgument(arg, function, $"{what} must be an integer, got {d.ToString("R", CultureInfo.InvariantCulture)}");
        }
        return LuaException.BadArgument(arg, function, $"{what} expected, got {LuaOps.TypeName(L, idx)}");
    }

    /// <summary>The size argument of ffi.buffer / ffi.alloc: an integer in 0..<see cref="MaxSize"/>.</summary>
    public static long CheckSize(nint L, int idx, int arg, string function)
    {
        long size = Integer(L, idx, arg, function, "size");
        if (size < 0) throw LuaException.BadArgument(arg, function, $"size must not be negative, got {size}");
        if (size > MaxSize) throw LuaException.BadArgument(arg, function, $"size {size} is larger than the limit of {MaxSize} bytes (2^40)");
        return size;
    }

    public static string Format(Header* b) => $"Buffer({b->Size} bytes): 0x{(ulong)b->Address:x}";
}
