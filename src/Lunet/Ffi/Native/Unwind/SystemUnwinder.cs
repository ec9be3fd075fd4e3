using System.Runtime.InteropServices;

namespace Lunet.Ffi.Native.Unwind;

/// <summary>
/// The system unwinder C++ throws with on Linux (libgcc_s, which every C++ library built by g++
/// loads, and so does the .NET host): where code gets registered so the unwinder can walk through
/// it (<c>__register_frame</c>), and the functions a personality routine calls on the frame it is
/// asked about. Loaded once; where it is absent, nothing is registered and a C++ exception that
/// reaches a stub ends the process as before.
/// </summary>
internal static unsafe class SystemUnwinder
{
    static readonly nint Handle = Load();

    static nint Load()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64) return 0;
        return NativeLibrary.TryLoad("libgcc_s.so.1", out var h) ? h : 0;
    }

    static nint Export(string name) => Handle != 0 && NativeLibrary.TryGetExport(Handle, name, out var p) ? p : 0;

    /// <summary>void __register_frame(void *eh_frame): the records up to a zero length word.</summary>
    public static readonly nint RegisterFrame = Export("__register_frame");
    /// <summary>void *_Unwind_GetLanguageSpecificData(struct _Unwind_Context *)</summary>
    public static readonly nint GetLanguageSpecificData = Export("_Unwind_GetLanguageSpecificData");
    /// <summary>uintptr_t _Unwind_GetRegionStart(struct _Unwind_Context *): the start of the frame's code.</summary>
    public static readonly nint GetRegionStart = Export("_Unwind_GetRegionStart");
    /// <summary>uintptr_t _Unwind_GetIP(struct _Unwind_Context *): the frame's return address.</summary>
    public static readonly nint GetIP = Export("_Unwind_GetIP");
    /// <summary>void _Unwind_SetGR(struct _Unwind_Context *, int dwarfRegister, uintptr_t value)</summary>
    public static readonly nint SetGR = Export("_Unwind_SetGR");
    /// <summary>void _Unwind_SetIP(struct _Unwind_Context *, uintptr_t ip)</summary>
    public static readonly nint SetIP = Export("_Unwind_SetIP");
    /// <summary>void _Unwind_DeleteException(struct _Unwind_Exception *): frees an exception through its own cleanup.</summary>
    public static readonly nint DeleteException = Export("_Unwind_DeleteException");

    /// <summary>Whether code can be registered and its personality routine has what it calls.</summary>
    public static readonly bool IsAvailable =
        RegisterFrame != 0 && GetLanguageSpecificData != 0 && GetRegionStart != 0 && GetIP != 0
        && SetGR != 0 && SetIP != 0 && DeleteException != 0;

    /// <summary>Registers the records at <paramref name="ehFrame"/> (which must stay mapped: they never go).</summary>
    public static void Register(nint ehFrame) => ((delegate* unmanaged[Cdecl]<nint, void>)RegisterFrame)(ehFrame);
}
