namespace Lunet.Tests.Support;

/// <summary>Compiles a C program with the platform's compiler and returns what it prints: what C itself says of sizes and layouts.</summary>
public static class CProgram
{
    public static string Output(string source)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"lunet-cprog-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            var c = Path.Combine(dir, "probe.c");
            var exe = Path.Combine(dir, "probe");
            File.WriteAllText(c, source);
            NativeBuild.Run(NativeBuild.Compiler(), $"-o \"{exe}\" \"{c}\"");
            return NativeBuild.Run(exe, "");
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
