using System.Runtime.InteropServices;
using Lunet.Tests.Support;

namespace Lunet.Tests.Policy;

/// <summary>
/// Function pointers obey the policy (docs/security.md): outside Full, every way a script makes
/// an address callable (ffi.func, function-pointer fields and elements, function pointers a C
/// function returns) reaches only code of a library the runtime opened from its allow-list or a
/// live callback of the runtime. The address of libc's system is what a script could compute
/// (from /proc/self/maps and libc's symbol table; Hostile/policy_function_pointers.lua does
/// that): here the test looks it up and hands it in as an integer.
/// </summary>
public class FunctionPointerPolicyTests
{
    static readonly long SystemAddress = NativeLibrary.GetExport(NativeLibrary.Load("libc.so.6"), "system");

    const string Prelude = """
        ffi = require('ffi')
        lib = ffi.open(FUNCLIB)
        ffi.cdef[[struct func_ops { int (*combine)(int, int); double (*scale)(double); int tag; };
                  struct sys_ops { int (*run)(const char *); int (*many[2])(const char *); };]]
        -- func_combine_address returns o->combine: declared as returning a function pointer, its result is one
        lib:cdef[[int (*func_combine_address(const struct sys_ops *o))(const char *);]]

        """;

    static LuaRuntime NewRuntime(FfiAccess access)
    {
        var options = new LuaRuntimeOptions { Ffi = access };
        var funclib = NativeBuild.SharedLibrary("func_test.c");
        if (access == FfiAccess.AllowList) options.AllowedLibraries.Add(funclib);
        var rt = Lua.NewRuntime(options);
        rt.SetGlobal("FUNCLIB", funclib);
        rt.SetGlobal("SYSTEM", SystemAddress);
        rt.DoString(Prelude, "=prelude");
        return rt;
    }

    /// <summary>Each way a script makes libc's system callable, then calls it with "exit 7".</summary>
    public static TheoryData<string> WaysToCallSystem() => new()
    {
        "ffi.func(SYSTEM, 'int (*)(const char *)')",
        "ffi.func(ffi.pointer(SYSTEM), 'i32', 'string')",
        // a function-pointer field of a struct view over a Buffer
        "local b = ffi.buffer(24) b:write(0, 'u64', SYSTEM) return ffi.cast(b, 'struct sys_ops').run",
        // an element of an array field
        "local b = ffi.buffer(24) b:write(16, 'u64', SYSTEM) return ffi.cast(b, 'struct sys_ops').many[1]",
        // an instance's field, given the address as a pointer value
        "local o = ffi.new('struct sys_ops') o.run = ffi.pointer(SYSTEM) return o.run",
        // the result of a C function declared to return a function pointer
        "local o = ffi.new('struct sys_ops') o.run = ffi.pointer(SYSTEM) return lib.func_combine_address(o)",
    };

    static string Call(string make) => $"local f = (function() {(make.Contains("return") ? make : "return " + make)} end)() return f('exit 7')";

    [Theory]
    [MemberData(nameof(WaysToCallSystem))]
    public void AllowListRefusesSystemEveryWay(string make)
    {
        using var rt = NewRuntime(FfiAccess.AllowList);
        var e = Lua.Error(rt, Call(make));
        Assert.Contains($"cannot call 0x{SystemAddress:x}: under this runtime's ffi policy (allow-list) a function pointer may reach only the code of a library it opened from its allow-list (and has not closed) or a live callback of this runtime", e);
    }

    [Theory]
    [MemberData(nameof(WaysToCallSystem))]
    public void FullAllowsEveryWay(string make)
    {
        using var rt = NewRuntime(FfiAccess.Full);
        Assert.Equal(7L << 8, rt.DoString(Call(make))[0]); // system's status: exit code 7
    }

