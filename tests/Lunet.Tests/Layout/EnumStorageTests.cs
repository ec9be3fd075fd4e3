using System.Globalization;
using System.Text;
using Lunet.Ffi.Layout;
using Lunet.Tests.Support;

namespace Lunet.Tests.Layout;

/// <summary>
/// The storage gcc picks for an enum from its smallest and largest values, packed or not,
/// checked at every boundary: cc prints sizeof and signedness, mingw-w64 must accept
/// static asserts of Lunet's answer.
/// </summary>
public class EnumStorageTests
{
    static readonly (Int128 Min, Int128 Max)[] Ranges =
    [
        (0, 0), (0, 1), (-1, 0), (0, 127), (0, 128), (0, 255), (0, 256), (-128, 127), (-129, 0), (-1, 128), (-1, 255),
        (0, 32767), (0, 65535), (0, 65536), (-32768, 32767), (-32769, 0), (-1, 32768),
        (0, int.MaxValue), (-1, int.MaxValue), (int.MinValue, 0), (0, uint.MaxValue), (-1, uint.MaxValue), (int.MinValue - 1L, 0),
        (0, (Int128)uint.MaxValue + 1), (0, long.MaxValue), (long.MinValue, 0), (long.MinValue, long.MaxValue), (0, ulong.MaxValue),
    ];

    static IEnumerable<(string Name, Int128 Min, Int128 Max, bool Packed)> Enums() =>
        Ranges.SelectMany((r, i) => new[] { ($"EA{i}", r.Min, r.Max, false), ($"EP{i}", r.Min, r.Max, true) });

    static string Literal(Int128 v) => v == long.MinValue ? "(-9223372036854775807LL - 1)" : v < 0 ? $"{v}LL" : $"{v}ULL";

    static string Declarations()
    {
        var sb = new StringBuilder("#include <stdio.h>\n");
        foreach (var (name, min, max, packed) in Enums())
            sb.Append($"enum {(packed ? "__attribute__((packed)) " : "")}{name} {{ {name}_a = {Literal(min)}, {name}_b = {Literal(max)} }};\n");
        return sb.ToString();
    }

    [Fact]
    public void SysVMatchesCc()
    {
        var c = new StringBuilder(Declarations()).Append("int main(void) {\n");
        foreach (var (name, _, _, _) in Enums())
            c.Append($"  printf(\"{name} %zu %d\\n\", sizeof(enum {name}), (enum {name})-1 < 0);\n");
        c.Append("  return 0;\n}\n");
        var dir = Directory.CreateTempSubdirectory("lunet-enum-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "enums.c"), c.ToString());
            NativeBuild.Run(NativeBuild.Compiler(), $"-w -o \"{dir}/enums\" \"{dir}/enums.c\"");
            var got = NativeBuild.Run(Path.Combine(dir, "enums"), "").Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => l.Split(' ')).ToDictionary(p => p[0], p => (Size: int.Parse(p[1], CultureInfo.InvariantCulture), Signed: p[2] == "1"));
            var wrong = new List<string>();
            foreach (var (name, min, max, packed) in Enums())
            {
                var s = SysVLayout.Instance.EnumStorage(min, max, packed);
                if (got[name] != ((int)s.Size, s.IsSigned))
                    wrong.Add($"{name} ({min}..{max}{(packed ? ", packed" : "")}): cc {got[name]}, Lunet ({s.Size}, {s.IsSigned})");
                Assert.Equal(s.Size, s.Alignment);
            }
            Assert.True(wrong.Count == 0, string.Join("\n", wrong));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void WindowsMatchesMingw()
    {
        var c = new StringBuilder(Declarations());
        foreach (var (name, min, max, packed) in Enums())
        {
            var s = MsvcLayout.Instance.EnumStorage(min, max, packed);
            c.Append($"_Static_assert(sizeof(enum {name}) == {s.Size} && ((enum {name})-1 < 0) == {(s.IsSigned ? 1 : 0)}, \"{name}\");\n");
        }
        var dir = Directory.CreateTempSubdirectory("lunet-enum-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "enums.c"), c.ToString());
            NativeBuild.Run(LayoutOracle.MingwGcc, $"-w -fsyntax-only \"{dir}/enums.c\"");
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void RejectsRangesNoEnumHas()
    {
        Assert.Contains("empty", Assert.Throws<LayoutException>(() => SysVLayout.Instance.EnumStorage(1, 0, false)).Message);
        Assert.Contains("64 bits", Assert.Throws<LayoutException>(() => SysVLayout.Instance.EnumStorage(-1, ulong.MaxValue, false)).Message);
        Assert.Contains("64 bits", Assert.Throws<LayoutException>(() => SysVLayout.Instance.EnumStorage(0, (Int128)ulong.MaxValue + 1, true)).Message);
    }
}
