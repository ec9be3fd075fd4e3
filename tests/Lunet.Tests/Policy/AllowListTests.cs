using Lunet.Ffi.Libraries;
using Lunet.Tests.Cli;
using Lunet.Tests.Support;

namespace Lunet.Tests.Policy;

/// <summary>
/// The allow-list holds: a symbol is found only in the library that defines it, allowed
/// entries and opened paths are compared by the file they name (not by text), bare names
/// resolve once, as ffi.open resolves them, and non-regular files are refused before the
/// loader sees them.
/// </summary>
public class AllowListTests
{
    const string LibZ = "/usr/lib/x86_64-linux-gnu/libz.so.1";
    const string LibM = "/lib/x86_64-linux-gnu/libm.so.6";

    static LuaRuntime AllowOnly(params string[] libraries)
    {
        var options = new LuaRuntimeOptions { Ffi = FfiAccess.AllowList };
        foreach (var l in libraries) options.AllowedLibraries.Add(l);
        var rt = Lua.NewRuntime(options);
        rt.SetGlobal("LIBZ", LibZ);
        return rt;
    }

    [Fact]
    public void DependencySymbolsAreNotFound()
    {
        using var rt = AllowOnly(LibZ);
        rt.DoString("ffi = require('ffi') z = ffi.open(LIBZ)");
        Assert.Equal([false, true], rt.DoString("return z:hasSymbol('system'), z:hasSymbol('zlibVersion')"));
        foreach (var attempt in new[]
                 {
                     "z:call('system', 'i32', {'string'}, 'echo ran')", "z:getSymbol('system')",
                     "z:wrap('i32', 'system', 'string')", "z:value('i32', 'system')", "z:call('malloc', 'pointer', {'size_t'}, 8)",
                 })
        {
            var e = Lua.Error(rt, attempt);
            Assert.Contains($"symbol '{(attempt.Contains("malloc") ? "malloc" : "system")}' not found in library '{LibZ}'", e);
            Assert.Contains("libc.so.6', which that library depends on (only a library's own symbols are found)", e);
        }
        Assert.StartsWith("1.", (string)rt.DoString("return z:call('zlibVersion', 'string', {})")[0]!);
    }

    [Fact]
    public void DependencySymbolsAreNotFoundUnderFullEither()
    {
        using var rt = Lua.NewRuntime();
        Assert.Equal([false, true, true], rt.DoString(
            "local ffi = require('ffi') return ffi.open('z'):hasSymbol('system'), ffi.C:hasSymbol('system'), ffi.C:hasSymbol('__tls_get_addr')"));
    }

    [Fact]
    public void AllowedCLibraryGivesOnlyItsOwnSymbols()
    {
        using var rt = AllowOnly("c");
        // strlen is an IFUNC: its implementation lies inside libc too.
        Assert.Equal(5L, rt.DoString("return require('ffi').C:call('strlen', 'size_t', {'string'}, 'hello')")[0]);
        Assert.Equal(false, rt.DoString("return require('ffi').C:hasSymbol('__tls_get_addr')")[0]); // the loader's, a dependency
        Assert.Equal(false, rt.DoString("return require('ffi').C:hasSymbol('lua_pushnil')")[0]);
        // time is an IFUNC of libc whose implementation the kernel's vDSO provides: still libc's own.
        Assert.True((long)rt.DoString("return require('ffi').C:call('time', 'i64', {'pointer'}, nil)")[0]! > 1_700_000_000);
    }

    [Fact]
    public void PathsAreComparedByTheFileTheyName()
    {
        using var rt = AllowOnly(LibZ);
        // /proc/self/cwd/.. passes any textual prefix check and reaches every file.
        var up = string.Concat(Enumerable.Repeat("../", 40));
        Assert.Contains("is not allowed by this runtime's ffi policy", Lua.Error(rt, $"require('ffi').open('/proc/self/cwd/{up}{LibM[1..]}')"));
        Assert.Contains("is not allowed by this runtime's ffi policy", Lua.Error(rt, $"require('ffi').open('/proc/self/root{LibM}')"));
        // Another spelling of the allowed file is that file.
        Assert.Equal(true, rt.DoString($"return require('ffi').open('/proc/self/root{LibZ}'):hasSymbol('crc32')")[0]);

        var dir = CliRunner.TempDir();
        File.CreateSymbolicLink(Path.Combine(dir, "allowed.so"), LibZ);
        File.CreateSymbolicLink(Path.Combine(dir, "unlisted.so"), LibM);
        rt.SetGlobal("DIR", dir);
        Assert.Equal(true, rt.DoString("return require('ffi').open(DIR .. '/allowed.so'):hasSymbol('crc32')")[0]);
        Assert.Contains("library '" + dir + "/unlisted.so' is not allowed", Lua.Error(rt, "require('ffi').open(DIR .. '/unlisted.so')"));
        // A copy is another file.
        File.Copy(LibZ, Path.Combine(dir, "copy.so"));
        Assert.Contains("is not allowed", Lua.Error(rt, "require('ffi').open(DIR .. '/copy.so')"));
    }

