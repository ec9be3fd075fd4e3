using System.Runtime.CompilerServices;
using Lunet.Tests.Callbacks;
using Lunet.Tests.Support;

namespace Lunet.Tests.Embedding;

/// <summary>
/// Who may use a runtime when, and when it is freed: Dispose during a call takes effect when the
/// outermost host call returns (from any thread); a second thread entering a busy runtime gets an
/// InvalidOperationException; a runtime nobody disposed is freed after the garbage collector finds it.
/// </summary>
public class RuntimeLifetimeTests
{
    static void AssertDisposed(LuaRuntime lua)
    {
        Assert.Throws<ObjectDisposedException>(() => lua.DoString("return 1"));
        Assert.Throws<ObjectDisposedException>(() => lua["x"]);
        Assert.Throws<ObjectDisposedException>(() => lua.MemoryInUse);
        lua.Dispose(); // again: nothing
    }

    [Fact]
    public void DisposeInsideARegisteredFunctionTakesEffectWhenTheCallReturns()
    {
        var lua = new LuaRuntime();
        lua.RegisterFunction("die", () => lua.Dispose());
        lua.RegisterFunction("reenter", () => lua.DoString("return 1")[0]);
        // The script runs to its end; the host API is closed to new calls from the moment Dispose returned.
        Assert.Equal(["after", false, "host function 'reenter' failed"],
            lua.DoString("die() local ok, e = pcall(reenter) return 'after', ok, e"));
        AssertDisposed(lua);
    }

    [Fact]
    public void DisposeInsideNestedHostCallsWaitsForTheOutermost()
    {
        var lua = new LuaRuntime();
        using var inner = (LuaFunction)lua.DoString("return function() die() return 'inner' end")[0]!;
        lua.RegisterFunction("die", () => lua.Dispose());
        lua.RegisterFunction("nested", () => inner.Call()[0]);
        Assert.Equal(["inner", 3L], lua.DoString("local r = nested() return r, 1 + 2"));
        AssertDisposed(lua);
    }

    [Fact]
    public void DisposeInsideAnFfiCallbackTakesEffectWhenTheCallReturns()
    {
        var lua = CallbackLib.NewRuntime();
        lua.RegisterFunction("die", () => lua.Dispose());
        Assert.Equal([42L], lua.DoString(CallbackLib.Open + """
            local cb = ffi.callback(function(x) die() return x + 1 end, 'i32', {'i32'})
            return lib:call('call_i32', 'i32', {'pointer', 'i32'}, cb, 41)
            """));
        AssertDisposed(lua);
    }

    [Fact]
    public void DisposeFromAnotherThreadWhileAScriptRunsWaitsForTheCallToReturn()
    {
        var lua = new LuaRuntime();
        using var running = new ManualResetEventSlim();
        using var disposed = new ManualResetEventSlim();
        lua.RegisterFunction("pause", () => { running.Set(); Assert.True(disposed.Wait(10_000)); });
        var other = new Thread(() => { running.Wait(); lua.Dispose(); disposed.Set(); });
        other.Start();
        Assert.Equal([42L], lua.DoString("local t = {} pause() for i = 1, 1000 do t[i] = i end collectgarbage() return 42"));
        other.Join();
        AssertDisposed(lua);
    }

    [Fact]
    public void ASecondThreadEnteringABusyRuntimeIsRefused()
    {
        using var lua = new LuaRuntime();
        using var table = (LuaTable)lua.DoString("return { 1, 2 }")[0]!;
        using var function = (LuaFunction)lua.DoString("return function() return 7 end")[0]!;
        var refused = new List<string>();
        lua.RegisterFunction("pause", () =>
        {
            var other = new Thread(() =>
            {
                foreach (var use in new Action[]
                {
                    () => lua.DoString("return 1"), () => lua.DoFile("/nonexistent.lua"), () => _ = lua["x"], () => lua["x"] = 1,
                    () => lua.RegisterFunction("f", () => 1), () => lua.Compile("x = 1", "=c", out _), () => lua.DoStringAndPrint("x = 1"),
                    () => function.Call(), () => _ = table[1], () => table[1] = 2, () => table.ToList(),
                })
                    try { use(); refused.Add("not refused"); }
                    catch (Exception e) { refused.Add($"{e.GetType().Name}: {e.Message}"); }
            });
            other.Start();
            other.Join();
        });
        Assert.Equal([7L], lua.DoString("pause() return 7"));
        Assert.Equal(11, refused.Count);
        Assert.All(refused, m => Assert.Matches("^InvalidOperationException: .*one thread at a time", m));
        // Once the call has returned, another thread may use it.
        object? fromOther = null;
        var later = new Thread(() => fromOther = lua.DoString("return 8")[0]);
        later.Start();
        later.Join();
        Assert.Equal(8L, fromOther);
    }

