using Lunet.Tests.Support;

namespace Lunet.Tests.Hardening;

/// <summary>lib:value reads only a variable at least as large as the type, and wrap/call call only what is not a variable, as the symbol table says.</summary>
public class SymbolKindTests
{
    [Fact]
    public void AFunctionIsNotReadAsAVariable()
    {
        using var rt = Lua.NewRuntime();
        var e = Lua.Error(rt, "local m = require('ffi').open('m'); return m:value('string', 'cos')");
        Assert.Matches(@"value: 'cos' in /\S*libm\.so\.6 is a function, not a variable", e);
        Assert.Contains("is a function, not a variable", Lua.Error(rt, "return require('ffi').C:value('i64', 'strlen')"));
    }

    [Fact]
    public void AVariableSmallerThanTheTypeIsAnError()
    {
        using var rt = Lua.NewRuntime();
        // testlib.c: int MY_MAGIC_INT = 69.
        Assert.Contains("is 4 bytes, i64 needs 8", Lua.Error(rt, "local l = require('ffi').open(TESTLIB); return l:value('i64', 'MY_MAGIC_INT')"));
        Assert.Contains("is 4 bytes, i64 needs 8", Lua.Error(rt, "return require('ffi').C:value('i64', 'optind')"));
        var r = rt.DoString("""
            local ffi = require('ffi')
            local l = ffi.open(TESTLIB)
            return l:value('i32', 'MY_MAGIC_INT'), ffi.C:value('pointer', 'stdout') ~= nil, ffi.C:value('i32', 'optind')
            """, "=test");
        Assert.Equal([69L, true, 1L], r);
    }

    [Fact]
    public void AVariableIsNotCalledAsAFunction()
    {
        using var rt = Lua.NewRuntime();
        Assert.Contains("wrap: 'MY_MAGIC_INT' in " + Lua.TestLib + " is a variable, not a function",
            Lua.Error(rt, "local l = require('ffi').open(TESTLIB); return l:wrap('i32', 'MY_MAGIC_INT')"));
        Assert.Contains("call: 'MY_MAGIC_INT' in " + Lua.TestLib + " is a variable, not a function",
            Lua.Error(rt, "local l = require('ffi').open(TESTLIB); return l:call('MY_MAGIC_INT', 'i32', {})"));
        Assert.Contains("is a variable, not a function", Lua.Error(rt, "return require('ffi').C:wrap('pointer', 'stdout')"));
        Assert.Equal(3L, rt.DoString("return require('ffi').open(TESTLIB):wrap('i32', 'add', 'i32', 'i32')(1, 2)")[0]);
    }
}
