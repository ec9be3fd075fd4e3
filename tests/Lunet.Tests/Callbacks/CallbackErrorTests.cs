using Lunet.Tests.Support;

namespace Lunet.Tests.Callbacks;

/// <summary>Errors never unwind through C; callbacks run on the Lua thread of the ffi call; nesting; several runtimes.</summary>
public class CallbackErrorTests
{
    [Fact]
    public void AnErrorIsRaisedWhenTheCallReturnsWithItsTraceback()
    {
        var e = (string)CallbackLib.Eval("""
            local cb = ffi.callback(function(x) error('boom ' .. x) end, 'i32', {'i32'})
            local ok, err = pcall(lib.call, lib, 'call_i32', 'i32', {'pointer', 'i32'}, cb, 5)
            assert(not ok)
            return err
            """)!;
        Assert.Contains("test:1: boom 5", e);
        Assert.Contains("stack traceback:", e);
    }

    [Fact]
    public void LaterInvocationsInTheSameCallReturnZeroAndTheCallbackStaysValid()
    {
        // call_times counts the invocations that returned non-zero: after the first error, none run Lua.
        Assert.Equal("1|false|0|true|3", CallbackLib.Eval("""
            local ran, fail = 0, true
            local cb = ffi.callback(function(x) ran = ran + 1; if fail then error('first') end; return 1 end, 'i32', {'i32'})
            local ok, err = pcall(lib.call, lib, 'call_times', 'i32', {'pointer', 'i32', 'i32'}, cb, 1, 10)
            local ranThen = ran
            fail = false
            ran = 0
            local n = lib:call('call_times', 'i32', {'pointer', 'i32', 'i32'}, cb, 1, 3)
            -- the error did not leak into the next call: it returned normally
            return table.concat({ranThen, tostring(ok), 0, tostring(cb.isValid), n}, '|')
            """));
    }

    [Fact]
    public void AWrongResultTypeNamesTheCallbackAndTheTypesAndCGetsZero()
    {
        Assert.Equal("0|bad result from callback 'i32 (i32)' (i32 expected, got string); C got 0", CallbackLib.Eval("""
            local inner = ffi.callback(function(x) return 'seven' end, 'i32', {'i32'})
            local ok, err = pcall(lib.call, lib, 'call_keep', 'i32', {'pointer', 'i32'}, inner, 1)
            assert(not ok)
            return lib:call('kept_result', 'i32', {}) .. '|' .. err
            """));
        Assert.Contains("number has no integer representation", CallbackLib.Error("""
            lib:call('call_i32', 'i32', {'pointer', 'i32'}, ffi.callback(function(x) return 1.5 end, 'i32', {'i32'}), 1)
            """));
        Assert.Contains("(f64 expected, got nil)", CallbackLib.Error("""
            lib:call('call_f64', 'f64', {'pointer', 'f64'}, ffi.callback(function(x) end, 'f64', {'f64'}), 1)
            """));
        Assert.Contains("(pointer expected, got table)", CallbackLib.Error("""
            lib:call('call_ptr', 'pointer', {'pointer', 'pointer'}, ffi.callback(function(x) return {} end, 'pointer', {'pointer'}), nil)
            """));
    }

    [Fact]
    public void ACallbackRunsOnTheCoroutineThatMadeTheCall()
    {
        Assert.Equal(true, CallbackLib.Eval("""
            local seen
            local cb = ffi.callback(function(x) seen = coroutine.running(); return x + 1 end, 'i32', {'i32'})
            local co = coroutine.create(function() return lib:call('call_i32', 'i32', {'pointer', 'i32'}, cb, 41) end)
            local ok, r = coroutine.resume(co)
            assert(ok and r == 42, tostring(r))
            return seen == co
            """));
    }

    [Fact]
    public void YieldInsideACallbackIsAnErrorThatSaysWhy()
    {
        Assert.Contains("cannot yield inside callback 'i32 (i32)'", CallbackLib.Eval("""
            local cb = ffi.callback(function(x) coroutine.yield(1); return x end, 'i32', {'i32'})
            local co = coroutine.create(function() return lib:call('call_i32', 'i32', {'pointer', 'i32'}, cb, 1) end)
            local ok, err = coroutine.resume(co)
            assert(not ok)
            return err
            """) as string);
    }

