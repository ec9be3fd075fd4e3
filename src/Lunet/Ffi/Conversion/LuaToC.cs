using System.Runtime.CompilerServices;
using Lunet.Ffi.Memory;
using Lunet.Ffi.Types;
using Lunet.Interop;
using static Lunet.Interop.LuaApi;

namespace Lunet.Ffi.Conversion;

/// <summary>
/// Lua value → C value, one place for calls, buffers and fields alike. The Try*
/// methods are the fast path the call stubs use: false means "not convertible",
/// and <see cref="Describe"/> then says why.
/// </summary>
internal static unsafe class LuaToC
{
    /// <summary>A Lua integer, or a float with an exact integer value; strings are refused.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryInteger(nint L, int idx, out long value)
    {
        int ok;
        value = tointegerx(L, idx, &ok);
        // tointegerx also converts numeric strings; the contract does not.
        return ok != 0 && type(L, idx) == TNUMBER;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryNumber(nint L, int idx, out double value)
    {
        int ok;
        value = tonumberx(L, idx, &ok);
        return ok != 0 && type(L, idx) == TNUMBER;
    }

    /// <summary>A boolean; nil counts as false.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryBool(nint L, int idx, out byte value)
    {
        int t = type(L, idx);
        value = (byte)toboolean(L, idx);
        return t == TBOOLEAN || t == TNIL;
    }

    /// <summary>A pointer value, nil (NULL), or an ffi object (its address).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryPointer(nint L, int idx, out nint value)
    {
        value = touserdata(L, idx);
        if (value != 0)
            return type(L, idx) == TLIGHTUSERDATA || NativeObject.TryGetAddress(L, idx, out value);
        return type(L, idx) is TLIGHTUSERDATA or TNIL;
    }

    /// <summary>
    /// <see cref="TryPointer"/> for a value of type <paramref name="to"/>: a pointer to a
    /// struct or union takes an instance or view of that type or of an array of it, and refuses an instance
    /// of any other type (Buffers, callbacks and raw pointers carry no type: they are taken as they are).
    /// </summary>
    public static bool TryPointerTo(nint L, int idx, CType to, out nint value) =>
        TryPointer(L, idx, out value) && WrongInstance(L, idx, to) == null;

    /// <summary>The type of the instance at idx when a pointer of type <paramref name="to"/> cannot point at it; null when it can (or idx is no instance).</summary>
    static CType? WrongInstance(nint L, int idx, CType to)
    {
        if (to is not PointerType { Target: StructType target }) return null;
        var given = Instance.TryType(L, idx);
        if (given == null || ReferenceEquals(given, target) || given is ArrayType a && ReferenceEquals(a.Element, target)) return null;
        return given;
    }

    /// <summary>A Lua string (its bytes, not copied), nil (NULL), or an ffi object (its address).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryCString(nint L, int idx, out nint value)
    {
        int t = type(L, idx);
        if (t == TSTRING)
        {
            value = (nint)tolstring(L, idx, null);
            return true;
        }
        value = 0;
        if (t == TNIL) return true;
        return t == TUSERDATA && NativeObject.TryGetAddress(L, idx, out value);
    }

    /// <summary>Why the value at idx does not convert to <paramref name="to"/>: "i32 expected, got string".</summary>
    public static string Describe(nint L, int idx, CType to)
    {
        if (to.Scalar.IsInteger() && type(L, idx) == TNUMBER)
            return "number has no integer representation";
        if (WrongInstance(L, idx, to) is { } given)
            return $"{to.Name} expected, got {given.Name}";
        return $"{to.Name} expected, got {LuaOps.TypeName(L, idx)}";
    }

    /// <summary>Converts and stores a scalar at <paramref name="at"/>; throws a Lua error naming <paramref name="what"/> on a bad value.</summary>
    public static void Store(nint L, int idx, CType t, byte* at, Func<string, LuaException> fail)
    {
        switch (t.Scalar)
        {
            case ScalarKind.Bool:
                if (!TryBool(L, idx, out var b)) throw fail(Describe(L, idx, t));
                *at = b; return;
            case ScalarKind.I8 or ScalarKind.U8:
                *at = (byte)Int(L, idx, t, fail); return;
            case ScalarKind.I16 or ScalarKind.U16:
                Unsafe.WriteUnaligned(at, (short)Int(L, idx, t, fail)); return;
            case ScalarKind.I32 or ScalarKind.U32:
                Unsafe.WriteUnaligned(at, (int)Int(L, idx, t, fail)); return;
            case ScalarKind.I64 or ScalarKind.U64:
                Unsafe.WriteUnaligned(at, Int(L, idx, t, fail)); return;
            case ScalarKind.F32:
                Unsafe.WriteUnaligned(at, (float)Num(L, idx, t, fail)); return;
            case ScalarKind.F64:
                Unsafe.WriteUnaligned(at, Num(L, idx, t, fail)); return;
            case ScalarKind.Pointer:
                if (!TryPointer(L, idx, out var p)) throw fail(Describe(L, idx, t));
                Unsafe.WriteUnaligned(at, p); return;
            case ScalarKind.CString:
                // A stored char* must outlive the call: only NULL, pointers and ffi memory are accepted.
                if (type(L, idx) == TSTRING)
                    throw fail("cannot store a Lua string as a char* (its memory belongs to Lua); write it into a Buffer and store buf.ptr");
                if (!TryPointer(L, idx, out var s)) throw fail(Describe(L, idx, t));
                Unsafe.WriteUnaligned(at, s); return;
            default:
                throw fail($"cannot store a value of type {t.Name}");
        }
    }

    static long Int(nint L, int idx, CType t, Func<string, LuaException> fail) =>
        TryInteger(L, idx, out var v) ? v : throw fail(Describe(L, idx, t));

    static double Num(nint L, int idx, CType t, Func<string, LuaException> fail) =>
        TryNumber(L, idx, out var v) ? v : throw fail(Describe(L, idx, t));
}
