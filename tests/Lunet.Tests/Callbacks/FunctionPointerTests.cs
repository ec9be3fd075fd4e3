using Lunet.Tests.Support;

namespace Lunet.Tests.Callbacks;

/// <summary>
/// Function pointers as values (tests/native/func_test.c): ffi.func, function-pointer fields
/// that read as callables, and Lua functions passed or stored where C takes a function pointer.
/// </summary>
public class FunctionPointerTests
{
    const string Prelude = """
        local ffi = require('ffi')
        local lib = ffi.open(FUNCLIB)
        ffi.cdef[[struct func_ops { int (*combine)(int, int); double (*scale)(double); int tag; };]]
        local pick = lib:wrap('pointer', 'func_pick', 'i32')

        """;

    static LuaRuntime NewRuntime()
    {
        var rt = Lua.NewRuntime();
        rt.SetGlobal("FUNCLIB", NativeBuild.SharedLibrary("func_test.c"));
        return rt;
    }

    static object? Eval(string code)
    {
        using var rt = NewRuntime();
        var r = rt.DoString(Prelude + code, "=test");
        return r.Length > 0 ? r[0] : null;
    }

    static string Error(string code)
    {
        using var rt = NewRuntime();
        return Lua.Error(rt, Prelude + code);
    }

    [Fact]
    public void FuncCallsAPointerCReturnedWithATypeExpression() =>
        Assert.Equal("42|13|9", Eval("""
            local mul = ffi.func(pick(1), 'int (*)(int, int)')
            local add = ffi.func(pick(0), 'int (int, int)')
            local add2 = ffi.func(ffi.address(pick(0)), 'i32', 'i32', 'i32') -- an integer address, wrap's type names
            return mul(6, 7) .. '|' .. add(6, 7) .. '|' .. add2(4, 5)
            """));

    [Fact]
    public void FuncTakesAnFfiCallback() =>
        Assert.Equal("12|12", Eval("""
            local cb = ffi.callback(function(a, b) return a * b end, 'i32', {'i32', 'i32'})
            return ffi.func(cb, 'int (*)(int, int)')(3, 4) .. '|' .. ffi.func(cb.ptr, 'i32', 'i32', 'i32')(3, 4)
            """));

    [Theory]
    [InlineData("ffi.func(pick(2), 'int (*)(int, int)')", "ffi.func: NULL function pointer")]
    [InlineData("ffi.func(nil, 'int (*)(int, int)')", "ffi.func: NULL function pointer")]
    [InlineData("ffi.func(0, 'i32', 'i32')", "ffi.func: NULL function pointer")]
    [InlineData("ffi.func(pick(0), 'int')", "bad argument #2 to 'func' (function type or pointer to a function expected, got i32")]
    [InlineData("ffi.func(pick(0), 'int *')", "bad argument #2 to 'func' (function type or pointer to a function expected, got i32*")]
    [InlineData("ffi.func(pick(0), 'int (*)(int, ...)')", "ffi.func: cannot call a variadic function type")]
    [InlineData("ffi.func('abc', 'int (*)(int)')", "bad argument #1 to 'func' (pointer expected, got string)")]
    [InlineData("ffi.func({}, 'int (*)(int)')", "bad argument #1 to 'func' (pointer expected, got table)")]
    [InlineData("ffi.func(1.5, 'int (*)(int)')", "bad argument #1 to 'func' (number has no integer representation)")]
    [InlineData("ffi.func(pick(0), 'nosuch_t (*)(int)')", "unknown C type 'nosuch_t'")]
    [InlineData("ffi.func(pick(0), 'i32', 'i32', 42)", "bad argument #4 to 'func' (string expected, got number)")]
    [InlineData("ffi.func(pick(0), 'int (*)(int, int)')(1)", "wrong number of arguments to 'i32 (i32, i32)' (2 expected, got 1)")]
    [InlineData("ffi.func(pick(0), 'int (*)(int, int)')(1, 'x')", "bad argument #2 to 'i32 (i32, i32)' (i32 expected, got string)")]
    public void FuncRefusesBadInput(string code, string message) =>
        Assert.Contains(message, Error(code));

