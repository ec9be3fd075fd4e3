using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Lunet.Interop;
using static Lunet.Interop.LuaApi;

namespace Lunet.Modules;

/// <summary>
/// Opens the standard libraries that <see cref="LuaRuntimeOptions.Libraries"/> chooses and
/// applies the native-code policy to them (docs/security.md): under a restricted ffi policy
/// no package.loadlib, no C searchers and a debug library of traceback alone; text-only
/// load, loadfile, dofile and require when binary chunks are refused. Done by one Lua
/// chunk run protected, so nothing raises through .NET.
/// </summary>
internal static unsafe class StandardLibraries
{
    static readonly string[] OpenerNames =
    [
        "luaopen_base", "luaopen_package", "luaopen_coroutine", "luaopen_table", "luaopen_io",
        "luaopen_os", "luaopen_string", "luaopen_math", "luaopen_utf8", "luaopen_debug",
    ];

    static readonly nint[] Openers = OpenerNames.Select(n => NativeLibrary.GetExport(Handle, n)).ToArray();

    /// <summary>"t", for every load of a runtime that refuses binary chunks (never freed: shared by all runtimes).</summary>
    static readonly nint TextMode = Marshal.StringToCoTaskMemUTF8("t");

    /// <summary>The runtimes that refuse binary chunks, decided when each was created (a host changing its options later changes nothing).</summary>
    static readonly ConditionalWeakTable<LuaRuntime, object> TextOnly = new();

    /// <summary>The mode for the host's own luaL_loadbufferx calls: null (text or binary) or "t".</summary>
    public static byte* LoadMode(LuaRuntime runtime) => TextOnly.TryGetValue(runtime, out _) ? (byte*)TextMode : null;

    public static void Open(LuaRuntime runtime)
    {
        var L = runtime.State;
        var options = runtime.Options;
        int status;
        var compiled = Compiled.Value;
        fixed (byte* code = compiled)
            status = loadbufferx(L, code, (nuint)compiled.Length, null, (byte*)BinaryMode);
        if (status == LUA_OK && checkstack(L, 16 + Openers.Length) != 0)
        {
            pushvalue(L, LUA_REGISTRYINDEX);
            pushinteger(L, (long)options.Libraries);
            pushboolean(L, options.Ffi != FfiAccess.Full ? 1 : 0);
            pushboolean(L, options.LoadsBinaryChunks ? 0 : 1);
            foreach (var open in Openers) pushcclosure(L, open, 0);
            int extra = PushPathSettings(L, options) + PushPosixFunctions(L);
            CFunction.Push(L, &GuardedDebug.SetUpvalue);
            CFunction.Push(L, &GuardedDebug.SetUserValue);
            status = pcallk(L, 4 + Openers.Length + extra + 2, 0, 0, 0, 0);
        }
        if (status == LUA_OK)
        {
            if (!options.LoadsBinaryChunks) TextOnly.Add(runtime, TextMode);
            return;
        }
        var message = LuaOps.ToStringOrNull(L, -1) ?? "out of stack space";
        runtime.Dispose();
        throw new InvalidOperationException($"cannot open the standard libraries: {message}");
    }

    /// <summary>
    /// Pushes what the chunk needs for package.path / package.cpath and os.platform: the
    /// defaults, the LUA_PATH_5_4 (else LUA_PATH) and LUA_CPATH_5_4 (else LUA_CPATH)
    /// variables (nil when the options ignore the environment, as lua -E) and the platform.
    /// </summary>
    static int PushPathSettings(nint L, LuaRuntimeOptions options)
    {
        PushOrNil(L, SystemPaths.LuaPath);
        PushOrNil(L, SystemPaths.CPath);
        PushVariable(L, options, "LUA_PATH");
        PushVariable(L, options, "LUA_CPATH");
        LuaOps.PushString(L, SystemPaths.Platform);
        return 5;
    }

    /// <summary>
    /// Pushes io.popen, os.execute and os.tmpname as a POSIX build of Lua has them, or nil
    /// for each that liblua's own is kept for (on Windows).
    /// </summary>
    static int PushPosixFunctions(nint L)
    {
        ProcessPipes.PushPopen(L);
        OsProcesses.PushFunctions(L);
        return 3;
    }

    static void PushVariable(nint L, LuaRuntimeOptions options, string name)
    {
        var value = options.IgnoreEnvironment ? null
            : Environment.GetEnvironmentVariable(name + "_5_4") ?? Environment.GetEnvironmentVariable(name);
        PushOrNil(L, value);
    }

