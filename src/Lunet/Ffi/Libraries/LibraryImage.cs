using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Lunet.Interop;

namespace Lunet.Ffi.Libraries;

/// <summary>
/// Where a loaded library's code lies: the executable segments of its image, as the loader
/// mapped them (what a function pointer may reach under the allow-list; Calls/CallTargets.cs).
/// On Linux, the PT_LOAD segments with PF_X of the object whose link_map the handle names,
/// read with dl_iterate_phdr. Where that is not available, the object dladdr names for an
/// address must be the library's file (any part of its image then counts).
/// </summary>
internal static unsafe class LibraryImage
{
    static readonly delegate* unmanaged[Cdecl]<nint, nint, int> iteratePhdr =
        (delegate* unmanaged[Cdecl]<nint, nint, int>)ExportOrZero("dl_iterate_phdr");

    static nint ExportOrZero(string name) =>
        LibC.Handle != 0 && NativeLibrary.TryGetExport(LibC.Handle, name, out var p) ? p : 0;

    /// <summary>The executable ranges [start, end) of the object <paramref name="handle"/> opened; null when the loader cannot say.</summary>
    public static (nint Start, nint End)[]? CodeOf(nint handle)
    {
        if (iteratePhdr == null || LibC.dlinfo == null) return null;
        nint map;
        if (LibC.dlinfo(handle, LibC.RTLD_DI_LINKMAP, &map) != 0 || map == 0) return null;
        // struct link_map { ElfW(Addr) l_addr; char *l_name; ... }: dl_iterate_phdr reports the same two.
        var search = new Search { Base = ((nint*)map)[0], Name = ((nint*)map)[1] };
        var ranges = new List<(nint, nint)>();
        var gc = GCHandle.Alloc(ranges);
        try
        {
            search.Ranges = GCHandle.ToIntPtr(gc);
            iteratePhdr((nint)(delegate* unmanaged[Cdecl]<nint, nuint, Search*, int>)&Visit, (nint)(&search));
        }
        finally { gc.Free(); }
        return search.Found ? [.. ranges] : null;
    }

    struct Search
    {
        public nint Base, Name, Ranges;
        public bool Found;
    }

    const uint PT_LOAD = 1, PF_X = 1;

    // struct dl_phdr_info { ElfW(Addr) dlpi_addr; const char *dlpi_name; const ElfW(Phdr) *dlpi_phdr; ElfW(Half) dlpi_phnum; ... }
    // Elf64_Phdr: p_type (u32), p_flags (u32), p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align; 56 bytes.
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    static int Visit(nint info, nuint size, Search* search)
    {
        var i = (nint*)info;
        if (i[0] != search->Base || i[1] != search->Name) return 0;
        search->Found = true;
        var ranges = (List<(nint, nint)>)GCHandle.FromIntPtr(search->Ranges).Target!;
        var phdr = (byte*)i[2];
        int count = *(ushort*)(i + 3);
        for (int k = 0; k < count; k++)
        {
            var p = phdr + k * 56;
            if (*(uint*)p != PT_LOAD || (*(uint*)(p + 4) & PF_X) == 0) continue;
            nint start = search->Base + *(nint*)(p + 16);
            ranges.Add((start, start + *(nint*)(p + 40)));
        }
        return 1;
    }

    /// <summary>
    /// Where the segments cannot be read: the object the loader names for <paramref name="address"/> is the
    /// library itself (<see cref="DynamicLoader.Defines"/>'s rule; on Windows, the module holding the address).
    /// </summary>
    public static bool Holds(nint handle, string path, nint address) =>
        OperatingSystem.IsWindows()
            ? GetModuleHandleExW(FromAddress | UnchangedRefCount, address, out var module) && module == handle
            : DynamicLoader.Defines(handle, address, path);

    const uint FromAddress = 4, UnchangedRefCount = 2;

    [DllImport("kernel32", SetLastError = false)]
    static extern bool GetModuleHandleExW(uint flags, nint address, out nint module);
}