    [Fact]
    public void DisabledHasNoWayToMakeAPointerCallable()
    {
        using var rt = Lua.NewRuntime(new LuaRuntimeOptions { Ffi = FfiAccess.Disabled });
        rt.SetGlobal("SYSTEM", SystemAddress);
        Assert.Equal(false, rt.DoString("return (pcall(require, 'ffi'))")[0]);
        Assert.Equal(false, rt.DoString("return package.loadlib ~= nil or debug.getregistry ~= nil")[0]);
    }

    [Fact]
    public void AllowListLetsTheLibrarysOwnCodeAndLiveCallbacksBeCalled()
    {
        using var rt = NewRuntime(FfiAccess.AllowList);
        Assert.Equal("42|13|5|2.5|12|2", rt.DoString("""
            local pick = lib:wrap('pointer', 'func_pick', 'i32')
            local o = ffi.new('struct func_ops')
            lib:call('func_fill_ops', 'void', {'pointer'}, o)           -- fields C filled with its own functions
            local cb = ffi.callback(function(a, b) return a * b end, 'i32', {'i32', 'i32'})
            local owned = ffi.new('struct func_ops')
            owned.combine = function(a, b) return a - b end             -- an owned callback, read back
            return ffi.func(pick(1), 'int (*)(int, int)')(6, 7) .. '|'
              .. ffi.func(lib:getSymbol('func_add'), 'i32', 'i32', 'i32')(6, 7) .. '|'
              .. o.combine(2, 3) .. '|' .. o.scale(5) .. '|' .. ffi.func(cb, 'int (*)(int, int)')(3, 4) .. '|'
              .. owned.combine(5, 3)
            """)[0]);
    }

    [Fact]
    public void AFreedCallbackIsNoTarget()
    {
        using var rt = NewRuntime(FfiAccess.AllowList);
        var e = Lua.Error(rt, """
            local cb = ffi.callback(function() return 1 end, 'int', {})
            local code = ffi.address(cb)
            cb:free()
            return ffi.func(code, 'int (*)(void)')
            """);
        Assert.Contains("cannot call 0x", e);
    }

    [Fact]
    public void AnotherRuntimesCallbackIsNoTarget()
    {
        using var other = NewRuntime(FfiAccess.Full);
        var code = (long)other.DoString("cb = ffi.callback(function() return 1 end, 'int', {}) return ffi.address(cb)")[0]!;
        using var rt = NewRuntime(FfiAccess.AllowList);
        rt.SetGlobal("CODE", code);
        Assert.Contains($"cannot call 0x{code:x}", Lua.Error(rt, "return ffi.func(CODE, 'int (*)(void)')"));
    }

    [Fact]
    public void AClosedLibrarysCodeIsNoTargetAndItsPointersAreClosed()
    {
        using var rt = NewRuntime(FfiAccess.AllowList);
        rt.DoString("""
            add = ffi.func(lib:getSymbol('func_add'), 'int (*)(int, int)')
            o = ffi.new('struct func_ops')
            lib:call('func_fill_ops', 'void', {'pointer'}, o)
            combine = o.combine
            address = lib:getSymbol('func_add')
            assert(add(1, 2) == 3 and combine(1, 2) == 3)
            lib:close()
            """);
        Assert.Contains("is closed", Lua.Error(rt, "return add(1, 2)"));
        Assert.Contains("is closed", Lua.Error(rt, "return combine(1, 2)"));
        Assert.Contains("cannot call 0x", Lua.Error(rt, "return ffi.func(address, 'int (*)(int, int)')"));
        Assert.Contains("cannot call 0x", Lua.Error(rt, "return o.combine"));
    }

    [Fact]
    public void DataOfAnAllowedLibraryIsNotCode()
    {
        using var rt = NewRuntime(FfiAccess.AllowList);
        // A writable variable of the library: inside its image, outside its code.
        var e = Lua.Error(rt, "return ffi.func(lib:getSymbol('func_counter'), 'int (*)(void)')");
        Assert.Contains("cannot call 0x", e);
    }
}
