using Lunet.Tests.Support;

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
}
