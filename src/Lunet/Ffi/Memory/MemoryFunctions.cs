using Lunet.Interop;
using static Lunet.Interop.LuaApi;

namespace Lunet.Ffi.Memory;

/// <summary>
/// The ffi module's memory functions: buffer/alloc, cast, string, and Pluto's
/// read/write. Buffers are bounds-checked; a raw pointer carries no bounds, so
/// through one only NULL can be refused (see docs/memory.md).
/// </summary>
internal static unsafe class MemoryFunctions
{
    /// <summary>ffi.buffer(size)</summary>
    public static int NewBuffer(nint L)
    {
        Buffer.New(L, Buffer.CheckSize(L, 1, 1, "buffer"), "ffi.buffer");
        return 1;
    }

    /// <summary>ffi.alloc(size): the same as ffi.buffer.</summary>
    public static int Alloc(nint L)
    {
        Buffer.New(L, Buffer.CheckSize(L, 1, 1, "alloc"), "ffi.alloc");
        return 1;
    }

    /// <summary>
    /// The memory an argument stands for, as its header says (<see cref="NativeObject.KindOf"/>): a
    /// Buffer (with its size), an instance or view (its type's size), a pointer value (size unknown,
    /// -1: a raw pointer carries no bounds) or nil (NULL). Any other ffi object is no memory: an error.
    /// </summary>
    static nint Memory(nint L, int idx, string function, out long size, out Buffer.Header* buffer)
    {
        buffer = null;
        size = -1;
        switch (NativeObject.KindOf(L, idx, out var block))
        {
            case NativeObject.Kind.Buffer:
                buffer = (Buffer.Header*)block;
                size = buffer->Size;
                return buffer->Address;
            case NativeObject.Kind.Instance:
                var instance = (Instance.Header*)block;
                size = Instance.TypeOf(instance).Size; // an instance or view is bounded by its type
                return instance->Address;
            case NativeObject.Kind.Unbounded:
                throw NativeObject.NoMemory(L, idx, idx, function);
        }
        int t = type(L, idx);
        if (t == TLIGHTUSERDATA) return touserdata(L, idx);
        if (t == TNIL) return 0;
        throw LuaException.BadArgument(idx, function, $"pointer or Buffer expected, got {LuaOps.TypeName(L, idx)}");
    }

    /// <summary>ffi.cast(ptr, ctype): the ctype value stored at ptr, exactly as Buffer:read(0, ctype).</summary>
    public static int Cast(nint L)
    {
        nint at = Memory(L, 1, "cast", out long size, out var buffer);
        var name = FfiLimits.Name(L, 2, 2, "cast", "type name", "type name");
        var t = FfiContext.Of(L).Types.Resolve(name);
        int length = MemoryAccess.Size(t, "ffi.cast");
        if (buffer != null) Buffer.CheckRange(buffer, 0, length, "ffi.cast");
        else if (size >= 0 && length > size) throw new LuaException($"ffi.cast: a {t.Name} ({length} bytes) does not fit in the {size} bytes given");
        else if (at == 0) throw new LuaException($"ffi.cast: cannot read a {t.Name} through a NULL pointer");
        MemoryAccess.Read(L, t, (byte*)at, size >= 0 ? 1 : 0, "ffi.cast"); // a view keeps a Buffer or instance alive
        return 1;
    }

    /// <summary>ffi.string(ptr [, len]): the C string at ptr, or exactly len bytes; nil for NULL.</summary>
    public static int String(nint L)
    {
        nint at = Memory(L, 1, "string", out long size, out var buffer);
        bool hasLength = type(L, 2) is not (TNONE or TNIL);
        long length = hasLength ? Buffer.Integer(L, 2, 2, "string", "length") : 0;
        if (length < 0) throw LuaException.BadArgument(2, "string", $"length must not be negative, got {length}");
        if (hasLength) LuaOps.CheckPushLength(L, length, "ffi.string");
        if (at == 0)
        {
            pushnil(L);
            return 1;
        }
        if (buffer != null)
        {
            if (hasLength) Buffer.CheckRange(buffer, 0, length, "ffi.string");
            else
            {
                length = BufferMethods.StringLength((byte*)at, size);
                LuaOps.CheckPushLength(L, length, "ffi.string");
            }
            pushlstring(L, (byte*)at, (nuint)length);
        }
        else if (size >= 0)
        {
            // An instance or view: bounded by its size, as a Buffer is.
            if (hasLength && length > size) throw new LuaException($"ffi.string: {length} bytes asked of an object of {size} bytes");
            if (!hasLength) length = BufferMethods.StringLength((byte*)at, size);
            pushlstring(L, (byte*)at, (nuint)length);
        }
        else if (hasLength) pushlstring(L, (byte*)at, (nuint)length);
        else pushstring(L, (byte*)at);
        return 1;
    }

    /// <summary>ffi.read(buf): the whole Buffer as a string (Pluto).</summary>
    public static int Read(nint L)
    {
        var b = Buffer.Check(L, 1, 1, "read");
        LuaOps.CheckPushLength(L, b->Size, "ffi.read");
        pushlstring(L, (byte*)b->Address, (nuint)b->Size);
        return 1;
    }

    /// <summary>ffi.write(str, buf): the bytes of str at the start of the Buffer (Pluto).</summary>
    public static int Write(nint L)
    {
        if (type(L, 1) != TSTRING)
            throw LuaException.BadArgument(1, "write", $"string expected, got {LuaOps.TypeName(L, 1)}");
        var b = Buffer.Check(L, 2, 2, "write");
        nuint n;
        byte* s = tolstring(L, 1, &n);
        Buffer.CheckRange(b, 0, (long)n, "ffi.write");
        System.Runtime.InteropServices.NativeMemory.Copy(s, (void*)b->Address, n);
        return 0;
    }

    /// <summary>For ffi.sizeof: true and the size when the value at idx is a Buffer.</summary>
    public static bool TryBufferSize(nint L, int idx, out long size)
    {
        var b = Buffer.TryGet(L, idx);
        size = b != null ? b->Size : 0;
        return b != null;
    }
}
