namespace Lunet.Tests.Embedding;

/// <summary>The host API a .NET developer meets first: globals by indexer, delegates, tables and functions, output, budgets.</summary>
public class HostApiTests
{
    [Fact]
    public void GlobalsByIndexer()
    {
        using var lua = new LuaRuntime();
        lua["x"] = 42;
        Assert.Equal(42L, lua["x"]);
        Assert.Equal(84L, lua.DoString("return x * 2")[0]);
        lua.DoString("y = 'hi'");
        Assert.Equal("hi", lua["y"]);
        Assert.Null(lua["nothing"]);
    }

    [Fact]
    public void DelegatesAreLuaFunctionsWithConvertedArguments()
    {
        using var lua = new LuaRuntime();
        lua.RegisterFunction("add", (long a, long b) => a + b);
        lua.RegisterFunction("greet", (string name, int times) => string.Concat(Enumerable.Repeat(name, times)));
        lua.RegisterFunction("half", (double d) => d / 2);
        lua.RegisterFunction("truthy", (bool b) => b);
        var seen = new List<object?>();
        lua["record"] = (Action<object?>)seen.Add;
        Assert.Equal(5L, lua.DoString("return add(2, 3)")[0]);
        Assert.Equal("abab", lua.DoString("return greet('ab', 2)")[0]);
        Assert.Equal(1.25, lua.DoString("return half(2.5)")[0]);
        Assert.Equal([false, true], lua.DoString("return truthy(nil), truthy(0)"));
        lua.DoString("record(1); record('s'); record(nil)");
        Assert.Equal([1L, "s", null], seen);
    }

    [Fact]
    public void BadArgumentsAreTheScriptsErrors()
    {
        using var lua = new LuaRuntime();
        lua.RegisterFunction("add", (long a, long b) => a + b);
        lua.RegisterFunction("small", (byte b) => b);
        var e = Assert.Throws<LuaScriptException>(() => lua.DoString("return add(1, 'x')", "=t"));
        Assert.Equal("t:1: bad argument #2 to 'add' (number expected, got string)", e.Message);
        e = Assert.Throws<LuaScriptException>(() => lua.DoString("return add(1)", "=t"));
        Assert.Equal("t:1: bad argument #2 to 'add' (number expected, got no value)", e.Message);
        e = Assert.Throws<LuaScriptException>(() => lua.DoString("return small(300)", "=t"));
        Assert.Equal("t:1: bad argument #1 to 'small' (300 is out of range for Byte)", e.Message);
        Assert.Equal([false, "bad argument #1 to 'add' (number expected, got table)"],
            lua.DoString("local ok, m = pcall(add, {}, 1) return ok, m"));
        Assert.Throws<ArgumentException>(() => lua.RegisterFunction("f", (DateTime d) => 1));
    }

    [Fact]
    public void ExceptionsBecomeLuaErrorsWithoutDotNetText()
    {
        using var lua = new LuaRuntime();
        lua.RegisterFunction("fail", new Func<long>(() => throw new InvalidOperationException("secret .NET detail")));
        lua.RegisterFunction("refuse", new Action<string>(why => throw new LuaScriptException("refused: " + why, null)));
        Assert.Equal([false, "host function 'fail' failed"], lua.DoString("return pcall(fail)", "=t")); // called by pcall (C): no position, as luaL_error
        var e = Assert.Throws<LuaScriptException>(() => lua.DoString("fail()", "=t"));
        Assert.Equal("t:1: host function 'fail' failed", e.Message);
        Assert.IsType<InvalidOperationException>(e.InnerException);
        Assert.Equal([false, "refused: no"], lua.DoString("return pcall(refuse, 'no')"));
        // Many failures in a row, some caught by Lua, some not: the runtime keeps working.
        for (int i = 0; i < 200; i++)
            Assert.Throws<LuaScriptException>(() => lua.DoString("for i = 1, 10 do pcall(fail) end fail()"));
        Assert.Equal(2L, lua.DoString("return 1 + 1")[0]);
    }

