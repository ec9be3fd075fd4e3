using System.Diagnostics;

namespace Lunet.Tests.Support;

/// <summary>
/// Compiles the C (and C++: *.cpp) test libraries in tests/native with the system
/// compiler, once per test run, into a temporary folder. No compiler is a test
/// failure with a clear message, not a skip.
/// </summary>
public static class NativeBuild
{
    static readonly Dictionary<string, string> Built = new();
    static readonly string OutDir = CreateOutDir();

    static string CreateOutDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"lunet-native-{Environment.ProcessId}");
        // Loaded libraries may go while mapped (Linux keeps the mapping); the folder goes at exit.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        };
        return dir;
    }

    public static string RepoRoot { get; } = FindRoot();

    public static string NativeDir => Path.Combine(RepoRoot, "tests", "native");

    /// <summary>Builds tests/native/{source} into lib{name}.so and returns its full path.</summary>
    public static string SharedLibrary(string source, string? extraFlags = null)
    {
        lock (Built)
        {
            if (Built.TryGetValue(source + extraFlags, out var done)) return done;
            Directory.CreateDirectory(OutDir);
            var output = Path.Combine(OutDir, "lib" + Path.GetFileNameWithoutExtension(source) + ".so");
            var compiler = source.EndsWith(".cpp", StringComparison.Ordinal) ? CxxCompiler() : Compiler();
            Run(compiler, $"-shared -fPIC -O2 -o \"{output}\" \"{Path.Combine(NativeDir, source)}\" {extraFlags}");
            Built[source + extraFlags] = output;
            return output;
        }
    }

    public static string Compiler()
    {
        foreach (var cc in new[] { Environment.GetEnvironmentVariable("CC"), "cc", "gcc", "clang" })
        {
            if (string.IsNullOrEmpty(cc)) continue;
            if (FindOnPath(cc) is string found) return found;
        }
        throw new InvalidOperationException("no C compiler found (tried $CC, cc, gcc, clang): install gcc to build the test libraries");
    }

    /// <summary>The C++ compiler: $CXX, c++, g++ or clang++.</summary>
    public static string CxxCompiler()
    {
        foreach (var cxx in new[] { Environment.GetEnvironmentVariable("CXX"), "c++", "g++", "clang++" })
        {
            if (string.IsNullOrEmpty(cxx)) continue;
            if (FindOnPath(cxx) is string found) return found;
        }
        throw new InvalidOperationException("no C++ compiler found (tried $CXX, c++, g++, clang++): install g++ to build the C++ test library");
    }

    static string? FindOnPath(string exe)
    {
        if (Path.IsPathRooted(exe)) return File.Exists(exe) ? exe : null;
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            var p = Path.Combine(dir, exe);
            if (File.Exists(p)) return p;
        }
        return null;
    }

    public static string Run(string exe, string arguments)
    {
        var psi = new ProcessStartInfo(exe, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"{exe} {arguments} failed ({p.ExitCode}):\n{stderr}");
        return stdout.Result;
    }

    static string FindRoot()
    {
        var dir = AppContext.BaseDirectory;
        while (dir != null && !File.Exists(Path.Combine(dir, "Lunet.slnx")))
            dir = Path.GetDirectoryName(dir);
        return dir ?? throw new InvalidOperationException("repository root (Lunet.slnx) not found");
    }
}