    static void PushOrNil(nint L, string? value)
    {
        if (value == null) pushnil(L);
        else LuaOps.PushString(L, value);
    }

    /// <summary>
    /// The chunk below compiled once per process: compiling it was most of the cost of
    /// creating a runtime. Loaded as binary: bytes this liblua made from this source.
    /// </summary>
    static readonly Lazy<byte[]> Compiled = new(Compile);

    static readonly nint BinaryMode = Marshal.StringToCoTaskMemUTF8("b");

    static readonly delegate* unmanaged[Cdecl]<nint, nint, nint, int, int> dump =
        (delegate* unmanaged[Cdecl]<nint, nint, nint, int, int>)NativeLibrary.GetExport(Handle, "lua_dump");

    static byte[] Compile()
    {
        var L = newstate();
        if (L == 0) throw new InvalidOperationException("luaL_newstate failed");
        try
        {
            int status;
            fixed (byte* code = Script)
            fixed (byte* name = "=(standard libraries)\0"u8)
                status = loadbufferx(L, code, (nuint)Script.Length, name, (byte*)TextMode);
            if (status != LUA_OK) throw new InvalidOperationException($"the standard libraries' chunk: {LuaOps.ToStringOrNull(L, -1)}");
            var bytes = new List<byte>();
            var handle = GCHandle.Alloc(bytes);
            try { dump(L, (nint)(delegate* unmanaged[Cdecl]<nint, byte*, nuint, nint, int>)&Write, GCHandle.ToIntPtr(handle), 0); }
            finally { handle.Free(); }
            return bytes.ToArray();
        }
        finally { close(L); }
    }

    /// <summary>lua_dump's writer: appends to the list behind <paramref name="data"/>.</summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    static int Write(nint L, byte* p, nuint size, nint data)
    {
        ((List<byte>)GCHandle.FromIntPtr(data).Target!).AddRange(new ReadOnlySpan<byte>(p, (int)size));
        return 0;
    }