    [Fact]
    public void NestedCallbacksGoDeepAndFailCleanlyPastLuasLimit()
    {
        // Lua → C → callback → C → ...: each level past the first 64 costs one of Lua's LUAI_MAXCCALLS (200) C levels.
        using var rt = CallbackLib.NewRuntime();
        var r = rt.DoString(CallbackLib.Open + """
            local nest = lib:wrap('i32', 'nest', 'pointer', 'i32')
            local cb
            cb = ffi.callback(function(d) if d == 0 then return 0 end; return 1 + nest(cb, d - 1) end, 'i32', {'i32'})
            local deepest = 0
            for d = 1, 300 do
              local ok, r = pcall(nest, cb, d)
              if not ok then return deepest, r end
              assert(r == d)
              deepest = d
            end
            return deepest, 'no limit'
            """, "=test");
        long deepest = (long)r[0]!;
        Assert.InRange(deepest, 200, 199 + Lunet.Ffi.Callbacks.CallbackNesting.FreeLevels);
        Assert.Contains("callbacks nested too deep", (string)r[1]!);
        // The runtime keeps working.
        Assert.Equal(42L, rt.DoString(CallbackLib.Open + "return lib:call('call_i32', 'i32', {'pointer', 'i32'}, ffi.callback(function(x) return x end, 'i32', {'i32'}), 42)")[0]);
    }

    [Fact]
    public void SeveralRuntimesRunTheirOwnCallbacks()
    {
        using var a = CallbackLib.NewRuntime();
        using var b = CallbackLib.NewRuntime();
        const string make = "cb = ffi.callback(function(x) return x * FACTOR end, 'i32', {'i32'}); return ffi.address(cb.ptr)";
        a.SetGlobal("FACTOR", 2);
        b.SetGlobal("FACTOR", 3);
        var pa = (long)a.DoString(CallbackLib.Open + make)[0]!;
        var pb = (long)b.DoString(CallbackLib.Open + make)[0]!;
        Assert.NotEqual(pa, pb);
        Assert.Equal(20L, a.DoString(CallbackLib.Open + "return lib:call('call_i32', 'i32', {'pointer', 'i32'}, cb, 10)")[0]);
        Assert.Equal(30L, b.DoString(CallbackLib.Open + "return lib:call('call_i32', 'i32', {'pointer', 'i32'}, cb, 10)")[0]);
        // b's callback called during a's ffi call: not b's call in progress, so it does not run (0), and b reports it.
        a.SetGlobal("OTHER", pb);
        Assert.Equal(0L, a.DoString(CallbackLib.Open + "return lib:call('call_i32', 'i32', {'pointer', 'i32'}, ffi.pointer(OTHER), 10)")[0]);
        Assert.Contains("foreign thread", Lua.Error(b, CallbackLib.Open + "lib:call('busy', 'i32', {'i32'}, 1)"));
        Assert.Equal(30L, b.DoString(CallbackLib.Open + "return lib:call('call_i32', 'i32', {'pointer', 'i32'}, cb, 10)")[0]);
    }