    [Fact]
    public void FunctionPointerFieldsAreCallableAndNullReadsAsNil() =>
        Assert.Equal("nil|nil|5|2.5|7|56|true", Eval("""
            local o = ffi.new('struct func_ops')
            local before = tostring(o.combine) .. '|' .. tostring(o.scale)
            lib:call('func_fill_ops', 'void', {'pointer'}, o)
            local arr = ffi.new('int (*[2])(int, int)')
            return before .. '|' .. o.combine(2, 3) .. '|' .. o.scale(5) .. '|' .. o.tag .. '|'
              .. ffi.func(pick(1), 'int (*)(int, int)')(7, 8) .. '|' .. tostring(arr[0] == nil)
            """));

    [Fact]
    public void ALuaFunctionPassedToAFunctionPointerParameterIsATemporaryCallback() =>
        Assert.Equal("1 2 3 5 7 9|24|16|-8", Eval("""
            ffi.cdef[[void qsort(void *base, size_t n, size_t size, int (*compar)(const void *, const void *));
                      int func_fold(const int *xs, int n, int (*f)(int, int));]]
            local v = ffi.new('int[6]', {5, 3, 9, 1, 7, 2})
            ffi.C.qsort(v, 6, 4, function(a, b) return ffi.cast(a, 'i32') - ffi.cast(b, 'i32') end)
            local t = {}
            for i = 0, 5 do t[#t + 1] = v[i] end
            local xs = ffi.new('int[4]', {1, 2, 3, 4})
            local fold = lib:wrap('i32', 'func_fold', 'pointer', 'i32', 'int (*)(int, int)')
            -- nested: the inner call's temporary is released at its return, the outer one's stays valid
            local nested = fold(xs, 4, function(a, b) return fold(xs, 2, function(x, y) return x * y end) + a + b end)
            local direct = lib:call('func_fold', 'i32', {'pointer', 'i32', 'int (*)(int, int)'}, xs, 4, function(a, b) return a - b end)
            return table.concat(t, ' ') .. '|' .. fold(xs, 4, function(a, b) return a * b end) .. '|' .. nested .. '|' .. direct
            """));

    [Fact]
    public unsafe void TheManagedStubMakesTemporaryCallbacksToo()
    {
        // Past the native stubs' limit (or on a platform without them) calls run the managed stub.
        if (!Lunet.Ffi.Calls.NativeStubCompiler.IsSupported) return;
        using var rt = NewRuntime();
        var types = Lunet.Ffi.FfiContext.Of(rt.State).Types;
        var lib = NativeBuild.SharedLibrary("func_test.c");
        var h = System.Runtime.InteropServices.NativeLibrary.Load(lib);
        var sig = new Lunet.Ffi.Types.FunctionType(types.Resolve("int"), [types.Resolve("const int *"), types.Resolve("int"), types.Resolve("int (*)(int, int)")]);
        var b = new Lunet.Ffi.Calls.FunctionBinding("func_fold", System.Runtime.InteropServices.NativeLibrary.GetExport(h, "func_fold"), sig, null, managedOnly: true);
        Lunet.Ffi.Calls.CallDispatcher.Push(rt.State, b);
        fixed (byte* g = "fold\0"u8) Lunet.Interop.LuaApi.setglobal(rt.State, g);
        var r = rt.DoString("""
            local ffi = require('ffi')
            local xs = ffi.new('int[4]', {1, 2, 3, 4})
            for i = 1, 6000 do assert(fold(xs, 4, function(a, b) return a * b end) == 24) end
            local ok, err = pcall(fold, xs, 4, {})
            return tostring(ok) .. '|' .. err:match('bad argument #3 to .*')
            """, "=t");
        Assert.Equal("false|bad argument #3 to 'func_fold' (i32 (*)(i32, i32) expected, got table)", r[0]);
    }

    [Fact]
    public void ATemporaryCallbackRunsInACoroutineAndRaisesItsErrorAtTheCallsReturn() =>
        Assert.Equal("4|boom|10", Eval("""
            local xs = ffi.new('int[4]', {1, 2, 3, 4})
            local fold = lib:wrap('i32', 'func_fold', 'pointer', 'i32', 'int (*)(int, int)')
            local co = coroutine.wrap(function() return fold(xs, 4, function(a, b) return math.max(a, b) end) end)
            local ok, err = pcall(fold, xs, 4, function() error('boom', 0) end)
            assert(not ok)
            return co() .. '|' .. err:match('^boom') .. '|' .. fold(xs, 4, function(a, b) return a + b end)
            """));

