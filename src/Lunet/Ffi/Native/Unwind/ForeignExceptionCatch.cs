using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Lunet.Interop;

namespace Lunet.Ffi.Native.Unwind;

/// <summary>
/// What a stub's landing calls with the foreign exception its guarded call let out: the message is
/// made (for a C++ exception, "C++ exception: " and what() where it is a std::exception, else the
/// thrown type's name), the exception is done with (its catch begun and ended, which destroys it;
/// any other kind is deleted through its own cleanup), and only then is the message pushed on L.
/// The stub raises it with lua_error: no Lua error leaves C#.
/// </summary>
internal static unsafe class ForeignExceptionCatch
{
    /// <summary>void catch(lua_State *L, struct _Unwind_Exception *exception): pushes the message.</summary>
    public static readonly nint Address = (nint)(delegate* unmanaged[Cdecl]<nint, nint, void>)&Catch;

    /// <summary>The longest what() or type name a message carries, in bytes (a longer one is cut, with "...").</summary>
    public const int MessageLimit = 4096;

    static ReadOnlySpan<byte> Prefix => "C++ exception: "u8;

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    static void Catch(nint L, nint exception)
    {
        using var frame = ProtectedCall.Enter(L);
        byte[] message;
        try { message = Take(exception); }
        catch { message = "C++ exception"u8.ToArray(); }
        try
        {
            fixed (byte* p = message) LuaApi.pushlstring(L, p, (nuint)message.Length);
        }
        catch { LuaApi.pushnil(L); }
    }

    /// <summary>The message for <paramref name="exception"/>, which is done with when this returns.</summary>
    internal static byte[] Take(nint exception)
    {
        ulong exceptionClass = *(ulong*)exception;   // _Unwind_Exception.exception_class
        if (!CxxRuntime.IsCxx(exceptionClass))
        {
            ((delegate* unmanaged[Cdecl]<nint, void>)SystemUnwinder.DeleteException)(exception);
            return System.Text.Encoding.ASCII.GetBytes($"foreign exception (class {ClassName(exceptionClass)})");
        }
        if (CxxRuntime.For(exceptionClass) is not { } cxx)
        {
            ((delegate* unmanaged[Cdecl]<nint, void>)SystemUnwinder.DeleteException)(exception);
            return "C++ exception (its C++ runtime could not be found to ask what it was)"u8.ToArray();
        }
        cxx.BeginCatch(exception);
        try
        {
            var type = cxx.CurrentType();
            var asStd = cxx.AsStdException(type, cxx.CurrentObject());
            var what = asStd != 0 ? CxxRuntime.What(asStd) : null;
            var text = what != null ? CxxRuntime.Bytes(what, MessageLimit) : cxx.TypeName(type, MessageLimit);
            return text == null ? "C++ exception of an unknown type"u8.ToArray() : [.. Prefix, .. text];
        }
        finally
        {
            cxx.EndCatch();
        }
    }

    /// <summary>An exception class as its 8 characters (most significant byte first), '.' for what does not print.</summary>
    static string ClassName(ulong c)
    {
        var chars = new char[8];
        for (int i = 0; i < 8; i++)
        {
            var b = (byte)(c >> (56 - 8 * i));
            chars[i] = b is >= 0x20 and < 0x7F ? (char)b : '.';
        }
        return "'" + new string(chars) + "'";
    }
}
