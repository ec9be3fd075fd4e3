using Lunet.Tests.Support;

namespace Lunet.Tests.Ffi;

/// <summary>Calls into the compiled test library: the seed examples, every scalar type, and the argument errors.</summary>
public class CallTests
{
    const string Open = "local ffi = require('ffi'); local lib = ffi.open(TESTLIB); ";

    [Fact]
    public void PlutoSeedExamples()
    {
        Assert.Equal(true, Lua.Eval(Open + "return lib:value('i32', 'MY_MAGIC_INT') == 69"));
        Assert.Equal(true, Lua.Eval(Open + "return lib:wrap('i32', 'add', 'i32', 'i32')(38, 4) == 42"));
    }

    [Fact]
    public void LuneStyleCall()
    {
        Assert.Equal(42L, Lua.Eval(Open + "return lib:call('add', 'i32', {'i32', 'i32'}, 38, 4)"));
        Assert.Equal(5.5, Lua.Eval(Open + "return lib:call('addf', 'f64', {'f64', 'f64'}, 2.25, 3.25)"));
        Assert.Equal(21L, Lua.Eval(Open + "return lib:call('add6', 'i64', {'i64','i64','i64','i64','i64','i64'}, 1, 2, 3, 4, 5, 6)"));
    }

    [Fact]
    public void CallCacheSeesDifferentSignaturesForOneName()
    {
        // Same name, different types: the cache must not hand back the first binding.
        Assert.Equal("3|3.75", Lua.Eval(Open + """
            local a = lib:call('add', 'i32', {'i32', 'i32'}, 1, 2)
            local ok = pcall(lib.call, lib, 'add', 'i32', {'i32', 'i32'}, 1.5, 2)
            assert(not ok)
            local b = lib:call('addf', 'f64', {'f64', 'f64'}, 1.5, 2.25)
            return a .. '|' .. b
            """));
        Assert.Equal(true, Lua.Eval(Open + """
            local types = {'i32', 'i32'}
            assert(lib:call('add', 'i32', types, 1, 2) == 3)
            types[2] = 'string'  -- the same table, mutated: must not reuse the cached binding
            local ok, err = pcall(lib.call, lib, 'add', 'i32', types, 1, 2)
            return not ok and err:find('string expected, got number', 1, true) ~= nil
            """));
    }

    [Fact]
    public void LongTypeStringsTakeTheSlowPathCorrectly()
    {
        Assert.Equal(7L, Lua.Eval(Open + """
            local t = 'int' .. string.rep(' ', 50)
            return lib:call('add', t, {t, 'int'}, 3, 4)
            """));
    }

    [Theory]
    [InlineData("id_i8", "i8", "200", -56L)]
    [InlineData("id_u8", "u8", "-1", 255L)]
    [InlineData("id_i16", "i16", "40000", -25536L)]
    [InlineData("id_u16", "u16", "-1", 65535L)]
    [InlineData("id_i32", "i32", "2147483648", -2147483648L)]
    [InlineData("id_u32", "u32", "-1", 4294967295L)]
    [InlineData("id_i64", "i64", "math.mininteger", long.MinValue)]
    [InlineData("id_u64", "u64", "-1", -1L)]
    [InlineData("id_i32", "int", "7.0", 7L)]
    [InlineData("id_u8", "unsigned char", "256 + 65", 65L)]
    [InlineData("id_i64", "long long", "math.maxinteger", long.MaxValue)]
    public void IntegersWrapAsACastDoes(string fn, string type, string arg, long expected)
    {
        // lib:wrap runs the native stub; lib:call's first call runs the managed (emitted IL) stub,
        // its second the native stub through the call-site table. All three must agree.
        Assert.Equal(expected, Lua.Eval(Open + $"return lib:wrap('{type}', '{fn}', '{type}')({arg})"));
        Assert.Equal(expected, Lua.Eval(Open + $"return lib:call('{fn}', '{type}', {{'{type}'}}, {arg})"));
        Assert.Equal(expected, Lua.Eval(Open + $"lib:call('{fn}', '{type}', {{'{type}'}}, 0); return lib:call('{fn}', '{type}', {{'{type}'}}, {arg})"));
    }

