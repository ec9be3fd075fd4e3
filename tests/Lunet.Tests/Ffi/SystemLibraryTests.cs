using Lunet.Tests.Support;

namespace Lunet.Tests.Ffi;

/// <summary>Real system libraries: libm, libc through ffi.C, zlib, sqlite3.</summary>
public class SystemLibraryTests
{
    [Fact]
    public void LibmByBareName()
    {
        Assert.Equal(true, Lua.Eval("""
            local m = require('ffi').open('m')
            return m:call('cos', 'double', {'double'}, 0) == 1.0 and m:wrap('f64', 'sqrt', 'f64')(16) == 4.0
            """));
    }

    [Fact]
    public void LibcThroughFfiC()
    {
        Assert.Equal(5L, Lua.Eval("return require('ffi').C:call('strlen', 'size_t', {'string'}, 'hello')"));
        Assert.Equal((long)Environment.ProcessId, Lua.Eval("return require('ffi').C:wrap('int', 'getpid')()"));
        Assert.Equal(true, Lua.Eval("local ffi = require('ffi'); return ffi.open() == ffi.C"));
        Assert.Contains("libc", (string)Lua.Eval("return require('ffi').C.path")!);
        Assert.Equal(3L, Lua.Eval("local C = require('ffi').C; C:close(); return C:call('strlen', 'size_t', {'string'}, 'abc')"));
    }

    [Fact]
    public void ZlibByBareName()
    {
        Assert.Equal(true, Lua.Eval("""
            local z = require('ffi').open('z')
            assert(z.path:find('libz.so', 1, true), z.path)
            local v = z:call('zlibVersion', 'string', {})
            return type(v) == 'string' and v:match('^%d+%.%d+') ~= nil
            """));
        // crc32 of "hello" is 0x3610a686.
        Assert.Equal(0x3610a686L, Lua.Eval("""
            local z = require('ffi').open('z')
            return z:call('crc32', 'unsigned long', {'unsigned long', 'string', 'unsigned int'}, 0, 'hello', 5)
            """));
    }

    [Fact]
    public void Sqlite3Version()
    {
        var v = (string)Lua.Eval("return require('ffi').open('sqlite3'):call('sqlite3_libversion', 'string', {})")!;
        Assert.Matches(@"^3\.\d+\.\d+", v);
    }
}
