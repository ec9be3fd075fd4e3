using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Lunet.Interop;
using static Lunet.Interop.LuaApi;
using Header = Lunet.Ffi.Memory.Buffer.Header;

namespace Lunet.Ffi.Memory;

/// <summary>
/// The Buffer members scripts use: size, ptr, read, write, zero, readBytes,
/// writeBytes, readString, writeString, slice; tostring and #. Every method is a
/// closure whose upvalue is the per-state Buffer state (a userdata holding the
/// metatable's address and a handle to the type-name cache), so checking self and
/// resolving a type name costs no registry lookup and no allocation.
/// </summary>
internal static unsafe class BufferMethods
{
    const string MetatableName = Buffer.TypeName;
    const string StateMetatableName = "ffi.bufferstate";

    /// <summary>The state userdata block: a GCHandle to the type cache and its tag (<see cref="Metatables"/>).</summary>
    struct State
    {
        public nint Cache;
        public nint Tag;
        /// <summary>The addresses of the interned member names, in <see cref="Members"/> order (anchored by the members table).</summary>
        public fixed long Keys[MemberCount];
        /// <summary>The native type-name table: <see cref="BufferNative.TypeSlots"/> entries { nint string; int kind; int size }.</summary>
        public fixed long Types[BufferNative.TypeSlots * BufferNative.TypeEntrySize / 8];
    }

    /// <summary>The native __index, read, write and readBytes (x86-64 System V only), compiled once per process.</summary>
    static readonly Lazy<BufferNative.Entries> Native = new(() =>
    {
        State s = default;
        byte* b = (byte*)&s;
        return BufferNative.Compile((int)((byte*)s.Keys - b), MemberCount, MethodCount, SizeMember, (int)((byte*)s.Types - b));
    });

    /// <summary>The members: methods first, then the properties.</summary>
    static readonly string[] Members = ["read", "write", "zero", "readBytes", "writeBytes", "readString", "writeString", "slice", "size", "ptr"];
    const int MemberCount = 10, MethodCount = 8, SizeMember = 8;

    static int StateIndex => CFunction.Upvalue(1);

    /// <summary>Pushes the state's Buffer metatable, building it on first use.</summary>
    public static void PushMetatable(nint L) => Metatables.Push(L, MetatableName, &Build);

    static void Build(nint L)
    {
        int mt = gettop(L);
        LuaOps.PushString(L, MetatableName);
        LuaOps.SetField(L, mt, "__metatable");

        // The shared upvalue: the state block.
        var state = (State*)newuserdatauv(L, (nuint)sizeof(State), 0);
        NativeMemory.Clear(state, (nuint)sizeof(State));
        state->Tag = (nint)StateTag;
        bool native = BufferNative.IsSupported;
        state->Cache = NewCache(state);
        Metatables.Push(L, StateMetatableName, &BuildStateMetatable);
        setmetatable(L, -2);
        int st = gettop(L);

        // The members table: [i] = method closure and [name] = true, which anchors the interned names whose
        // addresses __index compares against.
        createtable(L, MethodCount, MemberCount);
        int members = gettop(L);
        delegate*<nint, int>[] methods = [&Read, &Write, &Zero, &ReadBytes, &WriteBytes, &ReadString, &WriteString, &Slice];
        var entries = native ? Native.Value : default;
        nint[] nativeMethods = [entries.Read, entries.Write, 0, entries.ReadBytes, 0, 0, 0, 0];
        for (int i = 0; i < MemberCount; i++)
        {
            if (i < MethodCount)
            {
                pushvalue(L, st);
                if (nativeMethods[i] != 0) CFunction.PushNative(L, nativeMethods[i], methods[i], 1);
                else CFunction.Push(L, methods[i], 1);
                rawseti(L, members, i + 1);
            }
            LuaOps.PushString(L, Members[i]);
            state->Keys[i] = topointer(L, -1);
            pushboolean(L, 1);
            rawset(L, members);
        }

        // __index: one call that finds the member by the address of its interned name (native when it can be).
        pushvalue(L, st);
        pushvalue(L, members);
        if (native)
        {
            // The native __index finds a method with one raw lookup in a table of the methods by name.
            createtable(L, 0, MethodCount);
            for (int i = 0; i < MethodCount; i++)
            {
                LuaOps.PushString(L, Members[i]);
                rawgeti(L, members, i + 1);
                rawset(L, -3);
            }
            CFunction.PushNative(L, entries.Index, &Index, 3);
        }
        else CFunction.Push(L, &Index, 2);
        LuaOps.SetField(L, mt, "__index");

        MetaMethod(L, mt, st, "__newindex", &NewIndex);
        MetaMethod(L, mt, st, "__tostring", &ToString);
        MetaMethod(L, mt, st, "__len", &Length);
        settop(L, mt);
    }