    [Theory]
    [InlineData("wrap")]
    [InlineData("call")]
    public void NarrowIntegersAndFloatsOnTheStack(string how)
    {
        var call = how == "wrap"
            ? "lib:wrap('i64', 'narrow_on_stack', table.unpack(T))"
            : "function(...) return lib:call('narrow_on_stack', 'i64', T, ...) end";
        Assert.Equal(true, Lua.Eval(Open + $$"""
            T = {'i64','i64','i64','i64','i64','i64','i8','u8','i16','u16','i32','u32'}
            local f = {{call}}
            local want = 21 + (-56) + 255 + (-25536) + 65535 + (-2147483648) + 4294967295
            for i = 1, 3 do assert(f(1, 2, 3, 4, 5, 6, 200, -1, 40000, -1, 2147483648, -1) == want) end
            local g = lib:wrap('f64', 'floats_on_stack', 'f64','f64','f64','f64','f64','f64','f64','f64','f32','f64','f32','i32')
            return g(1, 2, 3, 4, 5, 6, 7, 8, 0.5, 10, 0.25, -100) == 36 + 0.5 + 10 + 0.25 - 100
            """));
    }

    [Fact]
    public void ManagedStubsConvertLikeNativeOnes()
    {
        // First calls through lib:call take the managed stub.
        Assert.Equal(7.5, Lua.Eval(Open + "return lib:call('mulf', 'float', {'float', 'float'}, 2.5, 3)"));
        Assert.Equal(true, Lua.Eval(Open + "return lib:call('not_bool', 'bool', {'bool'}, nil)"));
        Assert.Equal(true, Lua.Eval(Open + "local p = ffi.pointer(0x1234); return lib:call('id_ptr', 'void*', {'void*'}, p) == p"));
        Assert.Equal("hello", Lua.Eval(Open + "return lib:call('id_str', 'str', {'str'}, 'hello')"));
        Assert.Equal(true, Lua.Eval(Open + "return lib:call('null_str', 'string', {}) == nil"));
        Assert.Equal(136L, Lua.Eval(Open + """
            return lib:call('sum16', 'i64', {'i64','f64','i64','f64','i64','f64','i64','f64','i64','f64','i64','f64','i64','f64','i64','f64'},
              1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16)
            """));
    }

    [Fact]
    public void FloatsBoolsPointersAndStrings()
    {
        Assert.Equal(7.5, Lua.Eval(Open + "return lib:wrap('float', 'mulf', 'float', 'float')(2.5, 3)"));
        Assert.Equal(true, Lua.Eval(Open + "return lib:wrap('bool', 'not_bool', 'bool')(false)"));
        Assert.Equal(true, Lua.Eval(Open + "return lib:wrap('bool', 'not_bool', 'bool')(nil)"));
        Assert.Equal(false, Lua.Eval(Open + "return lib:wrap('_Bool', 'not_bool', '_Bool')(true)"));
        Assert.Equal(true, Lua.Eval(Open + "local p = ffi.pointer(0x1234); return lib:wrap('void*', 'id_ptr', 'void*')(p) == p"));
        Assert.Equal(true, Lua.Eval(Open + "return lib:wrap('ptr', 'id_ptr', 'ptr')(nil) == ffi.nullptr"));
        Assert.Equal("hello", Lua.Eval(Open + "return lib:wrap('str', 'id_str', 'str')('hello')"));
        Assert.Equal(true, Lua.Eval(Open + "return lib:wrap('const char*', 'null_str')() == nil"));
        Assert.Equal(-1L, Lua.Eval(Open + "return lib:wrap('ssize_t', 'str_len', 'char*')(nil)"));
        Assert.Equal(1L, Lua.Eval(Open + "return lib:wrap('int', 'is_null', 'pointer')(ffi.nullptr)"));
        Assert.Null(Lua.Eval(Open + "return lib:wrap('void', 'noop', 'void')()"));
        Assert.Equal(136L, Lua.Eval(Open + """
            local sum = lib:wrap('i64', 'sum16', 'i64','f64','i64','f64','i64','f64','i64','f64','i64','f64','i64','f64','i64','f64','i64','f64')
            return sum(1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16)
            """));
    }

