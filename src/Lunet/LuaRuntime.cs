using System.Text;
using Lunet.Interop;
using Lunet.Modules;
using static Lunet.Interop.LuaApi;

namespace Lunet;

/// <summary>
/// A Lua 5.4 state with the standard libraries, module loading and (by policy)
/// the ffi. Run code with <see cref="DoString"/> / <see cref="DoFile"/>; errors come
/// back as <see cref="LuaScriptException"/> with Lua's message ("chunk:line: ...").
/// Not thread-safe: use a runtime from one thread at a time.
/// </summary>
public sealed unsafe partial class LuaRuntime : IDisposable
{
    nint state;

    public LuaRuntime(LuaRuntimeOptions? options = null)
    {
        Options = options ?? new LuaRuntimeOptions();
        state = newstate();
        if (state == 0) throw new InvalidOperationException("luaL_newstate failed");
        StandardLibraries.Open(this);
        ModuleLoader.Install(this);
    }

    public LuaRuntimeOptions Options { get; }

    internal Ffi.FfiContext? Ffi { get; set; }

    /// <summary>The lua_State*, for hosts that call the Lua C API themselves.</summary>
    public nint State => state != 0 ? state : throw new ObjectDisposedException(nameof(LuaRuntime));

    /// <summary>Runs <paramref name="code"/> as a chunk named <paramref name="chunkName"/> and returns its results.</summary>
    public object?[] DoString(string code, string chunkName = "=(string)", params object?[] args) =>
        Run(Encoding.UTF8.GetBytes(code), chunkName, args);

    /// <summary>
    /// Runs a script file; its directory is searched first by require. Errors read
    /// "name.lua:12: message" with the path as given.
    /// </summary>
    public object?[] DoFile(string path, params object?[] args)
    {
        byte[] code;
        try { code = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new LuaScriptException($"cannot open {path}: {e.Message}", null);
        }
        ModuleLoader.AddScriptDirectory(this, Path.GetDirectoryName(Path.GetFullPath(path))!);
        return Run(SkipShebang(code), "@" + path, args);
    }

    /// <summary>Compiles <paramref name="code"/> without running it; null when it compiles, else Lua's message.</summary>
    public string? Compile(string code, string chunkName, out bool incomplete)
    {
        var L = State;
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

    public void SetGlobal(string name, object? value)
    {
        Push(value);
        fixed (byte* n = Encoding.UTF8.GetBytes(name + "\0")) setglobal(State, n);
    }

    public object? GetGlobal(string name)
    {
        var L = State;
        fixed (byte* n = Encoding.UTF8.GetBytes(name + "\0")) getglobal(L, n);
        var v = ToValue(-1);
        settop(L, -2);
        return v;
    }

    /// <summary>Runs a script's bytes (a "#!" first line skipped, as for files) under <paramref name="chunkName"/>.</summary>
    internal object?[] DoScript(byte[] code, string chunkName, object?[] args) => Run(SkipShebang(code), chunkName, args);

    object?[] Run(byte[] code, string chunkName, object?[] args)
    {
        var L = State;
        int top = gettop(L);
        try
        {
            PushTraceback();
            if (Load(code, chunkName) != LUA_OK)
                throw new LuaScriptException(LuaOps.ToStringOrNull(L, -1) ?? "syntax error", null);
            LuaOps.EnsureStack(L, args.Length + 1);
            foreach (var a in args) Push(a);
            int status = pcallk(L, args.Length, LUA_MULTRET, top + 1, 0, 0);
            if (status != LUA_OK) throw ErrorFromStack(L);
            var results = new object?[gettop(L) - top - 1];
            for (int i = 0; i < results.Length; i++) results[i] = ToValue(top + 2 + i);
            return results;
        }
        finally { settop(L, top); }
    }

    int Load(byte[] code, string chunkName)
    {
        fixed (byte* c = code)
        fixed (byte* n = Encoding.UTF8.GetBytes(chunkName + "\0"))
            return loadbufferx(State, c, (nuint)code.Length, n, StandardLibraries.LoadMode(this));
    }

    void PushTraceback()
    {
        fixed (byte* d = "debug\0"u8) getglobal(State, d);
        fixed (byte* t = "traceback\0"u8) getfield(State, -1, t);
        rotate(State, -2, 1);
        settop(State, -2);
    }

    static LuaScriptException ErrorFromStack(nint L)
    {
        var text = LuaOps.ToStringOrNull(L, -1);
        if (text == null)
            return new LuaScriptException($"(error object is a {LuaOps.TypeName(L, -1)} value)", null);
        int at = text.IndexOf("\nstack traceback:", StringComparison.Ordinal);
        return at < 0 ? new LuaScriptException(text, null) : new LuaScriptException(text[..at], text[(at + 1)..]);
    }

    static byte[] SkipShebang(byte[] code)
    {
        if (code.Length < 1 || code[0] != (byte)'#') return code;
        int nl = Array.IndexOf(code, (byte)'\n');
        // Keep the newline so line numbers stay right.
        return nl < 0 ? [] : code[nl..];
    }

    internal void Push(object? value)
    {
        var L = State;
        switch (value)
        {
            case null: pushnil(L); break;
            case bool b: pushboolean(L, b ? 1 : 0); break;
            case int i: pushinteger(L, i); break;
            case long l: pushinteger(L, l); break;
            case double d: pushnumber(L, d); break;
            case float f: pushnumber(L, f); break;
            case string s: LuaOps.PushString(L, s); break;
            case nint p: pushlightuserdata(L, p); break;
            default: throw new ArgumentException($"cannot pass a {value.GetType().Name} to Lua");
        }
    }

    /// <summary>A Lua value as .NET sees it: nil → null, booleans, long, double, string, pointers as nint; else its type name.</summary>
    internal object? ToValue(int idx)
    {
        var L = State;
        switch (type(L, idx))
        {
            case TNIL or TNONE: return null;
            case TBOOLEAN: return toboolean(L, idx) != 0;
            case TNUMBER:
                if (isinteger(L, idx) != 0) return LuaOps.ToInteger(L, idx);
                int ok; return tonumberx(L, idx, &ok);
            case TSTRING: return LuaOps.ToStringOrNull(L, idx);
            case TLIGHTUSERDATA: return touserdata(L, idx);
            default: return LuaOps.TypeName(L, idx);
        }
    }

    public void Dispose()
    {
        if (state == 0) return;
        close(state);
        state = 0;
        Ffi?.Release();
    }
}
