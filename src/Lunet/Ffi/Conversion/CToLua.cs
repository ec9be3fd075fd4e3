using System.Runtime.CompilerServices;
using Lunet.Ffi.Types;
using Lunet.Interop;
using static Lunet.Interop.LuaApi;

namespace Lunet.Ffi.Conversion;

/// <summary>C value → Lua value: integers as Lua integers (u64 keeps its bits), pointers as light userdata, char* as a copied string (NULL → nil).</summary>
internal static unsafe class CToLua
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void PushCString(nint L, nint s)
    {
        if (s == 0) pushnil(L);
        else pushstring(L, (byte*)s);
    }

    /// <summary>Pushes the scalar of type <paramref name="t"/> stored at <paramref name="at"/>.</summary>
    public static void Load(nint L, CType t, byte* at)
    {
        switch (t.Scalar)
        {
            case ScalarKind.Bool: pushboolean(L, *at != 0 ? 1 : 0); break;
            case ScalarKind.I8: pushinteger(L, *(sbyte*)at); break;
            case ScalarKind.U8: pushinteger(L, *at); break;
            case ScalarKind.I16: pushinteger(L, Unsafe.ReadUnaligned<short>(at)); break;
            case ScalarKind.U16: pushinteger(L, Unsafe.ReadUnaligned<ushort>(at)); break;
            case ScalarKind.I32: pushinteger(L, Unsafe.ReadUnaligned<int>(at)); break;
            case ScalarKind.U32: pushinteger(L, Unsafe.ReadUnaligned<uint>(at)); break;
            case ScalarKind.I64 or ScalarKind.U64: pushinteger(L, Unsafe.ReadUnaligned<long>(at)); break;
            case ScalarKind.F32: pushnumber(L, Unsafe.ReadUnaligned<float>(at)); break;
            case ScalarKind.F64: pushnumber(L, Unsafe.ReadUnaligned<double>(at)); break;
            case ScalarKind.Pointer: pushlightuserdata(L, Unsafe.ReadUnaligned<nint>(at)); break;
            case ScalarKind.CString: PushCString(L, Unsafe.ReadUnaligned<nint>(at)); break;
            case ScalarKind.Void: pushnil(L); break;
            default: throw new LuaException($"cannot read a value of type {t.Name}");
        }
    }
}