    [Fact]
    public void ExportedVariables()
    {
        Assert.Equal(2.5, Lua.Eval(Open + "return lib:value('double', 'MY_DOUBLE')"));
        Assert.Equal("magic", Lua.Eval(Open + "return lib:value('string', 'MY_STRING')"));
        Assert.Equal(true, Lua.Eval(Open + "return lib:value('pointer', 'MY_NULL') == ffi.nullptr"));
    }

    [Theory]
    [InlineData("lib:wrap('i32', 'add', 'i32', 'i32')(1, 'x')", "bad argument #2 to 'add' (i32 expected, got string)")]
    [InlineData("lib:wrap('i32', 'add', 'i32', 'i32')('1', 2)", "bad argument #1 to 'add' (i32 expected, got string)")]
    [InlineData("lib:wrap('i32', 'add', 'i32', 'i32')(1.5, 2)", "bad argument #1 to 'add' (number has no integer representation)")]
    [InlineData("lib:wrap('i32', 'add', 'i32', 'i32')(1)", "wrong number of arguments to 'add' (2 expected, got 1)")]
    [InlineData("lib:wrap('i32', 'add', 'i32', 'i32')(1, 2, 3)", "wrong number of arguments to 'add' (2 expected, got 3)")]
    [InlineData("lib:call('add', 'i32', {'i32', 'i32'}, 1, {})", "bad argument #2 to 'add' (i32 expected, got table)")]
    [InlineData("lib:wrap('f64', 'addf', 'f64', 'f64')(1, true)", "bad argument #2 to 'addf' (f64 expected, got boolean)")]
    [InlineData("lib:wrap('bool', 'not_bool', 'bool')(0)", "bad argument #1 to 'not_bool' (bool expected, got number)")]
    [InlineData("lib:wrap('pointer', 'id_ptr', 'pointer')(12)", "bad argument #1 to 'id_ptr' (pointer expected, got number)")]
    [InlineData("lib:wrap('pointer', 'id_ptr', 'pointer')('abc')", "bad argument #1 to 'id_ptr' (pointer expected, got string)")]
    [InlineData("lib:wrap('string', 'id_str', 'string')(12)", "bad argument #1 to 'id_str' (string expected, got number)")]
    [InlineData("lib:wrap('i33', 'add', 'i32')", "unknown C type 'i33'")]
    [InlineData("lib:call('add', 'i32', {'i32', 'i34'}, 1, 2)", "unknown C type 'i34'")]
    [InlineData("lib:call('add', 'i32', 'i32', 1, 2)", "bad argument #3 to 'call' (table of argument types expected, got string)")]
    [InlineData("lib:call('add', 'i32', {'i32', 5}, 1, 2)", "argument type #2 must be a type name, got number")]
    [InlineData("lib:wrap('i32', 'no_such_function')", "symbol 'no_such_function' not found in library")]
    [InlineData("lib:getSymbol('no_such_symbol')", "symbol 'no_such_symbol' not found")]
    [InlineData("lib.getSymbol('add')", "bad self to 'getSymbol' (NativeLibrary expected, got string; call it with a colon: lib:getSymbol(...))")]
    [InlineData("lib.call('add', 'i32', {})", "bad self to 'call' (NativeLibrary expected, got string; call it with a colon: lib:call(...))")]
    [InlineData("lib:wrap('i32', 'add', 'void', 'i32')", "void is not a parameter type")]
    [InlineData("lib:value('i32', 'no_such_variable')", "symbol 'no_such_variable' not found in library")]
    [InlineData("lib:value('i33', 'MY_MAGIC_INT')", "unknown C type 'i33'")]
    [InlineData("lib:value(5, 'MY_MAGIC_INT')", "bad argument #1 to 'value' (string expected, got number)")]
    [InlineData("lib:wrap(nil, 'add')", "bad argument #1 to 'wrap' (string expected, got nil)")]
    [InlineData("lib:wrap('i32', 'add', 'i32', 7)", "bad argument #4 to 'wrap' (string expected, got number)")]
    [InlineData("lib:hasSymbol(nil)", "bad argument #1 to 'hasSymbol' (string expected, got nil)")]
    [InlineData("lib:call(nil, 'i32', {})", "bad argument #1 to 'call' (string expected, got nil)")]
    public void BadInputIsALuaErrorAndTheRuntimeKeepsWorking(string code, string message)
    {
        using var rt = Lua.NewRuntime();
        var error = Lua.Error(rt, Open + code);
        Assert.Contains(message, error);
        Assert.StartsWith("test:1:", error);
        Assert.Equal(42L, rt.DoString(Open + "return lib:wrap('i32', 'add', 'i32', 'i32')(40, 2)")[0]);
    }