    [Fact]
    public void TwoThreadsHammeringOneRuntimeNeverCrashIt()
    {
        using var lua = new LuaRuntime();
        lua.DoString("n = 0 function bump() for i = 1, 100 do n = n + 1 end end");
        int ran = 0, refused = 0;
        var threads = Enumerable.Range(0, 2).Select(_ => new Thread(() =>
        {
            for (int i = 0; i < 2000; i++)
            {
                try { lua.DoString("bump()"); Interlocked.Increment(ref ran); }
                catch (InvalidOperationException) { Interlocked.Increment(ref refused); }
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.Equal(4000, ran + refused);
        Assert.Equal(ran * 100L, lua.DoString("return n")[0]);
    }

    /// <summary>
    /// Makes a runtime nobody disposes: its script keeps a file open with unflushed text (its __gc,
    /// liblua's own, writes it out when the state closes) and an object whose Lua __gc calls a host function.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    static WeakReference Abandon(string file, Action hostCalled, StringWriter output)
    {
        var lua = new LuaRuntime(new LuaRuntimeOptions { Output = output });
        lua.RegisterFunction("hostCalled", hostCalled);
        lua.DoString($$"""
            keep = io.open([[{{file}}]], 'w')
            keep:write('closed by the finalizer')
            printing = setmetatable({}, { __gc = function() print('printed in __gc') end })
            calling = setmetatable({}, { __gc = function() hostCalled() end })
            """);
        return new WeakReference(lua);
    }

    static void CollectUntil(Func<bool> done)
    {
        for (int i = 0; i < 200 && !done(); i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            Thread.Sleep(25);
        }
    }

    [Fact]
    public void ARuntimeNobodyDisposedIsFreedWithoutRunningHostCodeInItsFinalizers()
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("lunet-fin").FullName, "out.txt");
        bool hostCalled = false;
        var output = new StringWriter();
        var weak = Abandon(file, () => hostCalled = true, output);
        CollectUntil(() => !weak.IsAlive && new FileInfo(file).Length > 0);
        Assert.False(weak.IsAlive);
        Assert.Equal("closed by the finalizer", File.ReadAllText(file));
        // The script's __gc ran (the state closed) but reached neither the host's delegates nor its writer.
        Assert.False(hostCalled);
        Assert.Equal("", output.ToString());
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static WeakReference AbandonWithASlowFinalizer(string file)
    {
        var lua = new LuaRuntime();
        lua.DoString($"slow = setmetatable({{}}, {{ __gc = function() os.execute('sleep 2') io.open([[{file}]], 'w'):close() end }})");
        return new WeakReference(lua);
    }

    /// <summary>lua_close runs the script's __gc functions, which may take any time: never on the process's finalizer thread.</summary>
    [Fact]
    public void ASlowScriptFinalizerDoesNotHoldTheFinalizerThread()
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("lunet-fin").FullName, "done");
        var weak = AbandonWithASlowFinalizer(file);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        for (int i = 0; i < 10 && weak.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        Assert.False(weak.IsAlive);
        Assert.True(watch.ElapsedMilliseconds < 1500, $"the finalizers took {watch.ElapsedMilliseconds} ms");
        CollectUntil(() => File.Exists(file));
        Assert.True(File.Exists(file));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static object?[] RunWithNoOtherReference(Action collect)
    {
        var lua = new LuaRuntime();
        lua.RegisterFunction("collect", collect);
        return lua.DoString("local t = {} for i = 1, 20 do collect() t[i] = ('x'):rep(i) end return #t, t[20]");
    }

    [Fact]
    public void ARuntimeInUseIsNotFinalized()
    {
        Assert.Equal([20L, new string('x', 20)], RunWithNoOtherReference(() =>
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static void AbandonMany(int count)
    {
        for (int i = 0; i < count; i++)
            new LuaRuntime(Lua.FullFfi).DoString("local ffi = require('ffi') local t = {} for i = 1, 100 do t[i] = tostring(i) end return ffi.buffer(4096).size");
    }

    static long ResidentMiB() => ProcessMemory.ResidentKiB() / 1024;

    /// <summary>3,000 runtimes nobody disposed grew the process by 136 to 202 MiB that no collection gave back.</summary>
    [Fact]
    public void ThousandsOfUndisposedRuntimesAreFreed()
    {
        if (!OperatingSystem.IsLinux()) return;
        AbandonMany(100);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Thread.Sleep(500);
        long before = ResidentMiB(), closedBefore = LuaRuntime.ClosedUndisposed;
        AbandonMany(3000);
        // Every one is closed (the count is exact: other tests running at once only add to it); the
        // process's size, which tests running beside this one also move, is checked loosely.
        long closed = 0, after = 0;
        for (int i = 0; i < 200 && ((closed = LuaRuntime.ClosedUndisposed - closedBefore) < 3000 || (after = ResidentMiB()) - before > 96); i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            Thread.Sleep(100);
        }
        Assert.True(closed >= 3000, $"only {closed} of 3000 undisposed runtimes were closed");
        Assert.True(after - before <= 96, $"the process grew by {after - before} MiB");
    }
}