    static readonly long StateTag = Metatables.NewTag();

    static void BuildStateMetatable(nint L) => CFunction.Set(L, -1, "__gc", &FreeState);

    static int FreeState(nint L)
    {
        Metatables.FreeHandle(L, StateTag);
        return 0;
    }

    static void MetaMethod(nint L, int mt, int state, string name, delegate*<nint, int> fn)
    {
        pushvalue(L, state);
        CFunction.Push(L, fn, 1);
        LuaOps.SetField(L, mt, name);
    }

    /// <summary>
    /// Self (argument 1) as a Buffer: its header says so (<see cref="NativeObject.KindOf"/>), whatever
    /// its metatable (debug.setmetatable can give the Buffer metatable to another userdata, or take it off a Buffer).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Header* Self(nint L, string method)
    {
        var b = Buffer.TryGet(L, 1);
        return b != null ? b : throw BadSelf(L, method);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static LuaException BadSelf(nint L, string method) =>
        LuaException.BadSelf(method, "Buffer", LuaOps.TypeName(L, 1), $"buf:{method}(...)");

    /// <summary>The type cache; made again if a script called the state's __gc by hand (debug.getmetatable reaches it).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static BufferTypeCache Cache(nint L)
    {
        var state = (State*)touserdata(L, StateIndex);
        if (state->Cache == 0) state->Cache = NewCache(state);
        return Unsafe.As<BufferTypeCache>(GCHandle.FromIntPtr(state->Cache).Target)!;
    }

    static nint NewCache(State* state) =>
        GCHandle.ToIntPtr(GCHandle.Alloc(new BufferTypeCache { NativeTypes = BufferNative.IsSupported ? (nint)state->Types : 0 }));

    static readonly Func<string, LuaException> WriteFail = m => LuaException.BadArgument(3, "write", m);

    /// <summary>buf:read(offset, ctype)</summary>
    static int Read(nint L)
    {
        var b = Self(L, "read");
        long offset = Buffer.Integer(L, 2, 1, "read", "offset");
        var t = Cache(L).Resolve(L, 3, 2, "read");
        int size = MemoryAccess.Size(t, "Buffer:read");
        Buffer.CheckRange(b, offset, size, "Buffer:read");
        MemoryAccess.Read(L, t, (byte*)b->Address + offset, 1, "Buffer:read");
        return 1;
    }

    /// <summary>buf:write(offset, ctype, value)</summary>
    static int Write(nint L)
    {
        var b = Self(L, "write");
        long offset = Buffer.Integer(L, 2, 1, "write", "offset");
        var t = Cache(L).Resolve(L, 3, 2, "write");
        int size = MemoryAccess.Size(t, "Buffer:write");
        Buffer.CheckRange(b, offset, size, "Buffer:write");
        MemoryAccess.Write(L, 4, t, (byte*)b->Address + offset, "Buffer:write", WriteFail);
        return 0;
    }

    /// <summary>buf:zero(): every byte to 0.</summary>
    static int Zero(nint L)
    {
        var b = Self(L, "zero");
        NativeMemory.Clear((void*)b->Address, (nuint)b->Size);
        return 0;
    }

    /// <summary>buf:readBytes(offset, len) → string of exactly len bytes.</summary>
    static int ReadBytes(nint L)
    {
        var b = Self(L, "readBytes");
        long offset = Buffer.Integer(L, 2, 1, "readBytes", "offset");
        long length = Buffer.Integer(L, 3, 2, "readBytes", "length");
        if (length < 0) throw LuaException.BadArgument(2, "readBytes", $"length must not be negative, got {length}");
        Buffer.CheckRange(b, offset, length, "Buffer:readBytes");
        LuaOps.CheckPushLength(L, length, "Buffer:readBytes");
        pushlstring(L, (byte*)b->Address + offset, (nuint)length);
        return 1;
    }

    /// <summary>buf:writeBytes(offset, bytes): the bytes of a string (or of another Buffer) at offset.</summary>
    static int WriteBytes(nint L)
    {
        var b = Self(L, "writeBytes");
        long offset = Buffer.Integer(L, 2, 1, "writeBytes", "offset");
        byte* source;
        long length;
        if (type(L, 3) == TSTRING)
        {
            nuint n;
            source = tolstring(L, 3, &n);
            length = (long)n;
        }
        else if (Buffer.TryGet(L, 3) is var other && other != null)
        {
            source = (byte*)other->Address;
            length = other->Size;
        }
        else throw LuaException.BadArgument(2, "writeBytes", $"string expected, got {LuaOps.TypeName(L, 3)}");
        Buffer.CheckRange(b, offset, length, "Buffer:writeBytes");
        NativeMemory.Copy(source, (byte*)b->Address + offset, (nuint)length); // memmove: slices may overlap
        return 0;
    }

    /// <summary>buf:readString([offset]) → the NUL-terminated string at offset; no NUL ends it at the buffer's end.</summary>
    static int ReadString(nint L)
    {
        var b = Self(L, "readString");
        long offset = type(L, 2) is TNONE or TNIL ? 0 : Buffer.Integer(L, 2, 1, "readString", "offset");
        Buffer.CheckRange(b, offset, 0, "Buffer:readString");
        byte* start = (byte*)b->Address + offset;
        long length = StringLength(start, b->Size - offset);
        LuaOps.CheckPushLength(L, length, "Buffer:readString");
        pushlstring(L, start, (nuint)length);
        return 1;
    }

    /// <summary>The length of the string at <paramref name="p"/>, at most <paramref name="max"/> bytes.</summary>
    public static long StringLength(byte* p, long max)
    {
        long done = 0;
        while (done < max)
        {
            int chunk = (int)Math.Min(max - done, int.MaxValue);
            int i = new ReadOnlySpan<byte>(p + done, chunk).IndexOf((byte)0);
            if (i >= 0) return done + i;
            done += chunk;
        }
        return max;
    }

    /// <summary>buf:writeString(offset, s): s and a terminating NUL.</summary>
    static int WriteString(nint L)
    {
        var b = Self(L, "writeString");
        long offset = Buffer.Integer(L, 2, 1, "writeString", "offset");
        if (type(L, 3) != TSTRING)
            throw LuaException.BadArgument(2, "writeString", $"string expected, got {LuaOps.TypeName(L, 3)}");
        nuint n;
        byte* s = tolstring(L, 3, &n);
        long length = (long)n;
        if ((ulong)offset > (ulong)b->Size || (ulong)length + 1 > (ulong)(b->Size - offset))
            throw new LuaException($"Buffer:writeString: offset {offset} + {length + 1} bytes ({length} and the terminating NUL) is out of bounds (buffer size {b->Size})");
        byte* at = (byte*)b->Address + offset;
        NativeMemory.Copy(s, at, n);
        at[length] = 0;
        return 0;
    }

    /// <summary>buf:slice(offset, size) → a Buffer over the same bytes that keeps the owner alive.</summary>
    static int Slice(nint L)
    {
        var b = Self(L, "slice");
        long offset = Buffer.Integer(L, 2, 1, "slice", "offset");
        long size = Buffer.Integer(L, 3, 2, "slice", "size");
        if (size < 0) throw LuaException.BadArgument(2, "slice", $"size must not be negative, got {size}");
        Buffer.CheckRange(b, offset, size, "Buffer:slice");
        Buffer.NewSlice(L, 1, b, offset, size);
        return 1;
    }

    /// <summary>__index: the methods, and the properties size and ptr; any other key is nil.</summary>
    static int Index(nint L)
    {
        var state = (State*)touserdata(L, StateIndex);
        if (type(L, 2) != TSTRING) return 0;
        long key = topointerFast(L, 2);
        for (int i = 0; i < MemberCount; i++)
        {
            if (state->Keys[i] != key) continue;
            if (i < MethodCount)
            {
                rawgetiFast(L, CFunction.Upvalue(2), i + 1);
                return 1;
            }
            var b = Self(L, "index");
            if (i == SizeMember) pushinteger(L, b->Size);
            else pushlightuserdata(L, b->Address);
            return 1;
        }
        return 0;
    }

    static int NewIndex(nint L)
    {
        Self(L, "newindex");
        throw new LuaException($"cannot set '{LuaOps.ToStringOrNull(L, 2) ?? LuaOps.TypeName(L, 2)}' on a Buffer: its members are read-only (use buf:write to change its bytes)");
    }

    static int ToString(nint L)
    {
        LuaOps.PushString(L, Buffer.Format(Self(L, "tostring")));
        return 1;
    }

    static int Length(nint L)
    {
        pushinteger(L, Self(L, "len")->Size);
        return 1;
    }
}
