using System.Runtime.InteropServices;
using Lunet.Ffi.Libraries;
using Lunet.Ffi.Types;
using Lunet.Interop;
using static Lunet.Interop.LuaApi;

namespace Lunet.Ffi;

/// <summary>
/// One runtime's ffi state: its policy, its type names and its view of the C
/// library. Kept in the registry (any coroutine of the state finds it).
/// </summary>
internal sealed unsafe class FfiContext
{
    static readonly nint RegistryKey = Marshal.AllocHGlobal(1);
    GCHandle self;
    LoadedLibrary? process;

    FfiContext(LuaRuntimeOptions options)
    {
        Access = options.Ffi;
        Allowed = options.AllowedLibraries.Select(Path.GetFullPath).ToHashSet(StringComparer.Ordinal);
    }

    public FfiAccess Access { get; }
    public HashSet<string> Allowed { get; }
    public TypeRegistry Types { get; } = new();

    public static FfiContext Install(nint L, LuaRuntimeOptions options)
    {
        var c = new FfiContext(options);
        c.self = GCHandle.Alloc(c);
        pushlightuserdata(L, GCHandle.ToIntPtr(c.self));
        rawsetp(L, LUA_REGISTRYINDEX, RegistryKey);
        return c;
    }

    public static FfiContext Of(nint L)
    {
        rawgetp(L, LUA_REGISTRYINDEX, RegistryKey);
        var h = touserdata(L, -1);
        settop(L, -2);
        if (h == 0) throw new LuaException("the ffi is not available in this runtime");
        return (FfiContext)GCHandle.FromIntPtr(h).Target!;
    }

    public void Release()
    {
        if (self.IsAllocated) self.Free();
    }

    /// <summary>Opens a library as the policy allows.</summary>
    public LoadedLibrary Open(string name)
    {
        if (Access == FfiAccess.Full) return LibraryResolver.Open(name);
        if (Access == FfiAccess.Disabled) throw new LuaException("the ffi is disabled in this runtime");
        // Allow-list: only ever hand the loader a path on the list, so nothing else is mapped (its constructors never run).
        if (LibraryResolver.IsPath(name))
            return LibraryResolver.Open(name, candidate => Allowed.Contains(Path.GetFullPath(candidate)));
        var byFile = Allowed.Where(a => LibraryResolver.Candidates(name).Contains(Path.GetFileName(a))).ToList();
        if (byFile.Count == 0)
            throw new LuaException($"ffi.open: library '{name}' is not allowed by this runtime's ffi policy");
        return LibraryResolver.Open(byFile[0]);
    }

    /// <summary>The process and its C library (ffi.C, ffi.open()).</summary>
    public LoadedLibrary Process()
    {
        if (Access != FfiAccess.Full)
        {
            var libc = CLibraryPath();
            if (Access == FfiAccess.Disabled || libc == null || !Allowed.Contains(libc))
                throw new LuaException("ffi.C: the process and its C library are not allowed by this runtime's ffi policy");
        }
        return process ??= new LoadedLibrary("c", CLibraryPath() ?? "c", DynamicLoader.OpenProcess(), isProcess: true);
    }

    static string? CLibraryPath()
    {
        if (OperatingSystem.IsWindows()) return "msvcrt.dll";
        var strlen = DynamicLoader.Symbol(DynamicLoader.OpenProcess(), "strlen");
        return strlen == 0 ? null : LibC.FileOf(strlen);
    }
}
