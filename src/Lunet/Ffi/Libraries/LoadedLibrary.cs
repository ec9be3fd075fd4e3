using Lunet.Ffi.Calls;
using Lunet.Interop;

namespace Lunet.Ffi.Libraries;

/// <summary>
/// A library opened by ffi.open (or the process itself for ffi.C): its handle,
/// the file it came from, and the functions bound from it. Closing it makes every
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
    readonly Dictionary<(string, Signature), FunctionBinding> bindings = new();

    public LoadedLibrary(string name, string path, nint handle, bool isProcess)
    {
        Name = name;
        Path = path;
        this.handle = handle;
        IsProcess = isProcess;
    }

    public string Name { get; }
    public string Path { get; }
    public bool IsProcess { get; }
    public bool IsClosed => handle == 0;

    /// <summary>An int that native stubs read: non-zero once the library is closed. Freed with the library (no stub can read it then).</summary>
    public unsafe nint ClosedCell { get; } = (nint)System.Runtime.InteropServices.NativeMemory.AllocZeroed(sizeof(int));

    /// <summary>The lib:call fast path's cache, per library.</summary>
    public CallSiteCache CallSites { get; } = new();

    /// <summary>The symbol's address, or 0 when the library does not have it.</summary>
    public nint FindSymbol(string symbol)
    {
        EnsureOpen();
        return DynamicLoader.Symbol(handle, symbol);
    }

    public nint Symbol(string symbol)
    {
        var p = FindSymbol(symbol);
        return p != 0 ? p : throw new LuaException($"symbol '{symbol}' not found in {Describe()}");
    }

    /// <summary>The binding for <paramref name="symbol"/> with <paramref name="signature"/>, made once.</summary>
    public FunctionBinding Bind(string symbol, Signature signature)
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

    ~LoadedLibrary()
    {
        if (handle != 0 && !IsProcess) DynamicLoader.Close(handle);
        handle = 0;
        unsafe { System.Runtime.InteropServices.NativeMemory.Free((void*)ClosedCell); }
    }

    public void EnsureOpen()
    {
        if (IsClosed) throw new LuaException($"{Describe()} is closed");
    }

    public void Close()
    {
        // The process cannot be unloaded: closing ffi.C leaves it usable.
        if (handle == 0 || IsProcess) return;
        unsafe { *(int*)ClosedCell = 1; }
        DynamicLoader.Close(handle);
        handle = 0;
        bindings.Clear();
    }

    public string Describe() => IsProcess ? "the C library" : $"library '{Path}'";
}