    [Fact]
    public void BareNamesResolveAsFfiOpenDoesOnceAtCreation()
    {
        using var rt = AllowOnly("z");
        var path = (string)rt.DoString("return require('ffi').open('z').path")[0]!;
        Assert.Equal(FileOf(LibZ), FileOf(path));
        Assert.Equal(true, rt.DoString("return require('ffi').open(LIBZ):hasSymbol('crc32')")[0]);
        Assert.Equal(true, rt.DoString("return require('ffi').open('libz.so.1'):hasSymbol('crc32')")[0]);
        Assert.Contains("library 'm' is not allowed", Lua.Error(rt, "require('ffi').open('m')"));
    }

    /// <summary>Before, a bare allow-list name became a path relative to the current directory.</summary>
    [Fact]
    public void BareNameIsNeverAFileInTheCurrentDirectory()
    {
        var dir = CliRunner.TempDir();
        File.Copy(Lua.TestLib, Path.Combine(dir, "z"));
        var r = CliRunner.Exec(CliRunner.DotnetHost, [CliRunner.CliDll, "--allow-lib", "z", "-e", """
            local ffi = require('ffi')
            print(ffi.open('z'):hasSymbol('crc32'), ffi.open('z'):hasSymbol('add'))
            print(pcall(ffi.open, './z'))
            """], workingDirectory: dir);
        Assert.True(r.ExitCode == 0, r.ToString());
        var lines = r.Stdout.Split('\n');
        Assert.Equal("true\tfalse", lines[0]);
        Assert.StartsWith("false\tffi.open: library './z' is not allowed", lines[1]);
    }

    [Fact]
    public void EntriesThatNameNoLibraryFailAtCreation()
    {
        Assert.Contains("the loader finds no library 'no_such_library_x'",
            Assert.Throws<ArgumentException>(() => AllowOnly("no_such_library_x")).Message);
        Assert.Contains("'/nonexistent/libx.so': No such file or directory",
            Assert.Throws<ArgumentException>(() => AllowOnly("/nonexistent/libx.so")).Message);
        Assert.Contains("'/dev/zero' is not a regular file (a character device)",
            Assert.Throws<ArgumentException>(() => AllowOnly("/dev/zero")).Message);
        var r = CliRunner.Run("--allow-lib", "no_such_library_x", "-e", "print(1)");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("lunet: AllowedLibraries: the loader finds no library 'no_such_library_x'", r.Stderr);
    }

    public static TheoryData<FfiAccess> Opening => new() { FfiAccess.Full, FfiAccess.AllowList };

    [Theory]
    [MemberData(nameof(Opening))]
    public void FifoDirectoryAndDeviceAreErrorsNotHangs(FfiAccess access)
    {
        var fifo = Path.Combine(CliRunner.TempDir(), "fifo.so");
        NativeBuild.Run("mkfifo", $"\"{fifo}\"");
        using var rt = access == FfiAccess.Full ? Lua.NewRuntime() : AllowOnly(LibZ);
        rt.SetGlobal("FIFO", fifo);
        var opened = Task.Run(() => new[]
        {
            Lua.Error(rt, "require('ffi').open(FIFO)"),
            Lua.Error(rt, "require('ffi').open('/tmp')"),
            Lua.Error(rt, "require('ffi').open('/dev/zero')"),
        });
        Assert.True(opened.Wait(TimeSpan.FromSeconds(20)), "ffi.open blocked");
        Assert.Contains($"ffi.open: '{fifo}' is not a regular file (a FIFO)", opened.Result[0]);
        Assert.Contains("ffi.open: '/tmp' is not a regular file (a directory)", opened.Result[1]);
        Assert.Contains("ffi.open: '/dev/zero' is not a regular file (a character device)", opened.Result[2]);
    }

    /// <summary>The loader reads a name up to its first NUL: "z\0x" would open libz, "system\0" find system.</summary>
    [Fact]
    public void NamesWithNulNeverReachTheLoader()
    {
        Assert.Equal(0, DynamicLoader.TryOpen("libz.so.1\0x", out var error));
        Assert.Contains("NUL", error);
        Assert.Equal(0, DynamicLoader.Symbol(DynamicLoader.OpenProcess(), "strlen\0x"));
        using var rt = Lua.NewRuntime();
        Assert.Equal([false, false, false], rt.DoString(
            "local ffi = require('ffi') local z = ffi.open('z') " +
            "return pcall(ffi.open, 'z\\0x'), pcall(z.hasSymbol, z, 'crc32\\0x'), (pcall(ffi.C.hasSymbol, ffi.C, 'strlen\\0'))"));
    }

    [Fact]
    public void TheMappedFileMustBeTheCheckedOne()
    {
        // As if the file had been replaced between the check and the load.
        Assert.True(FileIdentity.TryOf(LibM, out var libm, out _, out _));
        var e = Assert.Throws<Lunet.Interop.LuaException>(() => LibraryResolver.OpenFile("z", LibZ, libm));
        Assert.Contains("the loader mapped", e.Message);
    }

    static FileIdentity FileOf(string path)
    {
        Assert.True(FileIdentity.TryOf(path, out var id, out var kind, out var error), error);
        Assert.Equal(FileIdentity.Kind.Regular, kind);
        return id;
    }
}
