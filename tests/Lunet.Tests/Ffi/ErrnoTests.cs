using System.Runtime.InteropServices;
using Lunet.Ffi.Calls;
using Lunet.Ffi.Types;
using Lunet.Tests.Support;

namespace Lunet.Tests.Ffi;

/// <summary>
/// ffi.errno: errno as the last ffi call left it, kept across everything the runtime does
/// between two calls, and ffi.errno(v) giving the next call its errno. The expected values
/// (ENOENT, ERANGE) come from errno_test.c, compiled by cc.
/// </summary>
public class ErrnoTests
{
    static string ErrnoLib => NativeBuild.SharedLibrary("errno_test.c");

    static string Prelude => $$"""
        local ffi = require('ffi')
        local t = ffi.open('{{ErrnoLib}}')
        t:cdef[[
          int errno_enoent(void); int errno_erange(void);
          int errno_set(int v); int errno_get(void); int errno_none(int v);
        ]]
        ffi.cdef[[ int open(const char *path, int flags); long strtol(const char *s, char **end, int base); ]]

        """;

    static object? Run(string code)
    {
        using var rt = Lua.NewRuntime();
        return rt.DoString(Prelude + code, "=test")[0];
    }

    [Fact]
    public void OpenOfAMissingFileGivesEnoent()
    {
        Assert.Equal("-1 true", Run("""
            local fd = ffi.C.open('/nonexistent-lunet-dir/missing', 0)
            return fd .. ' ' .. tostring(ffi.errno() == t.errno_enoent())
            """));
    }

    [Fact]
    public void StrtolOverflowGivesErange()
    {
        Assert.Equal("true true", Run("""
            ffi.errno(0)
            local v = ffi.C.strtol('99999999999999999999999999', nil, 10)
            local e = ffi.errno()
            return tostring(v == math.maxinteger) .. ' ' .. tostring(e == t.errno_erange())
            """));
    }

    [Fact]
    public void ErrnoSetBeforeACallIsWhatTheCallSeesAndKeeps()
    {
        // ffi.errno(v) returns the old value; the call reads v; a call that does not touch errno leaves v.
        Assert.Equal("5|1234|1234|1234|1234", Run("""
            t.errno_set(5)
            local old = ffi.errno(1234)
            local now = ffi.errno()
            local seen = t.errno_get()
            local after = ffi.errno()
            t.errno_none(1)
            return table.concat({ old, now, seen, after, ffi.errno() }, '|')
            """));
    }

    [Fact]
    public void ErrnoSurvivesWhatTheRuntimeDoesBetweenCalls()
    {
        // Lua's own C library sets errno (io.open of a missing file, os.remove), and so do the GC and allocations.
        Assert.Equal("77", Run("""
            t.errno_set(77)
            collectgarbage()
            local keep = {}
            for i = 1, 20000 do keep[i] = { i, tostring(i) } end
            assert(io.open('/nonexistent-lunet-dir/missing') == nil)
            os.remove('/nonexistent-lunet-dir/missing')
            local b = ffi.buffer(1 << 20)
            ffi.sizeof('int')
            collectgarbage()
            return tostring(ffi.errno())
            """));
    }

    [Fact]
    public void EveryWayOfCallingSavesErrno()
    {
        Assert.Equal("11 12 13 14 15", Run("""
            local wrapped = t:wrap('int', 'errno_set', 'int')
            local r = {}
            wrapped(11); r[#r + 1] = ffi.errno()
            t:call('errno_set', 'int', {'int'}, 12); r[#r + 1] = ffi.errno()
            t:call('errno_set', 'int', {'int'}, 13); r[#r + 1] = ffi.errno()  -- the cached site
            t.errno_set(14); r[#r + 1] = ffi.errno()
            ffi.errno(15); ffi.C.strtol('1', nil, 10); r[#r + 1] = ffi.errno()
            return table.concat(r, ' ')
            """));
    }

    [Fact]
    public unsafe void TheManagedStubSavesAndRestoresErrnoToo()
    {
        using var rt = Lua.NewRuntime();
        var h = NativeLibrary.Load(ErrnoLib);
        foreach (var name in new[] { "errno_set", "errno_get" })
        {
            var sig = new FunctionType(ScalarType.I32, name == "errno_set" ? [ScalarType.I32] : []);
            var b = new FunctionBinding(name, NativeLibrary.GetExport(h, name), sig, null, managedOnly: true);
            CallDispatcher.Push(rt.State, b);
            fixed (byte* g = System.Text.Encoding.UTF8.GetBytes(name + "\0")) Lunet.Interop.LuaApi.setglobal(rt.State, g);
        }
        Assert.Equal("21 22 22", rt.DoString("""
            local ffi = require('ffi')
            errno_set(21)
            local a = ffi.errno()
            ffi.errno(22)
            local b = errno_get()
            collectgarbage()
            return a .. ' ' .. b .. ' ' .. ffi.errno()
            """, "=test")[0]);
    }

    [Theory]
    [InlineData("ffi.errno('x')", "bad argument #1 to 'errno' (number expected, got string)")]
    [InlineData("ffi.errno(1.5)", "bad argument #1 to 'errno' (number has no integer representation)")]
    [InlineData("ffi.errno(1 << 40)", "bad argument #1 to 'errno' (int expected, got 1099511627776 (out of range))")]
    [InlineData("ffi.errno(nil)", "bad argument #1 to 'errno' (number expected, got nil)")]
    public void BadValuesAreRefused(string call, string message)
    {
        using var rt = Lua.NewRuntime();
        Assert.Contains(message, Lua.Error(rt, $"local ffi = require('ffi'); {call}"));
        Assert.Equal(3L, rt.DoString("return 1 + 2", "=t")[0]);
    }
}
