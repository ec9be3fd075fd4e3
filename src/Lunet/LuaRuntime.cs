using System.Text;
using Lunet.Interop;
using Lunet.Modules;
using static Lunet.Interop.LuaApi;

namespace Lunet;

/// <summary>
/// A Lua 5.4 state with the standard libraries, module loading and (by policy)
/// the ffi. Run code with <see cref="DoString"/> / <see cref="DoFile"/>; errors come
/// back as <see cref="LuaScriptException"/> with Lua's message ("chunk:line: ...").
/// One thread at a time: a second thread calling in while a call runs gets an
/// <see cref="InvalidOperationException"/>; Dispose during a call frees the runtime when the
/// outermost call returns; a runtime nobody disposed is freed after the collector finds it
/// (LuaRuntime.Lifetime.cs).
///
/// Whatever a script does (to its globals, to metatables, to memory), every method here
/// returns or throws <see cref="LuaScriptException"/>: C# never calls a Lua API function
/// that can raise outside a protected call, and the state's allocator cannot fail while
/// C# is on its stack (see Interop/Allocator.cs).
/// </summary>
public sealed unsafe partial class LuaRuntime : IDisposable
{
    nint state;
    readonly Allocator.Counters* memory;

    public LuaRuntime(LuaRuntimeOptions? options = null) : this(options, Allocator.Default) { }

    /// <summary>With a given lua_Alloc (<see cref="Allocator.Default"/> or <see cref="Allocator.Managed"/>), for tests.</summary>
    internal LuaRuntime(LuaRuntimeOptions? options, nint allocator)
    {
        Options = options ?? new LuaRuntimeOptions();
        state = newstate();
        if (state == 0) throw new InvalidOperationException("luaL_newstate failed");
        memory = Allocator.NewCounters(Options.MemoryLimit);
        // From here on every block goes through our allocator; Lua's own count says what the state holds already.
        memory->Used = (long)gc(state, LUA_GCCOUNT, 0, 0) * 1024 + gc(state, LUA_GCCOUNTB, 0, 0);
        void* luaData;
        memory->Underlying = getallocf(state, &luaData);
        memory->UnderlyingData = (nint)luaData;
        setallocf(state, allocator, memory);
        using (ProtectedCall.Enter(state))
        {
            StandardLibraries.Open(this);
            RuntimeFunctions.Install(state);
            ModuleLoader.Install(this);
            lock (ByCounters) ByCounters[(nint)memory] = new(this);
            InstallHostHelpers();
            if (Options.Output != null) InstallOutput();
            InstallBudgetHook();
        }
        // Tell the collector what a runtime holds outside its heap, so it finalizes forgotten ones soon enough.
        nativePressure = Math.Max(memory->Used, 1);
        GC.AddMemoryPressure(nativePressure);
    }

    public LuaRuntimeOptions Options { get; }

    internal Ffi.FfiContext? Ffi { get; set; }

    /// <summary>Bytes the state holds now (what <see cref="LuaRuntimeOptions.MemoryLimit"/> limits).</summary>
    public long MemoryInUse
    {
        get
        {
            // Any thread may ask, while a script runs too; the counters are freed under the same lock.
            lock (gate) return state != 0 && !disposeRequested ? memory->Used : throw new ObjectDisposedException(nameof(LuaRuntime));
        }
    }

    /// <summary>
    /// The lua_State*, for the runtime's own code. Not public: a host calling the Lua C API on
    /// it would break the rules every method here keeps (no raising call outside a protected
    /// call, the allocator's count of C# frames), and KeraLua.Lua.FromIntPtr cannot wrap it
    /// (docs/embedding.md says why).
    /// </summary>
    internal nint State => state != 0 ? state : throw new ObjectDisposedException(nameof(LuaRuntime));

    /// <summary>Runs <paramref name="code"/> as a chunk named <paramref name="chunkName"/> and returns its results.</summary>
    public object?[] DoString(string code, string chunkName = "=(string)", params object?[] args) =>
        Run(Encoding.UTF8.GetBytes(code), chunkName, args);

    /// <summary>
    /// Runs a script file; its directory is searched first by require. Errors read
    /// "name.lua:12: message" with the path as given.
    /// </summary>
    public object?[] DoFile(string path, params object?[] args)
    {
        using var use = Use();
        using var frame = ProtectedCall.Enter(State);
        byte[] code;
        try { code = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new LuaScriptException($"cannot open {path}: {WhyNotReadable(path, e)}", null);
        }
        ModuleLoader.AddScriptDirectory(this, Path.GetDirectoryName(Path.GetFullPath(path))!);
        return Run(SkipShebang(code), "@" + path, args);
    }

