using System.Diagnostics;

namespace Lunet.Tests.Exports;

/// <summary>Runs the system tools the export tests compare against, and builds the test libraries once.</summary>
internal static class NativeTools
{
    public const string MingwGcc = "x86_64-w64-mingw32-gcc";
    public const string MingwObjdump = "x86_64-w64-mingw32-objdump";

    private static readonly Lazy<string> WorkDirectory = new(() =>
        Directory.CreateTempSubdirectory("lunet-exports-").FullName);

    private static readonly Lazy<string> ElfLibrary = new(() =>
    {
        string output = Path.Combine(WorkDirectory.Value, "libexports_test.so");
        Run("cc", $"-shared -fPIC -O1 -o \"{output}\" \"{NativeSource("exports_test.c")}\"");
        return output;
    });

    private static readonly Lazy<string> PeLibrary = new(() =>
    {
        if (!IsOnPath(MingwGcc))
        {
            throw new InvalidOperationException(
                $"{MingwGcc} was not found on PATH. The PE export tests need the mingw-w64 cross compiler: " +
                "apt-get install -y gcc-mingw-w64-x86-64");
        }
        string output = Path.Combine(WorkDirectory.Value, "exports_test_pe.dll");
        Run(MingwGcc, $"-shared -O1 -o \"{output}\" \"{NativeSource("exports_test_pe.c")}\" \"{NativeSource("exports_test_pe.def")}\"");
        return output;
    });

    /// <summary>tests/native/exports_test.c compiled with cc -shared -fPIC.</summary>
    public static string BuildElfTestLibrary() => ElfLibrary.Value;

    /// <summary>tests/native/exports_test_pe.c + .def cross-compiled to a Windows x64 DLL.</summary>
    public static string BuildPeTestLibrary() => PeLibrary.Value;

    public static string TempPath(string fileName) => Path.Combine(WorkDirectory.Value, fileName);

    /// <summary>Finds tests/native/&lt;name&gt; by walking up from the test binaries.</summary>
    public static string NativeSource(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "tests", "native", name);
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException($"tests/native/{name} not found above {AppContext.BaseDirectory}");
    }

    /// <summary>The real path of a system library, e.g. libz.so.1, from the usual Debian locations.</summary>
    public static string SystemLibrary(string soname)
    {
        string[] dirs = ["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib"];
        foreach (var dir in dirs)
        {
            string candidate = Path.Combine(dir, soname);
            if (File.Exists(candidate)) return new FileInfo(candidate).ResolveLinkTarget(true)?.FullName ?? candidate;
        }
        throw new FileNotFoundException($"system library {soname} not found in {string.Join(", ", dirs)}");
    }

    public static bool IsOnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Any(dir => dir.Length > 0 && File.Exists(Path.Combine(dir, tool)));

    public static string Run(string tool, string arguments)
    {
        var start = new ProcessStartInfo(tool, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {tool}");
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{tool} {arguments} failed with exit code {process.ExitCode}:\n{stderr.Result}");
        return stdout;
    }
}