    [Fact]
    public void AFunctionForAPlainPointerOrAnUnsupportedTypeIsRefused()
    {
        Assert.Contains("bad argument #3 to 'func_fold' (pointer expected, got function)", Error("""
            lib:wrap('i32', 'func_fold', 'pointer', 'i32', 'pointer')(ffi.new('int[2]'), 2, function() end)
            """));
        Assert.Contains("bad argument #3 to 'func_fold' (i32 (*)(i32, i32) expected, got table)", Error("""
            lib:wrap('i32', 'func_fold', 'pointer', 'i32', 'int (*)(int, int)')(ffi.new('int[2]'), 2, {})
            """));
    }

    [Fact]
    public void ACdefdFunctionReturningAFunctionPointerGivesACallable() =>
        Assert.Equal("42|13|nil|3", Eval("""
            lib:cdef[[typedef int (*func_binop)(int, int);
                      func_binop func_pick(int which);
                      int func_add(int a, int b);]]
            return lib.func_pick(1)(6, 7) .. '|' .. lib.func_pick(0)(6, 7) .. '|' .. tostring(lib.func_pick(2))
              .. '|' .. lib.func_add(1, 2)
            """));

    [Fact]
    public void ACdefdFunctionReturningAFunctionPointerKeepsItsArgumentErrors() =>
        Assert.Contains("bad argument #1 to 'func_pick' (i32 expected, got string)", Error("""
            lib:cdef[[int (*func_pick(int which))(int, int);]]
            lib.func_pick('x')
            """));

    [Fact]
    public void ALuaFunctionAssignedToAFieldIsACallbackTheInstanceOwns() =>
        Assert.Equal("-1|203|405|-1|nil|-1|7", Eval("""
            local apply = lib:wrap('i32', 'func_apply', 'pointer', 'i32', 'i32')
            local o = ffi.new('struct func_ops')
            local r = { apply(o, 2, 3) }
            o.combine = function(a, b) return a * 100 + b end
            r[#r + 1] = apply(o, 2, 3)          -- C calls the stored callback
            r[#r + 1] = o.combine(4, 5)         -- and Lua reads it back as a callable
            o.combine = function(a, b) return a - b end
            r[#r + 1] = apply(o, 2, 3)
            o.combine = nil
            r[#r + 1] = tostring(o.combine)
            r[#r + 1] = apply(o, 2, 3)
            local arr = ffi.new('struct func_ops[2]')
            arr[1].combine = function() return 7 end  -- a view: the array owns the callback
            collectgarbage(); collectgarbage()
            r[#r + 1] = apply(arr[1], 0, 0)
            return table.concat(r, '|')
            """));

    [Fact]
    public void AnInitialiserTableTakesFunctionsForFunctionPointerFields() =>
        Assert.Equal("203|405|4.0|3|7|-1|12|30|11", Eval("""
            ffi.cdef[[
              typedef int (*fp_binop)(int, int);
              struct func_holder { struct func_ops ops[2]; fp_binop fs[3]; struct { fp_binop inner; } nested; };
            ]]
            local apply = lib:wrap('i32', 'func_apply', 'pointer', 'i32', 'i32')
            local o = ffi.new('struct func_ops', { combine = function(a, b) return a * 100 + b end, scale = function(x) return x * 2 end, tag = 3 })
            local r = { apply(o, 2, 3), o.combine(4, 5), o.scale(2.0), o.tag }
            -- nested records, arrays of function pointers, and a positional array initialiser
            local h = ffi.new('struct func_holder', {
              ops = { { combine = function() return 7 end }, {} },
              fs = { function(a, b) return a * b end, nil },
              nested = { inner = function(a, b) return a - b + 20 end },
            })
            collectgarbage(); collectgarbage()
            r[#r + 1] = apply(h.ops[0], 0, 0)
            r[#r + 1] = apply(h.ops[1], 0, 0)   -- NULL: func_apply returns -1
            r[#r + 1] = h.fs[0](3, 4)
            r[#r + 1] = h.nested.inner(15, 5)
            local arr = ffi.new('fp_binop[2]', { function(a, b) return a + b end, function(a, b) return a end })
            collectgarbage()
            r[#r + 1] = arr[0](5, 6)
            return table.concat(r, '|')
            """));