    [Fact]
    public void RuntimesOnTwoThreadsRunTheirCallbacksAtTheSameTime()
    {
        // Each runtime on its own OS thread, both calling back at once: each sees only its own calls.
        var results = new object?[2];
        var threads = Enumerable.Range(0, 2).Select(k => new Thread(() =>
        {
            using var rt = CallbackLib.NewRuntime();
            rt.SetGlobal("K", k + 1);
            results[k] = rt.DoString(CallbackLib.Open + """
                local loop = lib:wrap('i64', 'call_loop', 'pointer', 'i32')
                local cb = ffi.callback(function(x) return x * K end, 'i32', {'i32'})
                local s = 0
                for i = 1, 20 do s = s + loop(cb, 10000) end
                return s
                """)[0];
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        long once = 10000L * 9999 / 2;
        Assert.Equal(20 * once, results[0]);
        Assert.Equal(40 * once, results[1]);
    }

    [Fact]
    public void ACallbackOfADisposedRuntimeReturnsZero()
    {
        long p;
        using (var a = CallbackLib.NewRuntime())
            p = (long)a.DoString(CallbackLib.Open + "cb = ffi.callback(function(x) return x end, 'i32', {'i32'}); return ffi.address(cb.ptr)")[0]!;
        using var b = CallbackLib.NewRuntime();
        b.SetGlobal("P", p);
        Assert.Equal(0L, b.DoString(CallbackLib.Open + "return lib:call('call_i32', 'i32', {'pointer', 'i32'}, ffi.pointer(P), 10)")[0]);
        Assert.Equal(5L, b.DoString(CallbackLib.Open + "return lib:call('busy', 'i32', {'i32'}, 4)")[0]);
    }

    [Fact]
    public void StringArgumentsCountAgainstTheMemoryLimit()
    {
        // The trampoline pushes a string argument where the allocator cannot fail (no longjmp out of C),
        // so it first checks the string fits: at the limit the callback is not run, C gets 0 and the ffi
        // call raises "not enough memory"; once memory is released, the same call works.
        using var rt = Lua.NewRuntime(new LuaRuntimeOptions { Ffi = FfiAccess.Full, MemoryLimit = 2_000_000 });
        rt.SetGlobal("CBLIB", CallbackLib.Path);
        var r = rt.DoString(CallbackLib.Open + """
            local callStr = lib:wrap('i32', 'call_str', 'pointer', 'string')
            local arg = string.rep('s', 4000)
            local got
            local cb = ffi.callback(function(s) got = #s; return 1 end, 'int', {'string'})
            local hog = ffi.callback(function(s) local t = {} while true do t[#t + 1] = s .. #t end end, 'int', {'string'})
            local fill = {}
            local ok = pcall(function() while true do fill[#fill + 1] = string.rep('y', 1000) .. #fill end end)
            assert(not ok)                            -- at the limit now
            local ok1, err1 = pcall(callStr, cb, arg)
            fill = nil
            collectgarbage()
            local r = callStr(cb, arg)
            local ok2, err2 = pcall(callStr, hog, arg)
            return tostring(ok1) .. '|' .. tostring(err1), r, got, err2
            """, "=test");
        Assert.StartsWith("false|callback 'i32 (string)': cannot pass its arguments: not enough memory", (string)r[0]!);
        Assert.Equal(1L, r[1]);
        Assert.Equal(4000L, r[2]);
        Assert.Contains("not enough memory", (string)r[3]!);
    }

    /// <summary>C handing a callback 200 strings of 1 MiB that it keeps: Lua holds no more than its limit, and the runtime goes on.</summary>
    [Fact]
    public void WhatACallbackReceivesAndKeepsStaysUnderTheMemoryLimit()
    {
        using var rt = Lua.NewRuntime(new LuaRuntimeOptions { Ffi = FfiAccess.Full, MemoryLimit = 16 << 20 });
        rt.SetGlobal("CBLIB", CallbackLib.Path);
        var r = rt.DoString(CallbackLib.Open + """
            local keep = {}
            local cb = ffi.callback(function(s) keep[#keep + 1] = s; return 1 end, 'int', {'string'})
            local ok, err = pcall(lib.call, lib, 'call_strings', 'i32', {'pointer', 'i32', 'i32'}, cb, 200, 1 << 20)
            local held = collectgarbage('count')
            local kept = #keep
            keep = nil
            collectgarbage()
            return tostring(ok) .. '|' .. tostring(err), held, kept
            """, "=test");
        Assert.Contains("not enough memory", (string)r[0]!);
        Assert.True(Convert.ToDouble(r[1]) < 16 * 1024, $"Lua held {r[1]} KiB");
        Assert.InRange(Convert.ToInt64(r[2]), 1, 15);
        Assert.Equal(3L, rt.DoString("return 1 + 2")[0]);   // the runtime runs another chunk
    }

    [Fact]
    public void TheManagedStubPathRaisesCallbackErrorsToo()
    {
        // lib:call's first call of a site runs the managed stub.
        Assert.Contains("managed boom", CallbackLib.Error("""
            local cb = ffi.callback(function(x) error('managed boom') end, 'i32', {'i32'})
            lib:call('call_times', 'i32', {'pointer', 'i32', 'i32'}, cb, 1, 1)
            """));
    }
}
