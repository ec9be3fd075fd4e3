namespace Lunet.Tests.Support;

/// <summary>
/// Tests that compare two timings within one run: they run after every other test, alone,
/// because the tests running beside them in parallel would slow one timing and not the other.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AloneCollection
{
    public const string Name = "run alone";
}
