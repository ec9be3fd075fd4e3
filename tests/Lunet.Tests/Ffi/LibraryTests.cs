using Lunet.Ffi.Libraries;
using Lunet.Tests.Support;

namespace Lunet.Tests.Ffi;

/// <summary>ffi.open's search, lib.path, symbols and close.</summary>
public class LibraryTests
{
    [Fact]
    public void PathIsTheFileActuallyLoaded()
    {
        Assert.Equal(Lua.TestLib, Lua.Eval("return require('ffi').open(TESTLIB).path"));
        var m = (string)Lua.Eval("return require('ffi').open('m').path")!;
        Assert.True(Path.IsPathRooted(m) && File.Exists(m), m);
    }

    [Fact]
    public void CandidatesFollowPrefixSuffixAndTheLibraryCache()
    {
        var names = LibraryResolver.Candidates("z");
        Assert.Equal("z", names[0]);
        Assert.Equal("libz.so", names[1]);
        Assert.Contains("libz.so.1", names);
        Assert.Equal(["./x/libfoo.so"], LibraryResolver.Candidates("./x/libfoo.so"));
    }

    [Fact]
    public void LibraryCacheIsParsedFromTheSystemFile()
    {
        var names = LdSoCache.Read("/etc/ld.so.cache");
        Assert.Contains("libc.so.6", names);
        Assert.Contains("libz.so.1", names);
        // Garbage and truncation give no names rather than an exception.
        Assert.Empty(LdSoCache.Parse([1, 2, 3]));
        var real = File.ReadAllBytes("/etc/ld.so.cache");
        for (int cut = 0; cut < Math.Min(real.Length, 4096); cut += 7)
            LdSoCache.Parse(real[..cut]);
    }

    [Fact]
    public void VersionedNameIsFoundWithoutTheDevelopmentLink()
    {
        // libc.so is a linker script, not a library: the search must go on to libc.so.6 from the cache.
        Assert.Contains("libc.so.6", (string)Lua.Eval("return require('ffi').open('c').path")!);
    }

    [Fact]
    public void OpenFailureListsEveryNameTriedAndTheLoaderMessage()
    {
        using var rt = Lua.NewRuntime();
        var e = Lua.Error(rt, "require('ffi').open('lunet_no_such_lib')");
        Assert.Contains("cannot open library 'lunet_no_such_lib'", e);
        Assert.Contains("tried lunet_no_such_lib, liblunet_no_such_lib.so", e);
        Assert.Contains("cannot open shared object file", e);
        var e2 = Lua.Error(rt, "require('ffi').open('/nonexistent/dir/libx.so')");
        Assert.Contains("/nonexistent/dir/libx.so", e2);
        Assert.Contains("bad argument #1 to 'open' (string expected, got number)", Lua.Error(rt, "require('ffi').open(42)"));
        Assert.Contains("empty library name", Lua.Error(rt, "require('ffi').open('')"));
        Assert.Equal(3L, rt.DoString("return 1 + 2")[0]);
    }

    [Fact]
    public void Symbols()
    {
        Assert.Equal(true, Lua.Eval("""
            local ffi = require('ffi')
            local lib = ffi.open(TESTLIB)
            local p = lib:getSymbol('MY_MAGIC_INT')
            return type(p) == 'userdata' and not ffi.isNull(p) and lib:hasSymbol('add') and not lib:hasSymbol('nope')
            """));
    }

    [Fact]
    public void ClosedLibrariesAndTheirWrappersRaiseErrors()
    {
        using var rt = Lua.NewRuntime();
        rt.DoString("""
            ffi = require('ffi')
            lib = ffi.open(TESTLIB)
            add = lib:wrap('i32', 'add', 'i32', 'i32')
            assert(lib:call('add', 'i32', {'i32', 'i32'}, 1, 2) == 3)
            lib:close()
            lib:close()
            """);
        Assert.Contains("cannot call 'add': library", Lua.Error(rt, "add(1, 2)"));
        Assert.Contains("is closed", Lua.Error(rt, "lib:call('add', 'i32', {'i32', 'i32'}, 1, 2)"));
        Assert.Contains("is closed", Lua.Error(rt, "lib:getSymbol('add')"));
        Assert.Contains("is closed", Lua.Error(rt, "lib:wrap('i32', 'add', 'i32', 'i32')"));
        Assert.Contains("(closed)", (string)rt.DoString("return tostring(lib)")[0]!);
        // A fresh open works again.
        Assert.Equal(5L, rt.DoString("return ffi.open(TESTLIB):wrap('i32', 'add', 'i32', 'i32')(2, 3)")[0]);
    }

    [Fact]
    public void LibraryTablesTakeNewFieldsAsPlutoDoes()
    {
        Assert.Equal(42L, Lua.Eval("""
            local lib = require('ffi').open(TESTLIB)
            lib.add = lib:wrap('i32', 'add', 'i32', 'i32')
            lib.MY_MAGIC_INT = lib:value('i32', 'MY_MAGIC_INT')
            assert(lib.MY_MAGIC_INT == 69)
            return lib.add(38, 4)
            """));
    }
}