    /// <summary>Why a script file could not be read, in the C library's words where there are some (as lua says it).</summary>
    static string WhyNotReadable(string path, Exception e) => e switch
    {
        FileNotFoundException or DirectoryNotFoundException => "No such file or directory",
        ArgumentException or NotSupportedException => "not a valid file name",
        _ when Directory.Exists(path) => "Is a directory",
        UnauthorizedAccessException => "Permission denied",
        _ => e.Message,
    };

    /// <summary>Compiles <paramref name="code"/> without running it; null when it compiles, else Lua's message.</summary>
    public string? Compile(string code, string chunkName, out bool incomplete)
    {
        using var use = Use();
        var L = State;
        using var frame = ProtectedCall.Enter(L);
        int top = gettop(L);
        try
        {
            var bytes = Encoding.UTF8.GetBytes(code);
            int status = Load(bytes, chunkName);
            if (status == LUA_OK) { incomplete = false; return null; }
            var msg = LuaOps.ToStringOrNull(L, -1) ?? "error";
            incomplete = msg.EndsWith("<eof>", StringComparison.Ordinal);
            return msg;
        }
        finally { settop(L, top); }
    }

    /// <summary>
    /// Sets the global <paramref name="name"/> as the Lua code <c>_ENV[name] = value</c> would:
    /// a __newindex of the globals table runs (in a protected call); its error is thrown.
    /// </summary>
    public void SetGlobal(string name, object? value) => ProtectedSet(null, name, value);

    /// <summary>
    /// The global <paramref name="name"/> as the Lua code <c>_ENV[name]</c> reads it: an __index
    /// of the globals table runs (in a protected call); its error is thrown.
    /// </summary>
    public object? GetGlobal(string name) => ProtectedGet(null, name);

    /// <summary>
    /// Pushes the message handler, then the runtime function <paramref name="which"/>, with
    /// room for <paramref name="args"/> arguments.
    /// </summary>
    void PushHelper(int which, int args)
    {
        PushMessageHandler(args + 1);
        PushRuntimeFunction(which);
    }

    /// <summary>Pushes the runtime's own function <paramref name="which"/>, or throws when a script removed it from the registry.</summary>
    void PushRuntimeFunction(int which)
    {
        if (!RuntimeFunctions.Push(State, which))
            throw new LuaScriptException("the runtime's own functions were removed from the registry", null);
    }

    /// <summary>Pushes the runtime's message handler, after making room for it and <paramref name="more"/> values.</summary>
    void PushMessageHandler(int more)
    {
        if (more < 0 || checkstack(State, more + 2) == 0) throw new LuaScriptException("stack overflow (too many values)", null);
        PushRuntimeFunction(RuntimeFunctions.MessageHandler);
    }

    /// <summary>Runs a script's bytes (a "#!" first line skipped, as for files) under <paramref name="chunkName"/>.</summary>
    internal object?[] DoScript(byte[] code, string chunkName, object?[] args) => Run(SkipShebang(code), chunkName, args);

    object?[] Run(byte[] code, string chunkName, object?[] args)
    {
        using var use = Use();
        var L = State;
        using var frame = ProtectedCall.Enter(L);
        using var budget = StartBudget();
        int top = gettop(L);
        try
        {
            PushMessageHandler(args.Length + 1);
            if (Load(code, chunkName) != LUA_OK)
                throw new LuaScriptException(LuaOps.ToStringOrNull(L, -1) ?? "syntax error", null);
            return CallPushed(top, args);
        }
        finally { settop(L, top); }
    }

    /// <summary>
    /// Pushes <paramref name="args"/> after the function on the stack, calls it protected with the
    /// message handler at <paramref name="top"/> + 1, and returns its results (the caller resets the stack).
    /// </summary>
    object?[] CallPushed(int top, object?[] args)
    {
        var L = State;
        foreach (var a in args) Push(a);
        if (ProtectedCall.Call(L, args.Length, LUA_MULTRET, top + 1) != LUA_OK) throw ErrorFromStack(L);
        var results = new object?[gettop(L) - top - 1];
        for (int i = 0; i < results.Length; i++) results[i] = ToValue(top + 2 + i);
        return results;
    }