    [Fact]
    public void ACallbackFromAnInitialiserIsReleasedWhenItsInstanceIsCollected() =>
        Assert.Equal("5|points to a freed callback|6|points to a freed callback", Eval("""
            ffi.cdef[[struct func_pair { struct func_ops ops[1]; };]]
            local address = lib:wrap('pointer', 'func_combine_address', 'pointer')
            local r = {}
            local o = ffi.new('struct func_ops', { combine = function(a, b) return a + b end })
            local old = ffi.func(address(o), 'int (*)(int, int)')
            r[#r + 1] = old(2, 3)
            o = nil
            collectgarbage(); collectgarbage()
            local ok, err = pcall(old, 2, 3)
            r[#r + 1] = err:match('points to a freed callback')
            -- nested in an array inside a record: the outer instance owns it
            local p = ffi.new('struct func_pair', { ops = { { combine = function(a, b) return a * b end } } })
            old = ffi.func(address(p.ops[0]), 'int (*)(int, int)')
            r[#r + 1] = old(2, 3)
            p = nil
            collectgarbage(); collectgarbage()
            ok, err = pcall(old, 2, 3)
            r[#r + 1] = err:match('points to a freed callback')
            return table.concat(r, '|')
            """));

    [Fact]
    public void AnInitialiserStillRefusesWhatIsNoFunctionPointer()
    {
        Assert.Contains("cannot set struct func_ops.combine to \"x\" (a string): i32 (*)(i32, i32) expected, got string",
            Error("ffi.new('struct func_ops', { combine = 'x' })"));
        Assert.Contains("cannot set struct func_ops.tag to function: i32 expected, got function",
            Error("ffi.new('struct func_ops', { tag = function() end })"));
        // A function for a function type callbacks cannot have: the callback's own error, naming the field.
        Assert.Contains("struct func_opaque cannot be passed by value: it is incomplete", Error("""
            ffi.cdef[[struct func_opaque; struct func_bad { int (*f)(struct func_opaque); };]]
            ffi.new('struct func_bad', { f = function() end })
            """));
    }

    [Theory]
    [InlineData("o.combine = function(a, b) return b end")]
    [InlineData("o.combine = nil")]
    [InlineData("o = nil; collectgarbage(); collectgarbage()")]
    public void AnOwnedCallbackIsReleasedWhenOverwrittenOrWhenItsInstanceIsCollected(string letGo) =>
        Assert.Equal("5|points to a freed callback", Eval($$"""
            local o = ffi.new('struct func_ops')
            o.combine = function(a, b) return a + b end
            local old = ffi.func(lib:call('func_combine_address', 'pointer', {'pointer'}, o), 'int (*)(int, int)')
            local before = old(2, 3)
            {{letGo}}
            local ok, err = pcall(old, 2, 3)
            assert(not ok)
            return before .. '|' .. err:match('points to a freed callback')
            """));

    [Fact]
    public void AFieldRefusesWhatIsNoFunctionPointer()
    {
        Assert.Contains("cannot set struct func_ops.combine to \"x\" (a string): i32 (*)(i32, i32) expected, got string",
            Error("ffi.new('struct func_ops').combine = 'x'"));
        Assert.Contains("cannot set struct func_ops.tag to function: i32 expected, got function",
            Error("ffi.new('struct func_ops').tag = function() end"));
    }
}

/// <summary>Temporary callbacks leave nothing behind: the pool of code slots and the Lua heap stay bounded.</summary>
[Collection(AloneCollection.Name)]
public class TemporaryCallbackSoakTests
{
    [Fact]
    public void ThousandsOfCallsWithTemporaryCallbacksKeepThePoolBounded()
    {
        using var rt = Lua.NewRuntime();
        rt.SetGlobal("FUNCLIB", NativeBuild.SharedLibrary("func_test.c"));
        const string Loop = """
            local ffi = require('ffi')
            local lib = ffi.open(FUNCLIB)
            local xs = ffi.new('int[4]', {1, 2, 3, 4})
            local fold = lib:wrap('i32', 'func_fold', 'pointer', 'i32', 'int (*)(int, int)')
            -- The same function with its parameters misdeclared, only ever called with a bad last
            -- argument: the call fails after its function argument became a callback, before C runs.
            local failing = lib:wrap('i32', 'func_fold', 'pointer', 'int (*)(int, int)', 'i32')
            local sum = 0
            for i = 1, 20000 do
              sum = sum + fold(xs, 4, function(a, b) return a + b end)
              -- a call that fails after its function argument was converted: released at the next call
              if i % 100 == 0 then assert(not pcall(failing, xs, function() return 0 end, 'x')) end
            end
            collectgarbage(); collectgarbage()
            return sum, collectgarbage('count')
            """;
        rt.DoString(Loop, "=warm");
        int before = Lunet.Ffi.Callbacks.CallbackCells.Count;
        var r = rt.DoString(Loop, "=soak");
        int after = Lunet.Ffi.Callbacks.CallbackCells.Count;
        Assert.Equal(200000L, r[0]);
        // Each release quarantines a slot; past the quarantine, freed slots are reused.
        Assert.True(after - before <= 64, $"pool grew from {before} to {after} slots");
        Assert.True(Convert.ToDouble(r[1]) < 2048, $"Lua heap {r[1]} KiB");
    }