    [Fact]
    public void ErrorsCarryTheScriptPosition()
    {
        using var rt = Lua.NewRuntime();
        var e = Assert.Throws<LuaScriptException>(() => rt.DoString(
            "local lib = require('ffi').open(TESTLIB)\nlocal add = lib:wrap('i32', 'add', 'i32', 'i32')\n\nadd(1, 'two')", "@script.lua"));
        Assert.Equal("script.lua:4: bad argument #2 to 'add' (i32 expected, got string)", e.Message);
        Assert.Contains("stack traceback:", e.LuaTraceback);
    }

    [Fact]
    public void OneStubPerSignature()
    {
        // Types of one crossing shape share a stub, whichever runtime made them; another shape gets its own.
        using var a = Lua.NewRuntime();
        using var b = Lua.NewRuntime();
        var ta = Lunet.Ffi.FfiContext.Of(a.State).Types;
        var tb = Lunet.Ffi.FfiContext.Of(b.State).Types;
        var first = new Lunet.Ffi.Types.FunctionType(ta.Resolve("i32"), [ta.Resolve("int"), ta.Resolve("struct Pair*")]);
        var second = new Lunet.Ffi.Types.FunctionType(tb.Resolve("int32_t"), [tb.Resolve("i32"), tb.Resolve("u8*")]);
        var other = new Lunet.Ffi.Types.FunctionType(ta.Resolve("i64"), [ta.Resolve("int"), ta.Resolve("struct Pair*")]);
        Assert.NotEqual(first, second);
        nint stub = Lunet.Ffi.Calls.NativeStubCache.Get(first);
        if (Lunet.Ffi.Calls.NativeStubCompiler.IsSupported) Assert.NotEqual(0, stub);
        Assert.Equal(stub, Lunet.Ffi.Calls.NativeStubCache.Get(second));
        Assert.Same(Lunet.Ffi.Calls.StubCache.Get(first), Lunet.Ffi.Calls.StubCache.Get(second));
        Assert.NotSame(Lunet.Ffi.Calls.StubCache.Get(first), Lunet.Ffi.Calls.StubCache.Get(other));
        if (Lunet.Ffi.Calls.NativeStubCompiler.IsSupported) Assert.NotEqual(stub, Lunet.Ffi.Calls.NativeStubCache.Get(other));
        // Wrapping through Lua still works with shared stubs.
        Assert.Equal(42L, a.DoString(Open + "return lib:wrap('int32_t', 'add', 'int', 'i32')(40, 2)")[0]);
    }
}

/// <summary>lib:call's native call-site cache: every way a cached entry must be missed or re-checked.</summary>
public class CallSiteCacheTests
{
    const string Open = "local ffi = require('ffi'); local lib = ffi.open(TESTLIB); ";

    [Fact]
    public void TheTableLayoutCheckPassesOnThisLua()
    {
        Assert.True(Lunet.Interop.LuaTableLayout.IsVerified);
    }

