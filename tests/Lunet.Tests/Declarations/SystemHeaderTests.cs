using System.Diagnostics;
using System.Text.RegularExpressions;
using Lunet.Ffi.Declarations;
using Lunet.Tests.Support;

namespace Lunet.Tests.Declarations;

/// <summary>Preprocessed system headers parse, and facts about them can be read from the tree.</summary>
public class SystemHeaderTests
{
    static DeclarationList Parse(string header) => DeclarationParser.Parse(SystemHeaders.Preprocessed(header), header);

    [Theory]
    [MemberData(nameof(Headers))]
    public void HeaderParses(string header)
    {
        var list = Parse(header);
        Assert.NotEmpty(list.OfType<FunctionDeclaration>());
        // Every enum constant and static const the header declares evaluates.
        _ = new DeclaredConstants(list, header);
    }

    [Fact]
    public void EnumConstantsOfRealHeadersHaveTheirValues()
    {
        var zlib = new DeclaredConstants(Parse("zlib.h"));
        var pthread = new DeclaredConstants(Parse("pthread.h"));
        // The tests cannot ask the header's macros (they are gone after cc -E); these enums are in the ABI.
        Assert.Equal(0, pthread.Constant("PTHREAD_CREATE_JOINABLE")!.Value.AsInt64);
        Assert.Equal(1, pthread.Constant("PTHREAD_CREATE_DETACHED")!.Value.AsInt64);
        Assert.Null(zlib.Constant("Z_OK")); // a macro in zlib.h, not an enum: gone after preprocessing
    }

    public static TheoryData<string> Headers() => new(SystemHeaders.All);

    [Fact]
    public void ZlibCompressAndStream()
    {
        var zlib = Parse("zlib.h");
        var compress = zlib.Function("compress")!;
        Assert.Equal(4, compress.Type.Parameters.Count);
        Assert.Equal("Bytef *", compress.Type.Parameters[0].Type.ToString());
        Assert.Equal("uLongf *", compress.Type.Parameters[1].Type.ToString());
        var stream = zlib.Typedef("z_stream")!.Type;
        var record = Assert.IsType<RecordType>(Assert.IsType<NamedTypeSyntax>(stream).Base).Record;
        Assert.Equal("z_stream_s", record.Tag);
        Assert.Contains(record.Members!, m => m.Name == "avail_in");
        Assert.Contains(record.Members!, m => m.Name == "next_in" && m.Type.ToString() == "Bytef *");
    }

    [Fact]
    public void EveryZlibFunctionTheLibraryExportsIsDeclared()
    {
        var text = SystemHeaders.Preprocessed("zlib.h");
        var declared = DeclarationParser.Parse(text).OfType<FunctionDeclaration>().Select(f => f.AsmName ?? f.Name).ToHashSet();
        var library = FindLibrary("libz.so.1");
        var exported = NativeBuild.Run("nm", $"-D --defined-only \"{library}\"")
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length == 3 && f[1] == "T")
            .Select(f => f[2].Split('@')[0])
            .ToHashSet();
        // The library also exports internals the header never names: only the names the header's
        // text calls as functions must be found.
        var inHeader = exported.Where(name => Regex.IsMatch(text, $@"\b{Regex.Escape(name)}\s*\(")).ToList();
        Assert.True(inHeader.Count > 80, $"only {inHeader.Count} exported zlib functions named in zlib.h");
        var missing = inHeader.Where(name => !declared.Contains(name)).ToList();
        Assert.True(missing.Count == 0, "exported, named in zlib.h, but not found: " + string.Join(", ", missing));
        foreach (var f in new[] { "deflate", "inflate", "crc32", "adler32", "compress2", "uncompress", "gzopen", "deflateInit_" })
            Assert.Contains(f, declared);
    }

    static string FindLibrary(string name)
    {
        var output = NativeBuild.Run(NativeBuild.Compiler(), $"-print-file-name={name}").Trim();
        if (File.Exists(output)) return output;
        foreach (var dir in new[] { "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib" })
            if (File.Exists(Path.Combine(dir, name))) return Path.Combine(dir, name);
        throw new InvalidOperationException($"{name} not found: install zlib1g");
    }

    [Fact]
    public void StructStatAndTm()
    {
        var stat = Parse("sys/stat.h").Record("stat")!;
        Assert.Contains(stat.Members!, m => m.Name == "st_size");
        var tm = Parse("time.h").Record("tm")!;
        Assert.Equal(
            ["tm_sec", "tm_min", "tm_hour", "tm_mday", "tm_mon", "tm_year", "tm_wday", "tm_yday", "tm_isdst", "tm_gmtoff", "tm_zone"],
            tm.Members!.Select(m => m.Name!).ToArray());
    }

    [Fact]
    public void Sqlite3Open()
    {
        var open = Parse("sqlite3.h").Function("sqlite3_open")!;
        Assert.Equal(["const char *", "sqlite3 **"], open.Type.Parameters.Select(p => p.Type.ToString()).ToArray());
        Assert.Equal("int", open.Type.Return.ToString());
    }

    [Fact]
    public void MathAndStdio()
    {
        var math = Parse("math.h");
        var sin = math.Function("sin")!.Type;
        Assert.Equal("double", sin.Return.ToString());
        Assert.Equal("double", Assert.Single(sin.Parameters).Type.ToString());
        var printf = Parse("stdio.h").Function("printf")!;
        Assert.True(printf.Type.Variadic);
        Assert.Equal("const char *restrict", printf.Type.Parameters[0].Type.ToString());
        var stdlib = Parse("stdlib.h");
        var compare = stdlib.Function("qsort")!.Type.Parameters[3].Type;
        var typedefName = Assert.IsType<TypedefNameType>(Assert.IsType<NamedTypeSyntax>(compare).Base).Name;
        Assert.Equal("int (*)(const void *, const void *)", stdlib.Typedef(typedefName)!.Type.ToString());
    }

    [Fact]
    public void ParsingSqliteIsFast()
    {
        var text = SystemHeaders.Preprocessed("sqlite3.h");
        DeclarationParser.Parse(text); // warm up
        var clock = Stopwatch.StartNew();
        const int rounds = 10;
        for (int i = 0; i < rounds; i++) DeclarationParser.Parse(text);
        var each = clock.Elapsed.TotalMilliseconds / rounds;
        Assert.True(each < 200, $"parsing sqlite3.h took {each:F1} ms");
    }
}
