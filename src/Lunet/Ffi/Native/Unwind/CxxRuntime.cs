using Lunet.Interop;

namespace Lunet.Ffi.Native.Unwind;

/// <summary>
/// The C++ runtime that threw an exception, asked through its Itanium ABI exports: begin and end
/// the catch, the caught exception's type and object, whether that type is a std::exception (the
/// type_info of std::exception asked through its virtual <c>__do_catch</c>, which also adjusts the
/// object to that base), and its type name demangled. Found from the exception's class (libstdc++
/// throws "GNUCC++", libc++abi "CLNGC++") among the libraries already loaded, at the first
/// exception: only a C++ library that throws brings its runtime into the process.
/// </summary>
internal sealed unsafe class CxxRuntime
{
    // The exception classes, as 64-bit numbers: a vendor of 7 bytes, then 0 (primary) or 1 (dependent: rethrown from an exception_ptr).
    const ulong GnuVendor = 0x474E5543432B2BUL, LlvmVendor = 0x434C4E47432B2BUL; // "GNUCC++", "CLNGC++"
    const int RTLD_NOLOAD = 4;

    // Slots of the runtimes' virtual tables (the same in libstdc++ and libc++abi): type_info's
    // __do_catch (libc++abi: can_catch) after the two destructors and two queries; std::exception's what().
    const int DoCatchSlot = 4, WhatSlot = 2;
    const int TypeNameOffset = 8;

    public readonly delegate* unmanaged[Cdecl]<nint, nint> BeginCatch;
    public readonly delegate* unmanaged[Cdecl]<void> EndCatch;
    readonly delegate* unmanaged[Cdecl]<nint> currentExceptionType;
    readonly delegate* unmanaged[Cdecl]<byte*, byte*, nuint*, int*, byte*> demangle;
    readonly nint stdExceptionType;
    // The caught object: libstdc++ through std::current_exception (an exception_ptr returned in memory,
    // then destroyed), libc++abi through __cxa_current_primary_exception and its reference count.
    readonly delegate* unmanaged[Cdecl]<nint*, nint*> currentException;
    readonly delegate* unmanaged[Cdecl]<nint*, void> exceptionPtrDestructor;
    readonly delegate* unmanaged[Cdecl]<nint> currentPrimary;
    readonly delegate* unmanaged[Cdecl]<nint, void> decrementRefcount;

    static CxxRuntime? gnu, llvm;

    /// <summary>Whether <paramref name="exceptionClass"/> is a C++ exception of a runtime this class knows.</summary>
    public static bool IsCxx(ulong exceptionClass) =>
        (exceptionClass & 0xFF) <= 1 && (exceptionClass >> 8) is GnuVendor or LlvmVendor;

    /// <summary>The runtime that threw an exception of <paramref name="exceptionClass"/>; null when it cannot be found.</summary>
    public static CxxRuntime? For(ulong exceptionClass)
    {
        if (!IsCxx(exceptionClass)) return null;
        lock (typeof(CxxRuntime))
        {
            if (exceptionClass >> 8 == GnuVendor) return gnu ??= Find(["libstdc++.so.6"]);
            return llvm ??= Find(["libc++abi.so.1", "libc++.so.1"]);
        }
    }

    /// <summary>The runtime's exports in the first of <paramref name="files"/> already loaded, else in the process's global scope.</summary>
    static CxxRuntime? Find(string[] files)
    {
        foreach (var file in files)
        {
            var h = Open(file, LibC.RTLD_NOW | RTLD_NOLOAD);
            if (h != 0 && new CxxRuntime(h) is { IsUsable: true } r) return r;
        }
        var global = LibC.dlopen(null, LibC.RTLD_NOW);
        return global != 0 && new CxxRuntime(global) is { IsUsable: true } g ? g : null;
    }

    static nint Open(string file, int flags)
    {
        var name = System.Text.Encoding.UTF8.GetBytes(file + "\0");
        fixed (byte* p = name) return LibC.dlopen(p, flags);
    }

