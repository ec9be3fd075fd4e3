using System.Runtime.CompilerServices;
using Lunet.Ffi.Conversion;
using Lunet.Ffi.Types;
using Lunet.Interop;

namespace Lunet.Ffi.Memory;

/// <summary>
/// Reading and writing one typed value in native memory, for Buffer:read/write and
/// ffi.cast. The one place that dispatches on the kind of <see cref="CType"/>:
/// scalars go to the shared conversions (<see cref="CToLua"/>, <see cref="LuaToC"/>);
/// a record type (struct view / struct copy) plugs in here. Bounds are the caller's
/// job: by the time these run, [at, at + Size(t)) is known to be inside the memory;
/// the alignment of a view into a Buffer or instance is checked here.
/// </summary>
internal static unsafe class MemoryAccess
{
    /// <summary>The number of bytes an access of <paramref name="t"/> touches; an error for types that have no value (void).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Size(CType t, string what)
    {
        int size = t.Size;
        if (size <= 0 || t.Scalar == ScalarKind.Void) throw NoValue(t, what);
        return size;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static LuaException NoValue(CType t, string what) => new($"{what}: type {t.Name} has no value to read or write");

    /// <summary>
    /// Pushes the value of type <paramref name="t"/> stored at <paramref name="at"/>.
    /// <paramref name="owner"/> is the stack index of the object that owns the memory
    /// (a view into it must keep it alive), or 0 for raw memory.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Read(nint L, CType t, byte* at, int owner, string what)
    {
        if (t.Scalar is not (ScalarKind.None or ScalarKind.Void))
        {
            CToLua.Load(L, t, at);
            return;
        }
        if (InstanceMethods.IsAggregate(t))
        {
            // A Buffer or an instance holds objects at their alignment only: one at a misaligned address is no
            // object of that type (C given it may fault on an aligned load). Raw memory is taken as given; a
            // field's view is where the layout put it (a packed record's members too).
            if (owner != 0 && (nint)at % t.Alignment != 0) throw Misaligned(t, at, what);
            Instance.NewView(L, owner, t, (nint)at);
            return;
        }
        throw Unsupported(t, what, "read");
    }

    /// <summary>Stores the Lua value at <paramref name="value"/> as a <paramref name="t"/> at <paramref name="at"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Write(nint L, int value, CType t, byte* at, string what, Func<string, LuaException> fail)
    {
        if (t.Scalar is not (ScalarKind.None or ScalarKind.Void))
        {
            LuaToC.Store(L, value, t, at, fail);
            return;
        }
        if (InstanceMethods.IsAggregate(t))
        {
            InstanceMethods.Store(L, value, t, at, t.Name, what);
            return;
        }
        throw Unsupported(t, what, "write");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static LuaException Misaligned(CType t, byte* at, string what) =>
        new($"{what}: a {t.Name} must be at an address aligned to {t.Alignment} bytes; 0x{(ulong)at:x} is {(ulong)at % (ulong)t.Alignment} past one (choose an offset that makes the address a multiple of {t.Alignment})");

    [MethodImpl(MethodImplOptions.NoInlining)]
    static LuaException Unsupported(CType t, string what, string verb) =>
        new($"{what}: cannot {verb} a value of type {t.Name}");
}