    [Fact]
    public void DelegatesCanCallBackIntoTheRuntime()
    {
        using var lua = new LuaRuntime();
        lua.RegisterFunction("eval", (string code) => lua.DoString(code)[0]);
        Assert.Equal(6L, lua.DoString("return eval('return 2 * 3')")[0]);
        var e = Assert.Throws<LuaScriptException>(() => lua.DoString("return eval('error(\"inner\", 0)')"));
        Assert.Equal("inner", e.Message);
        // Inside a coroutine the main thread is mid-resume: re-entry is refused, as a Lua error.
        Assert.Equal([false, "a registered function called inside a coroutine cannot run Lua code through the runtime"],
            lua.DoString("return coroutine.resume(coroutine.create(function() return eval('return 1') end))"));
        lua.RegisterFunction("twice", (long x) => 2 * x);
        Assert.Equal([true, 8L], lua.DoString("return coroutine.resume(coroutine.create(function() return twice(4) end))"));
        // Values of a coroutine's stack are read from and pushed to that thread, not the main one.
        lua.RegisterFunction("same", (object? o) => o);
        Assert.Equal([true, true, "s"], lua.DoString(
            "local t = {} return true, coroutine.wrap(function() local r = same(t) return r == t, same('s') end)()"));
        Assert.Equal(6L, lua.DoString("return eval('return 2 * 3')")[0]);
    }

    [Fact]
    public void FunctionsAndTablesComeBackAsObjects()
    {
        using var lua = new LuaRuntime();
        using var f = Assert.IsType<LuaFunction>(lua.DoString("return function(a, b) return a .. b, #a end")[0]);
        Assert.Equal(["xy", 1L], f.Call("x", "y"));
        using var t = Assert.IsType<LuaTable>(lua.DoString("return { 10, 20, name = 'n', inner = { 1 } }")[0]);
        Assert.Equal(20L, t[2L]);
        Assert.Equal("n", t["name"]);
        t["added"] = f;
        Assert.Equal("ab", lua.DoString("local t = ... return t.added('a', 'b')", "=t", t)[0]);
        var keys = t.Select(p => p.Key).ToList();
        Assert.Equal(5, keys.Count);
        Assert.Contains("inner", keys);
        Assert.IsType<LuaTable>(t["inner"]);
        var e = Assert.Throws<LuaScriptException>(() => f.Call(1));
        Assert.Contains("attempt to concatenate a nil value", e.Message);
    }

    [Fact]
    public void TableIndexerRunsMetamethodsInProtectedCalls()
    {
        using var lua = new LuaRuntime();
        using var t = (LuaTable)lua.DoString("return setmetatable({}, { __index = function(_, k) return k .. '!' end, __newindex = error })")[0]!;
        Assert.Equal("a!", t["a"]);
        Assert.Throws<LuaScriptException>(() => t["b"] = 1);
        Assert.Empty(t);
    }

    [Fact]
    public void ReferencesKeepValuesAliveUntilDisposed()
    {
        using var lua = new LuaRuntime();
        var t = (LuaTable)lua.DoString("local t = setmetatable({ v = 1 }, { __gc = function() collected = true end }) return t")[0]!;
        lua.DoString("collectgarbage(); collectgarbage()");
        Assert.Null(lua["collected"]);
        Assert.Equal(1L, t["v"]);
        t.Dispose();
        Assert.Throws<ObjectDisposedException>(() => t["v"]);
        lua.DoString("return {}"); // a new reference frees the released slot
        lua.DoString("collectgarbage(); collectgarbage()");
        Assert.Equal(true, lua["collected"]);
        using var other = new LuaRuntime();
        using var f = (LuaFunction)lua.DoString("return print")[0]!;
        Assert.Throws<ArgumentException>(() => other["f"] = f);
    }

    [Fact]
    public void PrintAndIoWriteGoToTheHostsWriter()
    {
        var output = new StringWriter();
        using var lua = new LuaRuntime(new LuaRuntimeOptions { Output = output });
        lua.DoString("""
            print(1, 'two', nil, 3.5, setmetatable({}, { __tostring = function() return 'T' end }))
            io.write('a', 1, ' ', 2.0, ' ', 1e100, '\n'):write('chained ', 'é\n')
            """);
        Assert.Equal("1\ttwo\tnil\t3.5\tT\na1 2 1e+100\nchained é\n", output.ToString());
        var e = Assert.Throws<LuaScriptException>(() => lua.DoString("io.write('x', {})", "=t"));
        Assert.Equal("t:1: bad argument #2 to 'write' (string expected, got table)", e.Message);
        Assert.Equal("file (host output)", lua.DoString("return tostring(io.write())")[0]);
    }