    CxxRuntime(nint h)
    {
        BeginCatch = (delegate* unmanaged[Cdecl]<nint, nint>)Symbol(h, "__cxa_begin_catch");
        EndCatch = (delegate* unmanaged[Cdecl]<void>)Symbol(h, "__cxa_end_catch");
        currentExceptionType = (delegate* unmanaged[Cdecl]<nint>)Symbol(h, "__cxa_current_exception_type");
        demangle = (delegate* unmanaged[Cdecl]<byte*, byte*, nuint*, int*, byte*>)Symbol(h, "__cxa_demangle");
        stdExceptionType = Symbol(h, "_ZTISt9exception");
        currentPrimary = (delegate* unmanaged[Cdecl]<nint>)Symbol(h, "__cxa_current_primary_exception");
        decrementRefcount = (delegate* unmanaged[Cdecl]<nint, void>)Symbol(h, "__cxa_decrement_exception_refcount");
        if (currentPrimary == null || decrementRefcount == null)
        {
            currentPrimary = null;
            currentException = (delegate* unmanaged[Cdecl]<nint*, nint*>)Symbol(h, "_ZSt17current_exceptionv");
            exceptionPtrDestructor = (delegate* unmanaged[Cdecl]<nint*, void>)Symbol(h, "_ZNSt15__exception_ptr13exception_ptrD1Ev");
        }
    }

    bool IsUsable => BeginCatch != null && EndCatch != null && currentExceptionType != null;

    static nint Symbol(nint h, string name)
    {
        var bytes = System.Text.Encoding.ASCII.GetBytes(name + "\0");
        fixed (byte* p = bytes) return LibC.dlsym(h, p);
    }

    /// <summary>The std::type_info of the exception being handled on this thread (between begin and end of its catch).</summary>
    public nint CurrentType() => currentExceptionType();

    /// <summary>The thrown object of the exception being handled, or 0 when this runtime cannot say.</summary>
    public nint CurrentObject()
    {
        if (currentPrimary != null)
        {
            var p = currentPrimary();
            if (p != 0) decrementRefcount(p); // the catch still holds it
            return p;
        }
        if (currentException == null || exceptionPtrDestructor == null) return 0;
        nint ptr = 0;                         // std::exception_ptr: the object's address, one reference
        currentException(&ptr);
        var o = ptr;
        exceptionPtrDestructor(&ptr);
        return o;
    }

    /// <summary>
    /// The object as a std::exception when <paramref name="type"/> is std::exception or derives from it
    /// (the object adjusted to that base), else 0.
    /// </summary>
    public nint AsStdException(nint type, nint thrown)
    {
        if (stdExceptionType == 0 || type == 0 || thrown == 0) return 0;
        var doCatch = (delegate* unmanaged[Cdecl]<nint, nint, nint*, uint, byte>)(*(nint**)stdExceptionType)[DoCatchSlot];
        nint adjusted = thrown;
        return doCatch(stdExceptionType, type, &adjusted, 1) != 0 ? adjusted : 0;
    }

    /// <summary>what() of a std::exception.</summary>
    public static byte* What(nint exception) =>
        ((delegate* unmanaged[Cdecl]<nint, byte*>)(*(nint**)exception)[WhatSlot])(exception);

    /// <summary>The name of <paramref name="type"/> (a std::type_info), demangled where the runtime can; null if it has none.</summary>
    public byte[]? TypeName(nint type, int limit)
    {
        if (type == 0) return null;
        var mangled = *(byte**)(type + TypeNameOffset);
        if (mangled == null) return null;
        if (*mangled == (byte)'*') mangled++;   // libstdc++'s mark of a name compared by address
        if (demangle != null)
        {
            int status = -1;
            var plain = demangle(mangled, null, null, &status);
            if (plain != null)
            {
                try { if (status == 0) return Bytes(plain, limit); }
                finally { System.Runtime.InteropServices.NativeMemory.Free(plain); }
            }
        }
        return Bytes(mangled, limit);
    }

    /// <summary>A C string's bytes, at most <paramref name="limit"/> of them (then "...").</summary>
    public static byte[] Bytes(byte* s, int limit)
    {
        int n = 0;
        while (n < limit && s[n] != 0) n++;
        var bytes = new ReadOnlySpan<byte>(s, n);
        return s[n] != 0 ? [.. bytes, .. "..."u8] : bytes.ToArray();
    }
}
