using System.Runtime.CompilerServices;
using Lunet.Ffi.Layout;

namespace Lunet.Tests.Layout;

/// <summary>The random corpus against the compilers: 700 records, one compile per ABI.</summary>
public class RandomLayoutTests
{
    const int Count = 700;
    const int Seed = 20261201;

    [Fact]
    public void CorpusCoversEveryFeature()
    {
        var unit = RandomRecords.Generate(Count, Seed);
        var members = unit.Records.SelectMany(r => r.Members).ToList();
        AtLeast(60, unit.Records.Count(r => r.Kind == RecordKind.Union));
        AtLeast(50, unit.Records.Count(r => r.Pack != 0));
        AtLeast(50, unit.Records.Count(r => r.Packed));
        AtLeast(40, unit.Records.Count(r => r.Aligned != 0));
        AtLeast(20, unit.Records.Count(r => r.Members.Any(m => m.Type is ArrayRef { Count: null })));
        AtLeast(1000, members.Count(m => m.Width is > 0));
        AtLeast(50, members.Count(m => m.Width == 0));
        AtLeast(50, members.Count(m => m.Width is > 0 && m.Name is null));
        AtLeast(100, members.Count(m => m.Packed));
        AtLeast(100, members.Count(m => m.Aligned != 0));
        AtLeast(100, members.Count(m => m.Type is RecordRef or ArrayRef { Element: RecordRef }));
        AtLeast(100, members.Count(m => m.Type is EnumRef));
        AtLeast(30, members.Count(m => m.Type is ArrayRef { Count: 0 }));
        AtLeast(30, members.Count(m => m.Type is AlignedTypedef && m.Width is null));
        AtLeast(100, members.Count(m => m.Type is AlignedTypedef && m.Width > 0));
        // Every width of every bitfield type size.
        var missing = new[] { 8, 16, 32, 64 }
            .SelectMany(bits => Enumerable.Range(1, bits).Where(w => !members.Any(m => m.Width == w && TypeBits(m.Type) == bits)).Select(w => $"{w} of {bits}"))
            .ToList();
        Assert.True(missing.Count == 0, "widths never generated: " + string.Join(", ", missing));
    }

    static void AtLeast(int wanted, int count, [CallerArgumentExpression(nameof(count))] string what = "") =>
        Assert.True(count >= wanted, $"{what}: {count}, wanted at least {wanted}");

    static int TypeBits(TypeRef t) => t switch
    {
        ScalarRef s => (int)MsvcLayout.Instance.Scalar(s.Type).Size * 8,
        EnumRef e => (int)SysVLayout.Instance.EnumStorage(e.Enum.Min, e.Enum.Max, e.Enum.Packed).Size * 8,
        AlignedTypedef d => (int)MsvcLayout.Instance.Scalar(d.Base).Size * 8,
        _ => 0,
    };

    [Fact]
    public void SysVLayoutsMatchCc()
    {
        var result = LayoutOracle.CheckSysV(RandomRecords.Generate(Count, Seed), Seed);
        LayoutOracle.AssertNone(result);
        Assert.True(result.BitfieldChecks >= 3000, $"only {result.BitfieldChecks} bitfield checks of {result.Compared}");
    }

    [Fact]
    public void WindowsLayoutsMatchMingw()
    {
        var result = LayoutOracle.CheckWindows(RandomRecords.Generate(Count, Seed, longDouble: false), Seed);
        LayoutOracle.AssertNone(result);
        Assert.True(result.BitfieldChecks >= 1500, $"only {result.BitfieldChecks} bitfield checks of {result.Compared}");
    }
}
