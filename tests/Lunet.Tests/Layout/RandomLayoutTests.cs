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
        Assert.True(unit.Records.Count(r => r.Kind == RecordKind.Union) >= 60);
        Assert.True(unit.Records.Count(r => r.Pack != 0) >= 50);
        Assert.True(unit.Records.Count(r => r.Packed) >= 50);
        Assert.True(unit.Records.Count(r => r.Aligned != 0) >= 40);
        Assert.True(unit.Records.Count(r => r.Members.Any(m => m.Type is ArrayRef { Count: null })) >= 20);
        Assert.True(members.Count(m => m.Width is > 0) >= 1000);
        Assert.True(members.Count(m => m.Width == 0) >= 50);
        Assert.True(members.Count(m => m.Width is > 0 && m.Name is null) >= 50);
        Assert.True(members.Count(m => m.Packed) >= 100);
        Assert.True(members.Count(m => m.Aligned != 0) >= 100);
        Assert.True(members.Count(m => m.Type is RecordRef or ArrayRef { Element: RecordRef }) >= 100);
        Assert.True(members.Count(m => m.Type is EnumRef) >= 100);
        Assert.True(members.Count(m => m.Type is ArrayRef { Count: 0 }) >= 30);
        // Every width of every bitfield type size.
        var missing = new[] { 8, 16, 32, 64 }
            .SelectMany(bits => Enumerable.Range(1, bits).Where(w => !members.Any(m => m.Width == w && TypeBits(m.Type) == bits)).Select(w => $"{w} of {bits}"))
            .ToList();
        Assert.True(missing.Count == 0, "widths never generated: " + string.Join(", ", missing));
    }

    static int TypeBits(TypeRef t) => t switch
    {
        ScalarRef s => (int)MsvcLayout.Instance.Scalar(s.Type).Size * 8,
        EnumRef e => (int)SysVLayout.Instance.EnumStorage(e.Enum.Min, e.Enum.Max, e.Enum.Packed).Size * 8,
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