    /// <summary>Compiles a chunk (lua_load is a protected call: the memory limit applies).</summary>
    int Load(byte[] code, string chunkName)
    {
        var L = State;
        if (checkstack(L, 2) == 0) throw new LuaScriptException("stack overflow (too many values)", null);
        long saved = memory->ManagedDepth;
        memory->ManagedDepth = 0;
        try
        {
            fixed (byte* c = code)
            fixed (byte* n = Encoding.UTF8.GetBytes(chunkName + "\0"))
                return loadbufferx(L, c, (nuint)code.Length, n, StandardLibraries.LoadMode(this));
        }
        finally { memory->ManagedDepth = saved; }
    }

    /// <summary>
    /// The error on top as the host sees it: a spent budget as <see cref="LuaBudgetExceededException"/>,
    /// an error a registered function's exception caused with that exception inside.
    /// </summary>
    LuaScriptException ErrorFromStack(nint L)
    {
        var text = LuaOps.ToStringOrNull(L, -1) ?? $"(error object is a {LuaOps.TypeName(L, -1)} value)";
        int at = text.IndexOf("\nstack traceback:", StringComparison.Ordinal);
        var (message, traceback) = at < 0 ? (text, (string?)null) : (text[..at], text[(at + 1)..]);
        if (budgetSpent != null) return new LuaBudgetExceededException(message, traceback);
        var failure = lastHostFailure;
        lastHostFailure = null;
        if (failure is var (hostMessage, error) && message.EndsWith(hostMessage, StringComparison.Ordinal))
            return new LuaScriptException(message, traceback, error);
        return new LuaScriptException(message, traceback);
    }

    /// <summary>As luaL_loadfile: a UTF-8 byte-order mark, then a first line starting with '#', are skipped.</summary>
    static byte[] SkipShebang(byte[] code)
    {
        if (code is [0xEF, 0xBB, 0xBF, ..]) code = code[3..];
        if (code.Length < 1 || code[0] != (byte)'#') return code;
        int nl = Array.IndexOf(code, (byte)'\n');
        // Keep the newline so line numbers stay right.
        return nl < 0 ? [] : code[nl..];
    }

    internal void Push(object? value) => Push(State, value);

    /// <summary>Pushes <paramref name="value"/> on <paramref name="L"/>, a thread of this runtime (a coroutine, in a registered function).</summary>
    internal void Push(nint L, object? value)
    {
        switch (value)
        {
            case null: pushnil(L); break;
            case bool b: pushboolean(L, b ? 1 : 0); break;
            case int i: pushinteger(L, i); break;
            case long l: pushinteger(L, l); break;
            case double d: pushnumber(L, d); break;
            case float f: pushnumber(L, f); break;
            case string s: LuaOps.PushString(L, s); break;
            case byte[] bytes: fixed (byte* p = bytes) pushlstring(L, p, (nuint)bytes.Length); break; // a string as bytes
            case nint p: pushlightuserdata(L, p); break;
            case LuaReference r: PushReference(L, r); break;
            case HostFunction f: PushHostFunction(L, f); break;
            case Delegate d: PushHostFunction(L, new HostFunction("?", d)); break;
            default: throw new ArgumentException($"cannot pass a {value.GetType().Name} to Lua");
        }
    }

    /// <summary>
    /// A Lua value as .NET sees it: nil → null, booleans, long, double, string, pointers as nint,
    /// tables as <see cref="LuaTable"/>, functions as <see cref="LuaFunction"/>; else its type name.
    /// </summary>
    internal object? ToValue(int idx) => ToValue(State, idx);

    /// <summary>The value at <paramref name="idx"/> of <paramref name="L"/>, a thread of this runtime.</summary>
    internal object? ToValue(nint L, int idx)
    {
        switch (type(L, idx))
        {
            case TNIL or TNONE: return null;
            case TBOOLEAN: return toboolean(L, idx) != 0;
            case TNUMBER:
                if (isinteger(L, idx) != 0) return LuaOps.ToInteger(L, idx);
                int ok; return tonumberx(L, idx, &ok);
            case TSTRING: return LuaOps.ToStringOrNull(L, idx);
            case TLIGHTUSERDATA: return touserdata(L, idx);
            case TTABLE: return new LuaTable(this, Reference(L, idx));
            case TFUNCTION: return new LuaFunction(this, Reference(L, idx));
            default: return LuaOps.TypeName(L, idx);
        }
    }
}
