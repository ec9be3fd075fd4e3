using System.Runtime.InteropServices;
using Lunet.Ffi.Libraries;
using Lunet.Ffi.Types;
using Lunet.Interop;
using static Lunet.Interop.LuaApi;

namespace Lunet.Ffi;

/// <summary>
/// One runtime's ffi state: its policy, its type names and its view of the C
/// library. Found through the state's allocator data (<see cref="Allocator.Counters.FfiContext"/>):
/// every coroutine of the state finds it, and no script can replace it.
/// </summary>
internal sealed unsafe class FfiContext
{
    GCHandle self;
    LoadedLibrary? process;

    FfiContext(LuaRuntimeOptions options)
    {
        Access = options.Ffi;
        if (Access == FfiAccess.AllowList) allowed = options.AllowedLibraries.Select(Resolve).ToList();
    }

    /// <summary>An allow-list entry as given, the file it names and that file's identity.</summary>
    sealed record AllowedLibrary(string Entry, string Path, FileIdentity Identity)
    {
        /// <summary>
        /// Whether a bare name ffi.open tries stands for this file: the entry itself, the
        /// file's name (before or after links), or a name the library cache maps to the file.
        /// </summary>
        public bool IsNamed(string candidate) =>
            candidate == Entry
            || candidate == System.IO.Path.GetFileName(Path)
            || candidate == System.IO.Path.GetFileName(FinalPath(Path))
            || LdSoCache.PathsOf(candidate).Any(p => FileIdentity.TryOf(p, out var id, out _, out _) && id == Identity);

        static string FinalPath(string path)
        {
            try { return File.ResolveLinkTarget(path, returnFinalTarget: true)?.FullName ?? path; }
            catch (IOException) { return path; }
        }
    }

    readonly List<AllowedLibrary> allowed = [];

    public FfiAccess Access { get; }
    public TypeRegistry Types { get; } = new();

    public static FfiContext Install(nint L, LuaRuntimeOptions options)
    {
        var c = new FfiContext(options);
        var counters = Allocator.Of(L);
        if (counters == null) throw new InvalidOperationException("the ffi needs a state made by LuaRuntime");
        c.self = GCHandle.Alloc(c);
        counters->FfiContext = GCHandle.ToIntPtr(c.self);
        return c;
    }

    public static FfiContext Of(nint L)
    {
        var counters = Allocator.Of(L);
        var h = counters == null ? 0 : counters->FfiContext;
        if (h == 0) throw new LuaException("the ffi is not available in this runtime");
        return (FfiContext)GCHandle.FromIntPtr(h).Target!;
    }

    public void Release()
    {
        if (self.IsAllocated) self.Free();
        UnloadPending();
    }

    /// <summary>Loader handles of libraries closed while a callback ran, to unload when no ffi call is left in progress (<see cref="LibraryUnloading"/>).</summary>
    public readonly List<nint> PendingUnloads = new();

    public void UnloadPending()
    {
        foreach (var h in PendingUnloads) DynamicLoader.Close(h);
        PendingUnloads.Clear();
    }

    /// <summary>The libraries this runtime opened under the allow-list (not kept alive by this list): whose code a function pointer may reach.</summary>
    readonly List<WeakReference<LoadedLibrary>> opened = new();

    LoadedLibrary Opened(LoadedLibrary lib)
    {
        if (opened.Count >= 64 && opened.Count % 64 == 0) opened.RemoveAll(w => !w.TryGetTarget(out var l) || l.IsClosed);
        opened.Add(new WeakReference<LoadedLibrary>(lib));
        return lib;
    }

    /// <summary>
    /// The open library of this runtime whose code holds <paramref name="address"/> (outside Full, where
    /// it is what a function pointer may reach besides a live callback of this runtime); null when none does.
    /// </summary>
    public LoadedLibrary? CodeOwner(nint address)
    {
        foreach (var w in opened)
            if (w.TryGetTarget(out var lib) && lib.HoldsCode(address)) return lib;
        return null;
    }

    /// <summary>
    /// An allow-list entry, resolved once: a path names its file (links followed); a bare
    /// name is looked up as ffi.open would look it up. An entry that names no regular file
    /// is the host's mistake, reported when the runtime is created.
    /// </summary>
    static AllowedLibrary Resolve(string entry)
    {
        string? path = LibraryResolver.IsPath(entry) ? System.IO.Path.GetFullPath(entry) : LibraryResolver.Locate(entry);
        if (path == null)
            throw new ArgumentException($"AllowedLibraries: the loader finds no library '{entry}' (tried {string.Join(", ", LibraryResolver.Candidates(entry))})");
        if (!FileIdentity.TryOf(path, out var identity, out var kind, out var error))
            throw new ArgumentException($"AllowedLibraries: '{entry}': {error}");
        if (kind != FileIdentity.Kind.Regular)
            throw new ArgumentException($"AllowedLibraries: '{entry}' is not a regular file ({FileIdentity.Describe(kind)})");
        return new AllowedLibrary(entry, path, identity);
    }

    static LuaException NotAllowed(string what) =>
        new($"ffi.open: library '{what}' is not allowed by this runtime's ffi policy (only the files on its allow-list can be opened)");

    /// <summary>Opens a library as the policy allows.</summary>
    public LoadedLibrary Open(string name)
    {
        if (Access == FfiAccess.Disabled) throw new LuaException("the ffi is disabled in this runtime");
        if (Access == FfiAccess.Full) return LibraryResolver.Open(name);
        if (name.Length == 0) throw new LuaException("ffi.open: empty library name");
        // Allow-list: only ever hand the loader a file on the list, so nothing else is mapped (its constructors never run).
        AllowedLibrary? entry;
        if (LibraryResolver.IsPath(name))
        {
            var identity = LibraryResolver.Identify(name);
            entry = allowed.FirstOrDefault(a => a.Identity == identity);
        }
        else
        {
            var candidates = LibraryResolver.Candidates(name);
            entry = allowed.FirstOrDefault(a => candidates.Any(a.IsNamed));
        }
        if (entry == null) throw NotAllowed(name);
        return Opened(LibraryResolver.OpenFile(name, entry.Path, entry.Identity));
    }

    /// <summary>
    /// The process and its C library (ffi.C, ffi.open()). Under Full, every symbol loaded in the
    /// process; under an allow-list that holds the C library, that library's own symbols only.
    /// </summary>
    public LoadedLibrary Process()
    {
        if (process != null) return process;
        if (Access == FfiAccess.Full)
            return process = new LoadedLibrary("c", CLibraryPath() ?? "c", DynamicLoader.OpenProcess(), isProcess: true, ownSymbolsOnly: false);
        var libc = CLibraryPath();
        var entry = Access == FfiAccess.Disabled || libc == null || !FileIdentity.TryOf(libc, out var identity, out _, out _)
            ? null : allowed.FirstOrDefault(a => a.Identity == identity);
        if (entry == null)
            throw new LuaException("ffi.C: the process and its C library are not allowed by this runtime's ffi policy (the C library is not on its allow-list)");
        var handle = DynamicLoader.TryOpen(libc!, out var error);
        if (handle == 0) throw new LuaException($"ffi.C: cannot open the C library '{libc}': {error}");
        return process = Opened(new LoadedLibrary("c", libc!, handle, isProcess: true));
    }

    static string? CLibraryPath()
    {
        if (OperatingSystem.IsWindows()) return "msvcrt.dll";
        var strlen = DynamicLoader.Symbol(DynamicLoader.OpenProcess(), "strlen");
        return strlen == 0 ? null : LibC.FileOf(strlen);
    }
}
