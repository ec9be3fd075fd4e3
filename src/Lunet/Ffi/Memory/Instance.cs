using System.Runtime.InteropServices;
using Lunet.Ffi.Types;
using Lunet.Interop;
using static Lunet.Interop.LuaApi;

namespace Lunet.Ffi.Memory;

/// <summary>
/// A struct, union or array instance (ffi.new) or a view into one (a nested field, an
/// element). One Lua full userdata: a header { address, tag, cookie, type } followed, for an
/// instance, by its zero-filled bytes, so the collector frees them and the address never moves.
/// The address word is where the bytes are, for every reader (C#, the native field paths, the
/// stubs): right after the header for a type aligned to at most <see cref="HeaderAlignment"/> (as Lua
/// aligns a userdata's memory), else at the first address after it aligned to the type, which the
/// block has the slack for (<see cref="Slack"/>), up to <see cref="FfiLimits.MaxAlignment"/>.
/// There is no __gc: the type word points at the runtime's block for the type
/// (<see cref="InstanceTypes"/>), not at anything an instance owns. A view is a header alone
/// whose user value 1 is the instance that owns the bytes. Both follow the <see cref="NativeObject"/> protocol (address first, cookie in the
/// third word), so they pass as pointer arguments; the tag in the second word (top bit set, so
/// a Buffer's size never equals it) tells an instance from other userdata.
/// </summary>
internal static unsafe class Instance
{
    [StructLayout(LayoutKind.Sequential)]
    public struct Header
    {
        public nint Address;
        public long Tag;
        public long Cookie;
        /// <summary>The type's block in this runtime (<see cref="InstanceTypes.Descriptor"/>).</summary>
        public nint Type;
    }

    public static readonly long Tag = Metatables.NewTag();

    /// <summary>The alignment Lua gives a userdata's memory (LUAI_MAXALIGN): the bytes of a type aligned to at most this follow the header directly.</summary>
    public const int HeaderAlignment = 8;

    /// <summary>The bytes an instance of a type aligned to <paramref name="alignment"/> needs past header and size to align its bytes: none when they can follow the header.</summary>
    public static int Slack(int alignment) => alignment <= HeaderAlignment ? 0 : alignment - 1;

    /// <summary>Pushes a new zero-filled instance of <paramref name="t"/> (complete, a record or an array).</summary>
    public static Header* New(nint L, CType t, string function)
    {
        long size = t.Size;
        int alignment = t.Alignment;
        if (alignment > FfiLimits.MaxAlignment)
            throw new LuaException($"{function}: {t.Name} is aligned to {alignment} bytes; instances can be aligned to at most {FfiLimits.MaxAlignment}");
        int padding = Slack(alignment);
        Buffer.CheckAllocatable(L, size + sizeof(Header) + padding, function);
        var type = InstanceTypes.For(L, t);
        var h = (Header*)newuserdatauv(L, (nuint)(sizeof(Header) + padding + size), 0);
        nint bytes = padding == 0 ? (nint)(h + 1) : ((nint)h + sizeof(Header) + padding) & ~(nint)(alignment - 1);
        NativeMemory.Clear((void*)bytes, (nuint)size);
        Fill(h, bytes, type);
        InstanceMethods.PushMetatable(L);
        setmetatable(L, -2);
        return h;
    }

    /// <summary>
    /// Pushes a view of type <paramref name="t"/> at <paramref name="address"/> inside the object at
    /// <paramref name="owner"/> (an instance, a view, a Buffer or a slice: what owns the bytes is kept
    /// alive), or 0 for raw memory (ffi.cast of a pointer), which nothing owns.
    /// </summary>
    public static Header* NewView(nint L, int owner, CType t, nint address)
    {
        if (owner != 0) owner = absindex(L, owner);
        var type = InstanceTypes.For(L, t);
        var h = (Header*)newuserdatauv(L, (nuint)sizeof(Header), 1);
        Fill(h, address, type);
        if (owner == 0)
        {
            InstanceMethods.PushMetatable(L);
            setmetatable(L, -2);
            return h;
        }
        // Keep the owner of the bytes alive: the owner's own owner when it is a view.
        if (getiuservalue(L, owner, 1) != TUSERDATA)
        {
            settop(L, -2);
            pushvalue(L, owner);
        }
        setiuservalue(L, -2, 1);
        InstanceMethods.PushMetatable(L);
        setmetatable(L, -2);
        return h;
    }

    static void Fill(Header* h, nint address, InstanceTypes.Descriptor* type)
    {
        h->Address = address;
        h->Tag = Tag;
        h->Cookie = Buffer.Cookie;
        h->Type = (nint)type;
    }

    /// <summary>The instance or view at idx, or null when idx holds anything else.</summary>
    public static Header* TryGet(nint L, int idx) =>
        NativeObject.KindOf(L, idx, out var block) == NativeObject.Kind.Instance ? (Header*)block : null;

    public static CType TypeOf(Header* h) => InstanceTypes.TypeOf((InstanceTypes.Descriptor*)h->Type);

    /// <summary>The type of the instance or view at idx, or null.</summary>
    public static CType? TryType(nint L, int idx) => TryGet(L, idx) is var h && h != null ? TypeOf(h) : null;

    /// <summary>Whether ffi.new can make an instance of <paramref name="t"/>; the reason when not.</summary>
    public static string? Refusal(CType t)
    {
        if (t.Kind == TypeKind.Function) return $"{t.Name} is a function type";
        if (t.Kind is not (TypeKind.Record or TypeKind.Array))
            return $"{t.Name} is not a struct, union or array type (use ffi.buffer for plain memory)";
        if (!t.IsComplete) return $"{t.Name} is incomplete (declared, not defined)";
        return null;
    }
}
