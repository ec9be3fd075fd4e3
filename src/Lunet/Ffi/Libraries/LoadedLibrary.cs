using Lunet.Ffi.Types;
using Lunet.Ffi.Calls;
using Lunet.Interop;

namespace Lunet.Ffi.Libraries;

/// <summary>
/// A library opened by ffi.open (or the process itself for ffi.C): its handle,
/// the file it came from, and the functions bound from it. A library's symbols are
/// its own: one that dlsym finds in a dependency is not found (only the process
/// under the Full policy searches everything loaded). Closing it makes every
/// later call through it, or through wrappers made from it, an error.
///
/// A library nobody closed is unloaded when it becomes unreachable: when the Lua
/// object, every wrapper and every cached call site made from it are collected
/// (each of those holds a handle to it or to one of its bindings), so no code of
/// the library can be called any more.
/// </summary>
internal sealed class LoadedLibrary
{
    nint handle;

    /// <summary>Set once a view of the library's own memory was handed out: the file is then never unmapped.</summary>
    bool viewed;
    readonly Dictionary<(string, FunctionType), FunctionBinding> bindings = new();

    public LoadedLibrary(string name, string path, nint handle, bool isProcess, bool ownSymbolsOnly = true)
    {
        Name = name;
        Path = path;
        this.handle = handle;
        IsProcess = isProcess;
        OwnSymbolsOnly = ownSymbolsOnly;
    }

    /// <summary>False only for the whole process (ffi.C under the Full policy).</summary>
    public bool OwnSymbolsOnly { get; }

    public string Name { get; }
    public string Path { get; }
    public bool IsProcess { get; }
    public bool IsClosed => handle == 0;

    /// <summary>An int that native stubs read: non-zero once the library is closed. Freed with the library (no stub can read it then).</summary>
    public unsafe nint ClosedCell { get; } = (nint)System.Runtime.InteropServices.NativeMemory.AllocZeroed(sizeof(int));

    /// <summary>The lib:call fast path's cache, per library.</summary>
    public CallSiteCache CallSites { get; } = new();

    /// <summary>The symbol's address, or 0 when the library does not have it.</summary>
    public nint FindSymbol(string symbol) => Look(symbol, out _);

    public nint Symbol(string symbol)
    {
        var p = Look(symbol, out var definedElsewhere);
        if (p != 0) return p;
        throw new LuaException(definedElsewhere == null
            ? $"symbol '{symbol}' not found in {Describe()}"
            : $"symbol '{symbol}' not found in {Describe()}: it is defined by '{definedElsewhere}', which that library depends on (only a library's own symbols are found)");
    }

    /// <summary>The address, or 0 and (when dlsym found it in a dependency) the file that defines it.</summary>
    nint Look(string symbol, out string? definedElsewhere)
    {
        EnsureOpen();
        definedElsewhere = null;
        var p = DynamicLoader.Symbol(handle, symbol);
        if (p == 0 || !OwnSymbolsOnly || DynamicLoader.Defines(handle, p, Path) || OwnExports.Value.Contains(symbol)) return p;
        definedElsewhere = LibC.FileOf(p) ?? "another library";
        return 0;
    }

    /// <summary>
    /// The names the library's own export table defines, read only when an address lies
    /// outside it: an IFUNC of the library may pick an implementation elsewhere (glibc's
    /// time and gettimeofday resolve into the kernel's vDSO), and it is still the library's.
    /// </summary>
    Lazy<HashSet<string>> OwnExports => ownExports ??= new(() =>
    {
        try { return LibraryExports.Of(this).Select(e => e.Name).ToHashSet(StringComparer.Ordinal); }
        catch (LuaException) { return []; }
    });

    Lazy<HashSet<string>>? ownExports;

    /// <summary>The binding for <paramref name="symbol"/> with <paramref name="signature"/>, made once.</summary>
    public FunctionBinding Bind(string symbol, FunctionType signature)
    {
        if (bindings.TryGetValue((symbol, signature), out var b)) return b;
        var target = Symbol(symbol);
        if (signature.IsVariadic) target = NativeThunks.VariadicThunk(target);
        b = new FunctionBinding(symbol, target, signature, this);
        // Keyed by what scripts choose: emptied when full (wrappers hold their own bindings).
        if (bindings.Count >= 4096) bindings.Clear();
        bindings[(symbol, signature)] = b;
        return b;
    }

    /// <summary>
    /// A view into the library's own memory was handed out (lib:cdef of an array or struct
    /// variable): close() then stops every call but leaves the file mapped, and so does the
    /// library's collection. A view can outlive every handle on the library (a script may even
    /// run a handle's __gc by hand), so only never unmapping guarantees no view reads unmapped memory.
    /// </summary>
    public void KeepMapped() => viewed = true;

    ~LoadedLibrary()
    {
        if (handle != 0 && !IsProcess && !viewed) DynamicLoader.Close(handle);
        handle = 0;
        unsafe { System.Runtime.InteropServices.NativeMemory.Free((void*)ClosedCell); }
    }

    public void EnsureOpen()
    {
        if (IsClosed) throw new LuaException($"{Describe()} is closed");
    }

    /// <summary>
    /// Closes the library: every later call through it is an error. Returns the loader's handle
    /// for the caller to unload (<see cref="LibraryUnloading"/>: later, if its code may be running),
    /// or 0 when nothing is to be unloaded.
    /// </summary>
    public nint Close()
    {
        // The process cannot be unloaded: closing ffi.C leaves it usable.
        if (handle == 0 || IsProcess) return 0;
        unsafe { *(int*)ClosedCell = 1; }
        var unload = viewed ? 0 : handle;
        handle = 0;
        bindings.Clear();
        return unload;
    }

    (nint Start, nint End)[]? code;
    bool codeRead;

    /// <summary>
    /// Whether <paramref name="address"/> lies in the library's code (an executable segment of the
    /// image the loader mapped for it) while it is open: what a function pointer may reach under
    /// the allow-list (Calls/CallTargets.cs).
    /// </summary>
    public bool HoldsCode(nint address)
    {
        if (IsClosed) return false;
        if (!codeRead)
        {
            code = LibraryImage.CodeOf(handle);
            codeRead = true;
        }
        if (code == null) return LibraryImage.Holds(handle, Path, address);
        foreach (var (start, end) in code)
            if ((nuint)address >= (nuint)start && (nuint)address < (nuint)end) return true;
        return false;
    }

    public string Describe() => IsProcess ? "the C library" : $"library '{Path}'";
}
