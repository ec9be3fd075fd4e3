namespace Lunet.Tests.Support;

/// <summary>The test process's own size, for tests that bound what a loop may leave behind.</summary>
public static class ProcessMemory
{
    /// <summary>The resident set (VmRSS of /proc/self/status), in KiB; 0 where there is no such file.</summary>
    public static long ResidentKiB()
    {
        if (!File.Exists("/proc/self/status")) return 0;
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line[6..].Trim().Split(' ')[0]);
        return 0;
    }
}
