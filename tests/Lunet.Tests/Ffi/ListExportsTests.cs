using Lunet.Tests.Exports;
using Lunet.Tests.Support;

namespace Lunet.Tests.Ffi;

/// <summary>lib:listExports() from Lua: the file the loader mapped, checked against nm -D.</summary>
public class ListExportsTests
{
    static List<string> Names(string code)
    {
        using var rt = Lua.NewRuntime();
        var joined = (string)rt.DoString(code + """

            local names, seen = {}, {}
            for i, e in ipairs(exports) do
              assert(type(e.name) == 'string' and e.ordinal == nil)
              assert(not seen[e.name], 'duplicate ' .. e.name)
              seen[e.name] = true
              names[i] = e.name
            end
            return table.concat(names, '\n'), lib.path
            """)[0]!;
        return joined.Split('\n').Order(StringComparer.Ordinal).ToList();
    }

    [Fact]
    public void TestLibraryMatchesNm()
    {
        var names = Names("local lib = require('ffi').open(TESTLIB); local exports = lib:listExports()");
        Assert.Equal(ElfExportTests.NmDefinedFunctions(Lua.TestLib), names);
        Assert.Contains("add", names);
        Assert.DoesNotContain("MY_MAGIC_INT", names);
    }

    [Fact]
    public void BareNamesListTheFileTheLoaderMapped()
    {
        using var rt = Lua.NewRuntime();
        var path = (string)rt.DoString("return require('ffi').open('z').path")[0]!;
        var names = Names("local lib = require('ffi').open('z'); local exports = lib:listExports()");
        Assert.Equal(ElfExportTests.NmDefinedFunctions(path), names);
        var libc = Names("local lib = require('ffi').C; local exports = lib:listExports()");
        Assert.Contains("strlen", libc);
        Assert.True(libc.Count > 1500, $"libc lists {libc.Count} functions");
    }

    [Fact]
    public void ClosedLibraryCannotList()
    {
        using var rt = Lua.NewRuntime();
        Assert.Contains("is closed", Lua.Error(rt, "local lib = require('ffi').open(TESTLIB); lib:close(); lib:listExports()"));
    }
}
