using System.Text.RegularExpressions;
using Lunet.Ffi.Libraries.Exports;

namespace Lunet.Tests.Exports;

/// <summary>ELF: ExportReader must agree with nm -D on real system libraries and a compiled test library.</summary>
public class ElfExportTests
{
    [Theory]
    [InlineData("libc.so.6")]
    [InlineData("libm.so.6")]
    [InlineData("libz.so.1")]
    [InlineData("libsqlite3.so.0")]
    public void SystemLibraryMatchesNm(string soname)
    {
        string path = NativeTools.SystemLibrary(soname);
        AssertSameNames(NmDefinedFunctions(path), Names(ExportReader.Read(path)), path);
    }

    [Fact]
    public void TestLibraryMatchesNmAndExpectations()
    {
        string path = NativeTools.BuildElfTestLibrary();
        var names = Names(ExportReader.Read(path));
        AssertSameNames(NmDefinedFunctions(path), names, path);

        Assert.Contains("exp_add", names);
        Assert.Contains("exp_weak", names);
        Assert.Contains("exp_protected", names);
        Assert.Contains("exp_calls_static", names);
        Assert.Contains("exp_ifunc", names);
        Assert.DoesNotContain("exp_hidden", names);
        Assert.DoesNotContain("exp_data", names);
        Assert.DoesNotContain("exp_const_data", names);
        Assert.DoesNotContain("exp_static", names);
    }

    [Theory]
    [InlineData("libz.so.1")]
    [InlineData("libc.so.6")]
    public void WithoutSectionHeadersTheDynamicSegmentGivesTheSameNames(string soname)
    {
        byte[] original = File.ReadAllBytes(NativeTools.SystemLibrary(soname));
        Assert.Equal(Names(ExportReader.Read(original)), Names(ExportReader.Read(ElfImages.WithoutSectionHeaders(original))));
    }

    [Fact]
    public void TestLibraryWithoutSectionHeadersGivesTheSameNames()
    {
        byte[] original = File.ReadAllBytes(NativeTools.BuildElfTestLibrary());
        var stripped = ElfImages.WithoutSectionHeaders(original);
        Assert.Equal(Names(ExportReader.Read(original)), Names(ExportReader.Read(stripped)));
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void HandBuiltImageInEachClassAndByteOrder(bool is64, bool bigEndian)
    {
        byte[] image = ElfImages.Build(is64, bigEndian);
        string[] expected = ["global_func", "ifunc_func", "protected_func", "weak_func"];
        Assert.Equal(expected, Names(ExportReader.Read(image)));
        // Same answer through PT_DYNAMIC + DT_HASH when the section headers are gone.
        Assert.Equal(expected, Names(ExportReader.Read(ElfImages.WithoutSectionHeaders(image))));
    }

    [Fact]
    public void ResultIsSortedAndHasNoDuplicates()
    {
        var names = Names(ExportReader.Read(NativeTools.SystemLibrary("libc.so.6")));
        Assert.Equal(names.Distinct().Count(), names.Count);
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
    }

    internal static List<string> Names(IReadOnlyList<ExportInfo> exports) => exports.Select(e => e.Name).ToList();

    /// <summary>nm -D --defined-only symbols of type T, W or i, version suffix removed, deduplicated.</summary>
    internal static List<string> NmDefinedFunctions(string path)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var line in NativeTools.Run("nm", $"-D --defined-only \"{path}\"").Split('\n'))
        {
            var match = Regex.Match(line, @"^\S*\s+([TWi])\s+(\S+)$");
            if (!match.Success) continue;
            string name = match.Groups[2].Value;
            int at = name.IndexOf('@');
            names.Add(at >= 0 ? name[..at] : name);
        }
        return names.ToList();
    }

    private static void AssertSameNames(List<string> expected, List<string> actual, string path)
    {
        var missing = expected.Except(actual).ToList();
        var extra = actual.Except(expected).ToList();
        Assert.True(missing.Count == 0 && extra.Count == 0,
            $"{path}: missing vs nm: [{string.Join(", ", missing.Take(20))}]; extra vs nm: [{string.Join(", ", extra.Take(20))}]");
        Assert.NotEmpty(actual);
    }
}
