using Lunet.Ffi.Calls;
using Lunet.Tests.Support;
using static Lunet.Interop.LuaApi;

namespace Lunet.Tests.Ffi;

/// <summary>
/// ffi.C keeps a function it found as a field of its table: the same value on every lookup (a
/// table read, not a new binding), until a cdef declares the name again; a value a script stored
/// under the name is left alone, and variables are still read anew on each lookup.
/// </summary>
public class DeclaredLookupTests
{
    static object? Run(string code)
    {
        using var rt = Lua.NewRuntime();
        return rt.DoString("local ffi = require('ffi')\n" + code, "=test")[0];
    }

    [Fact]
    public void AFunctionIsBoundOnceAndKeptInTheTable()
    {
        Assert.Equal("true true 7", Run("""
            ffi.cdef('int abs(int);')
            assert(rawget(ffi.C, 'abs') == nil)
            local f = ffi.C.abs
            return tostring(rawequal(f, ffi.C.abs)) .. ' ' .. tostring(rawequal(rawget(ffi.C, 'abs'), f)) .. ' ' .. f(-7)
            """));
    }

    [Fact]
    public void AVariadicFunctionIsKeptToo()
    {
        Assert.Equal("true x 1", Run("""
            ffi.cdef('int snprintf(char *buf, size_t n, const char *fmt, ...);')
            local b = ffi.buffer(16)
            ffi.C.snprintf(b, 16, '%s %d', 'x', 1)
            return tostring(rawequal(ffi.C.snprintf, ffi.C.snprintf)) .. ' ' .. b:readString(0)
            """));
    }

    [Fact]
    public void ACdefOfTheNameBindsItAgain()
    {
        // The same type under another symbol (__asm__): the next lookup calls the new one.
        Assert.Equal("65 97 true", Run("""
            ffi.cdef('int toupper(int);')
            local before = ffi.C.toupper
            local a = before(97)
            ffi.cdef('int toupper(int) __asm__("tolower");')
            local after = ffi.C.toupper
            return a .. ' ' .. after(65) .. ' ' .. tostring(not rawequal(before, after))
            """));
        // lib:cdef on the process (ffi.open()) is the same library table.
        Assert.Equal("97", Run("""
            ffi.cdef('int toupper(int);')
            local _ = ffi.C.toupper
            ffi.open():cdef('int toupper(int) __asm__("tolower");')
            return tostring(ffi.C.toupper(65))
            """));
    }

    [Fact]
    public void AValueAScriptStoredUnderTheNameStays()
    {
        Assert.Equal("mine", Run("""
            ffi.cdef('int abs(int);')
            local _ = ffi.C.abs
            ffi.C.abs = 'mine'
            ffi.cdef('int abs(int);')
            return ffi.C.abs
            """));
    }

    [Fact]
    public void AVariableIsReadOnEveryLookup()
    {
        // opterr (libc's, used only by getopt) changed behind ffi.C's back, then restored.
        Assert.Equal("true true", Run("""
            ffi.cdef('extern int opterr;')
            local before = ffi.C.opterr
            local memcpy = ffi.C:wrap('pointer', 'memcpy', 'pointer', 'pointer', 'size_t')
            local b = ffi.buffer(4)
            b:write(0, 'i32', before + 5)
            memcpy(ffi.C:getSymbol('opterr'), b, 4)
            local changed = ffi.C.opterr
            b:write(0, 'i32', before)
            memcpy(ffi.C:getSymbol('opterr'), b, 4)
            return tostring(changed == before + 5) .. ' ' .. tostring(ffi.C.opterr == before and rawget(ffi.C, 'opterr') == nil)
            """));
    }

    /// <summary>The C function of the global <paramref name="name"/> and the binding its upvalue holds (the handle in its first word).</summary>
    static unsafe (nint code, FunctionBinding binding) Closure(LuaRuntime rt, string name)
    {
        var L = rt.State;
        rt.DoString($"local _, slot = debug.getupvalue({name}, 1) SLOT = slot", "=slot");
        fixed (byte* n = System.Text.Encoding.UTF8.GetBytes(name + "\0")) getglobal(L, n);
        var code = tocfunction(L, -1);
        fixed (byte* n = "SLOT\0"u8) getglobal(L, n);
        var handle = *(nint*)touserdata(L, -1);
        settop(L, -3);
        return (code, (FunctionBinding)System.Runtime.InteropServices.GCHandle.FromIntPtr(handle).Target!);
    }

    [Fact]
    public void ADeclaredFunctionIsTheClosureLibWrapMakes()
    {
        // The same C function over the same binding (target, signature, stub): a cdef'd call costs
        // what the lib:wrap of its signature costs, by construction (bench: "Declared functions" rows).
        using var rt = Lua.NewRuntime();
        rt.DoString($"""
            local ffi = require('ffi')
            local t = ffi.open('{NativeBuild.SharedLibrary("testlib.c")}')
            t:cdef('int add(int a, int b);')
            ffi.cdef('int abs(int);')
            CDEF, WRAP = t.add, t:wrap('i32', 'add', 'i32', 'i32')
            C_ABS, C_WRAP = ffi.C.abs, ffi.C:wrap('int', 'abs', 'int')
            assert(CDEF(40, 2) == 42 and WRAP(40, 2) == 42 and C_ABS(-3) == 3 and C_WRAP(-3) == 3)
            """, "=test");
        foreach (var (declared, wrapped) in new[] { ("CDEF", "WRAP"), ("C_ABS", "C_WRAP") })
        {
            var (code, binding) = Closure(rt, declared);
            var (wrapCode, wrapBinding) = Closure(rt, wrapped);
            Assert.Equal(wrapCode, code);
            Assert.Same(wrapBinding, binding);
            // With a native stub (the budget of stubs is the process's: a test elsewhere may use it up), it is the closure itself.
            if (binding.NativeStub != 0) Assert.Equal(NativeStubCache.Entry, code);
        }
        Assert.NotSame(Closure(rt, "CDEF").binding, Closure(rt, "C_ABS").binding);
    }
}