    static readonly byte[] Script = Encoding.UTF8.GetBytes("""
        -- Opens the standard libraries a runtime's options choose and applies the
        -- native-code policy (Modules/StandardLibraries.cs runs this once per state,
        -- protected, before any script). Uses no globals: they are what it builds.
        local registry, flags, restricted, textOnly,
              open_base, open_package, open_coroutine, open_table, open_io, open_os,
              open_string, open_math, open_utf8, open_debug,
              defaultPath, defaultCPath, envPath, envCPath, platform,
              posixPopen, posixExecute, posixTmpname, guardedSetupvalue, guardedSetuservalue = ...
        -- The bits of LuaLibraries.
        local BASE, PACKAGE, COROUTINE, TABLE, IO, OS, STRING, MATH, UTF8, DEBUG, OSTIME, TRACEBACK =
              1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048
        local function has(bit) return flags & bit ~= 0 end

        -- base, debug and string are always opened (base writes into the globals; this
        -- code needs a few of their functions), then taken away again if not chosen.
        local G = open_base("_G")
        local next, select, type, error, rawget, load, loadfile =
              G.next, G.select, G.type, G.error, G.rawget, G.load, G.loadfile
        local debuglib = open_debug("debug")
        local stringlib = open_string("string")
        local gsub, format = stringlib.gsub, stringlib.format

        local loaded = registry._LOADED
        if loaded == nil then loaded = {}; registry._LOADED = loaded end
        if has(BASE) then loaded._G = G else for k in next, G do G[k] = nil end end

        local function expose(name, module) loaded[name] = module; G[name] = module end
        local function keep(module, names)
          local kept = {}
          for i = 1, #names do kept[names[i]] = module[names[i]] end
          return kept
        end

        -- package reads LUA_PATH itself unless the registry says LUA_NOENV: the paths are
        -- set below instead, from the system's Lua directories and the variables C# read.
        if has(PACKAGE) then
          local noenv = registry.LUA_NOENV
          registry.LUA_NOENV = true
          expose("package", open_package("package"))
          registry.LUA_NOENV = noenv
        end
        if has(COROUTINE) then expose("coroutine", open_coroutine("coroutine")) end
        if has(TABLE) then expose("table", open_table("table")) end
        if has(IO) then expose("io", open_io("io")) end
        if has(OS) then expose("os", open_os("os"))
        elseif has(OSTIME) then expose("os", keep(open_os("os"), { "clock", "date", "difftime", "time" })) end
        if loaded.os ~= nil then loaded.os.platform = platform end
        -- POSIX Lua's io.popen, os.execute and os.tmpname, where liblua was built without
        -- them. io.popen runs a shell as os.execute does, so it is there only with the whole os.
        if has(OS) then
          if posixExecute ~= nil then loaded.os.execute = posixExecute end
          if posixTmpname ~= nil then loaded.os.tmpname = posixTmpname end
        end
        if loaded.io ~= nil then
          if not has(OS) then loaded.io.popen = nil
          elseif posixPopen ~= nil then loaded.io.popen = posixPopen end
        end
        if has(STRING) then expose("string", stringlib) else debuglib.setmetatable("", nil) end
        if has(MATH) then expose("math", open_math("math")) end
        if has(UTF8) then expose("utf8", open_utf8("utf8")) end
        -- The other debug functions reach into closures, userdata and the registry.
        if has(DEBUG) and not restricted then
          -- The runtime's own C functions read their upvalues as trusted pointers (Modules/GuardedDebug.cs).
          debuglib.setupvalue = guardedSetupvalue
          -- A view or slice keeps what owns its bytes alive through its user value (Modules/GuardedDebug.cs).
          debuglib.setuservalue = guardedSetuservalue
          expose("debug", debuglib)
        elseif has(DEBUG) or has(TRACEBACK) then expose("debug", keep(debuglib, { "traceback" })) end

        -- Text-only loading: a chosen mode keeps everything but "b". The wrappers check
        -- their arguments as the originals do, so errors read the same and point at the caller.
        local function pass(...) return ... end
        local function typeName(value)
          local mt = debuglib.getmetatable(value)
          local name = mt ~= nil and rawget(mt, "__name")
          if type(name) == "string" then return name end
          return type(value)
        end
        local function optString(value, n, fname)
          local t = type(value)
          if value ~= nil and t ~= "string" and t ~= "number" then
            error(format("bad argument #%d to '%s' (string expected, got %s)", n, fname, typeName(value)), 3)
          end
        end
        local function textMode(mode)
          if mode == nil then return "t" end
          return (gsub(mode, "b", ""))
        end

        -- As package's setpath: the variable's value, with ";;" standing for the default.
        local find, sub = stringlib.find, stringlib.sub
        local function withDefault(value, default)
          if value == nil then return default end
          local at = find(value, ";;", 1, true)
          if at == nil then return value end
          local prefix, suffix = sub(value, 1, at - 1), sub(value, at + 2)
          return (prefix ~= "" and prefix .. ";" or "") .. default .. (suffix ~= "" and ";" .. suffix or "")
        end

        local package = loaded.package
        if package ~= nil then
          package.path = withDefault(envPath, defaultPath or package.path)
          package.cpath = withDefault(envCPath, defaultCPath or package.cpath)
          local searchers, searchpath = package.searchers, package.searchpath
          -- The C searchers and loadlib run native code (and read files).
          if restricted or not has(IO) then
            package.loadlib = nil
            package.cpath = ""
            searchers[4] = nil
            searchers[3] = nil
          end
          if not has(IO) then
            searchers[2] = nil
            package.searchpath = nil
          elseif textOnly then
            -- Lua's own file searcher, loading text chunks only.
            searchers[2] = function(name)
              local path = package.path
              if type(path) ~= "string" then error("'package.path' must be a string", 0) end
              local filename, notFound = searchpath(name, path)
              if filename == nil then return notFound end
              local chunk, message = loadfile(filename, "t")
              if chunk ~= nil then return chunk, filename end
              error(format("error loading module '%s' from file '%s':\n\t%s", name, filename, message), 0)
            end
          end
        end

        if has(BASE) then
          if not has(IO) then
            G.dofile = nil
            G.loadfile = nil
          elseif textOnly then
            G.loadfile = function(filename, mode, ...)
              optString(filename, 1, "loadfile")
              optString(mode, 2, "loadfile")
              if select("#", ...) == 0 then return pass(loadfile(filename, textMode(mode))) end
              return pass(loadfile(filename, textMode(mode), ...))
            end
            G.dofile = function(filename)
              optString(filename, 1, "dofile")
              local chunk, message = loadfile(filename, "t")
              if chunk == nil then error(message, 0) end
              return chunk()
            end
          end
          if textOnly then
            G.load = function(chunk, chunkname, mode, ...)
              local t = type(chunk)
              if t ~= "string" and t ~= "function" then
                error(format("bad argument #1 to 'load' (function expected, got %s)", typeName(chunk)), 2)
              end
              optString(chunkname, 2, "load")
              optString(mode, 3, "load")
              if select("#", ...) == 0 then return pass(load(chunk, chunkname, textMode(mode))) end
              return pass(load(chunk, chunkname, textMode(mode), ...))
            end
          end
        end
        """);
}