    [Fact]
    public void InstructionLimitStopsARunawayScriptEvenIfItCatchesTheError()
    {
        using var lua = new LuaRuntime(new LuaRuntimeOptions { InstructionLimit = 1_000_000 });
        var e = Assert.Throws<LuaBudgetExceededException>(() => lua.DoString("while true do end", "=t"));
        Assert.Contains("instruction limit (1000000)", e.Message);
        Assert.Throws<LuaBudgetExceededException>(() =>
            lua.DoString("while true do pcall(function() while true do end end) end"));
        Assert.Throws<LuaBudgetExceededException>(() =>
            lua.DoString("while true do coroutine.resume(coroutine.create(function() while true do end end)) end"));
        // Each host call has its own budget: the runtime works on.
        Assert.Equal(500500L, lua.DoString("local s = 0 for i = 1, 1000 do s = s + i end return s")[0]);
        using var f = (LuaFunction)lua.DoString("return function() while true do end end")[0]!;
        Assert.Throws<LuaBudgetExceededException>(() => f.Call());
    }

    [Fact]
    public void TimeoutStopsARunawayScript()
    {
        using var lua = new LuaRuntime(new LuaRuntimeOptions { Timeout = TimeSpan.FromMilliseconds(200) });
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var e = Assert.Throws<LuaBudgetExceededException>(() => lua.DoString("while true do pcall(error) end"));
        Assert.Contains("time limit", e.Message);
        Assert.InRange(watch.ElapsedMilliseconds, 150, 5000);
        Assert.Equal(1L, lua.DoString("return 1")[0]);
    }

    [Fact]
    public void ScriptsCannotForgeWhatARegisteredFunctionCalls()
    {
        using var lua = new LuaRuntime(new LuaRuntimeOptions { Ffi = FfiAccess.Full, Output = new StringWriter() });
        lua.RegisterFunction("add", (long a, long b) => a + b);
        // debug.setupvalue refuses the runtime's own functions; their upvalue is an id, checked, besides.
        Assert.Equal([false, "bad argument #1 to 'debug.setupvalue' (the upvalues of the runtime's own functions cannot be changed)", 3L],
            lua.DoString("local ok, e = pcall(debug.setupvalue, add, 2, 12345) return ok, e, add(1, 2)"));
        Assert.Equal([false, "bad argument #1 to 'debug.setupvalue' (the upvalues of the runtime's own functions cannot be changed)", 3L],
            lua.DoString("local ok, e = pcall(debug.setupvalue, add, 2, io.stdout) return ok, e, add(1, 2)"));
        // The writer behind print, taken out with the debug library, checks its arguments too.
        Assert.Equal([false, "bad argument #1 to 'write' (string expected, got table)"],
            lua.DoString("""
                local i, name, w = 1
                repeat name, w = debug.getupvalue(print, i); i = i + 1 until name == "write"
                return pcall(w, {})
                """));
        Assert.Equal(2L, lua.DoString("return 1 + 1")[0]);
    }

    [Fact]
    public void VersionsAreTheProjectsAndTheLuaLibrarys()
    {
        var props = File.ReadAllText(Path.Combine(Support.NativeBuild.RepoRoot, "Directory.Build.props"));
        Assert.Contains($"<Version>{LuaRuntime.Version}</Version>", props);
        Assert.Matches(@"^Lua 5\.4\.\d+$", LuaRuntime.LuaRelease);
        using var lua = new LuaRuntime();
        Assert.Equal("Lua 5.4", lua.DoString("return _VERSION")[0]);
    }

    [Fact]
    public void TheRawStateIsNotPublic()
    {
        Assert.Null(typeof(LuaRuntime).GetProperty("State", System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance));
    }
}