    [Fact]
    public void RepeatedCallsStayCorrectAcrossShapesOfTheTypeTable()
    {
        Assert.Equal(true, Lua.Eval(Open + """
            local hoisted = {'i32', 'i32'}
            local hashed = {}; hashed[2] = 'i32'; hashed[1] = 'i32'   -- elements may live in the hash part
            for i = 1, 1000 do
              assert(lib:call('add', 'i32', hoisted, i, 1) == i + 1)
              assert(lib:call('add', 'i32', {'i32', 'i32'}, i, 2) == i + 2)
              assert(lib:call('add', 'i32', hashed, i, 3) == i + 3)
              assert(lib:call('noop', 'void', nil) == nil)
              assert(lib:call('noop', 'void', {}) == nil)
              assert(lib:call('id_str', 'string', {'string'}, 'x' .. i) == 'x' .. i)
            end
            return true
            """));
    }

    [Fact]
    public void MoreArgumentsThanTheNativeCacheHoldsTakeTheManagedPath()
    {
        Assert.Equal(136L, Lua.Eval(Open + """
            local t = {'i64','f64','i64','f64','i64','f64','i64','f64','i64','f64','i64','f64','i64','f64','i64','f64'}
            local r
            for i = 1, 3 do r = lib:call('sum16', 'i64', t, 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16) end
            return r
            """));
    }

    [Fact]
    public void ACachedSiteStillChecksItsArguments()
    {
        using var rt = Lua.NewRuntime();
        rt.DoString(Open + "for i = 1, 10 do lib:call('add', 'i32', {'i32', 'i32'}, 1, 2) end  LIB = lib");
        Assert.Contains("bad argument #2 to 'add' (i32 expected, got string)", Lua.Error(rt, "LIB:call('add', 'i32', {'i32', 'i32'}, 1, 'x')"));
        Assert.Contains("wrong number of arguments to 'add' (2 expected, got 3)", Lua.Error(rt, "LIB:call('add', 'i32', {'i32', 'i32'}, 1, 2, 3)"));
        Assert.Contains("bad self to 'call' (NativeLibrary expected, got string", Lua.Error(rt, "LIB.call('add', 'i32', {'i32', 'i32'}, 1, 2)"));
        Assert.Contains("unknown C type 'i33'", Lua.Error(rt, "LIB:call('add', 'i32', {'i32', 'i33'}, 1, 2)"));
        Assert.Contains("is closed", Lua.Error(rt, "LIB:close(); LIB:call('add', 'i32', {'i32', 'i32'}, 1, 2)"));
    }

    [Fact]
    public void NumbersInTheTypeTableAreNotMistakenForCachedStrings()
    {
        using var rt = Lua.NewRuntime();
        // The cached entry's string addresses (Lua's %p shows them), passed as integers, must not match.
        var e = Lua.Error(rt, Open + """
            local t = {'i32', 'i32'}
            lib:call('add', 'i32', t, 1, 2)
            local address = math.tointeger(tonumber(string.format('%p', 'i32'):sub(3), 16))
            assert(address and address ~= 0)
            lib:call('add', 'i32', {address, address}, 1, 2)
            """);
        Assert.Contains("argument type #1 must be a type name, got number", e);
    }

    [Fact]
    public void ManyDistinctCallSitesShareTheTable()
    {
        Assert.Equal(true, Lua.Eval(Open + """
            local names = {'id_i8', 'id_u8', 'id_i16', 'id_u16', 'id_i32', 'id_u32', 'id_i64', 'id_u64'}
            local types = {'i8', 'u8', 'i16', 'u16', 'i32', 'u32', 'i64', 'u64'}
            for round = 1, 50 do
              for k = 1, #names do
                assert(lib:call(names[k], types[k], {types[k]}, 5) == 5)
                assert(lib:call('add', types[k] == 'i64' and 'i64' or 'i32', {'i32', 'i32'}, k, round) == k + round)
              end
            end
            return true
            """));
    }
}
