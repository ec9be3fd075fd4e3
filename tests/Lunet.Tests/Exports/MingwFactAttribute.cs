namespace Lunet.Tests.Exports;

/// <summary>
/// A test that needs the mingw-w64 cross compiler: reported as skipped, with the reason, where
/// it is missing, except when CI is set (CI installs it, so there a missing compiler fails the test).
/// </summary>
public sealed class MingwFactAttribute : FactAttribute
{
    public MingwFactAttribute()
    {
        if (SkipReason is { } reason) Skip = reason;
    }

    /// <summary>Why the PE tests cannot run here, or null when they can (or must: CI).</summary>
    public static string? SkipReason =>
        NativeTools.IsOnPath(NativeTools.MingwGcc) || Environment.GetEnvironmentVariable("CI") is { Length: > 0 }
            ? null
            : $"{NativeTools.MingwGcc} is not on PATH (apt-get install gcc-mingw-w64-x86-64); set CI=1 to make this a failure";
}