    /// <summary>
    /// Coroutines that die of a call refused after its function argument became a callback leave
    /// nothing waiting: no temporaries noted for a thread that will never call again, no slow path
    /// for every later call.
    /// </summary>
    [Fact]
    public void CoroutinesThatDieInsideACallLeaveNoTemporariesBehind()
    {
        using var rt = Lua.NewRuntime();
        rt.SetGlobal("FUNCLIB", NativeBuild.SharedLibrary("func_test.c"));
        var r = rt.DoString("""
            local ffi = require('ffi')
            local lib = ffi.open(FUNCLIB)
            local xs = ffi.new('int[4]', {1, 2, 3, 4})
            local failing = lib:wrap('i32', 'func_fold', 'pointer', 'int (*)(int, int)', 'i32')
            collectgarbage(); collectgarbage()
            local heap = collectgarbage('count')
            for i = 1, 20000 do
              local co = coroutine.create(function() failing(xs, function() return 0 end, 'x') end)
              assert(not coroutine.resume(co))
            end
            collectgarbage(); collectgarbage()
            return collectgarbage('count') - heap
            """, "=test");
        Assert.Equal(0, TemporariesWaiting(rt));
        Assert.True(Convert.ToDouble(r[0]) < 256, $"the Lua heap grew by {r[0]} KiB");
    }

    static unsafe int TemporariesWaiting(LuaRuntime rt) =>
        Lunet.Ffi.Callbacks.CallbackRegistry.Of(Lunet.Interop.Allocator.Of(rt.State))!.Temporaries.Count;

    /// <summary>Noting and releasing a temporary costs the same at any depth of the Lua stack.</summary>
    [Fact]
    public void CallsWithTemporariesDeepInTheLuaStackCostWhatTheyCostAtTheTop()
    {
        using var rt = Lua.NewRuntime();
        rt.SetGlobal("FUNCLIB", NativeBuild.SharedLibrary("func_test.c"));
        var r = rt.DoString("""
            local ffi = require('ffi')
            local lib = ffi.open(FUNCLIB)
            local xs = ffi.new('int[4]', {1, 2, 3, 4})
            local fold = lib:wrap('i32', 'func_fold', 'pointer', 'i32', 'int (*)(int, int)')
            local function deep(n)
              if n > 0 then return (deep(n - 1)) end
              local t = os.clock()
              for i = 1, 500 do assert(fold(xs, 4, function(a, b) return a + b end) == 10) end
              return os.clock() - t
            end
            return deep(0), deep(150000)
            """, "=test");
        double top = Convert.ToDouble(r[0]), deep = Convert.ToDouble(r[1]);
        Assert.True(deep < 2.0 + 20 * top, $"500 calls took {deep:F3} s at depth 150,000, {top:F3} s at the top");
    }

    [Fact]
    public void ThousandsOfOwnedCallbacksOverwrittenAndCollectedKeepThePoolBounded()
    {
        using var rt = Lua.NewRuntime();
        const string Loop = """
            local ffi = require('ffi')
            ffi.cdef[[struct func_soak { int (*f)(int); };]]
            local keep = ffi.new('struct func_soak')
            for i = 1, 10000 do
              keep.f = function(x) return x end               -- overwrites the last one
              ffi.new('struct func_soak').f = function(x) return x end  -- collected with its instance
              if i % 1000 == 0 then collectgarbage() end
            end
            collectgarbage(); collectgarbage()
            return keep.f(41) + 1
            """;
        rt.DoString(Loop, "=warm");
        rt.DoString("collectgarbage(); collectgarbage()");
        int before = Lunet.Ffi.Callbacks.CallbackCells.Count;
        var r = rt.DoString(Loop, "=soak");
        rt.DoString("collectgarbage(); collectgarbage()");
        int after = Lunet.Ffi.Callbacks.CallbackCells.Count;
        Assert.Equal(42L, r[0]);
        Assert.True(after - before <= 2048, $"pool grew from {before} to {after} slots");
    }
}
