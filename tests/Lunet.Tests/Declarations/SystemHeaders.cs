using Lunet.Tests.Support;

namespace Lunet.Tests.Declarations;

/// <summary>
/// Real system headers run through the C preprocessor (cc -E -P), once per test run. A missing
/// header fails with the package that provides it: CI must install it, not skip the test.
/// </summary>
public static class SystemHeaders
{
    static readonly Dictionary<string, string> Cache = new();

    public static readonly IReadOnlyDictionary<string, string> Packages = new Dictionary<string, string>
    {
        ["zlib.h"] = "zlib1g-dev",
        ["sqlite3.h"] = "libsqlite3-dev",
    };

    public static readonly string[] All =
        ["zlib.h", "sqlite3.h", "stdio.h", "stdlib.h", "string.h", "time.h", "sys/stat.h", "math.h", "pthread.h"];

    /// <summary>The preprocessed text of &lt;<paramref name="header"/>&gt;.</summary>
    public static string Preprocessed(string header)
    {
        lock (Cache)
        {
            if (Cache.TryGetValue(header, out var done)) return done;
            var source = Path.Combine(Path.GetTempPath(), $"lunet-cdef-{Environment.ProcessId}-{header.Replace('/', '_')}.c");
            File.WriteAllText(source, $"#include <{header}>\n");
            try
            {
                var text = NativeBuild.Run(NativeBuild.Compiler(), $"-E -P \"{source}\"");
                Cache[header] = text;
                return text;
            }
            catch (InvalidOperationException e) when (e.Message.Contains("No such file"))
            {
                var package = Packages.TryGetValue(header, out var p) ? p : "the C library development headers";
                throw new InvalidOperationException($"header <{header}> is missing: install {package}", e);
            }
            finally
            {
                File.Delete(source);
            }
        }
    }
}
