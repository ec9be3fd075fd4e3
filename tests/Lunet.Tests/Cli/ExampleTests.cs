using System.Runtime.InteropServices;
using Lunet.Tests.Support;

namespace Lunet.Tests.Cli;

/// <summary>The scripts in examples/ run through the lunet command against the real system libraries, so they stay true.</summary>
public class ExampleTests
{
    public static TheoryData<string> Examples()
    {
        var data = new TheoryData<string>();
        foreach (var path in Directory.GetFiles(Path.Combine(NativeBuild.RepoRoot, "examples"), "*.lua").Order(StringComparer.Ordinal))
            data.Add(Path.GetFileName(path));
        return data;
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void ExampleRunsAndPrints(string example)
    {
        var r = CliRunner.Run(Path.Combine(NativeBuild.RepoRoot, "examples", example));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.NotEmpty(r.Stdout);
        Assert.Empty(r.Stderr);
    }

    [Fact]
    public void HelloReportsWhatItGotFromLibcLibmAndZlib()
    {
        var r = CliRunner.Run(Path.Combine(NativeBuild.RepoRoot, "examples", "hello.lua"));
        Assert.Contains("strlen(\"Hello from Lua through the ffi\") = 30", r.Stdout);
        Assert.Contains($"getpid() = ", r.Stdout);
        Assert.Contains("cos(0) = 1, sqrt(2) = 1.414214", r.Stdout);
        Assert.Contains("crc32('hello') = 0x3610a686", r.Stdout);
    }

    [Fact]
    public void QsortSortsWithALuaComparator()
    {
        var r = CliRunner.Run(Path.Combine(NativeBuild.RepoRoot, "examples", "qsort.lua"), "500");
        Assert.True(r.ExitCode == 0, r.ToString());
        var lines = r.Stdout.Split('\n');
        Assert.StartsWith("500 numbers sorted by libc qsort with a Lua comparator (", lines[0]);
        // The first 20 printed: the script's generator, sorted here.
        var expected = new List<long>();
        long seed = 12345;
        for (int i = 0; i < 500; i++)
        {
            seed = (seed * 1103515245 + 12345) % 2147483648;
            expected.Add(seed % 1000 - 500);
        }
        expected.Sort();
        Assert.Equal(string.Join(" ", expected.Take(20)) + " ...", lines[1]);
    }

    [Fact]
    public void Crc32OfAFileStreamedInChunksMatchesTheChecksumComputedHere()
    {
        // A file of several chunks with a short last one, and bytes of every value.
        var dir = CliRunner.TempDir();
        var file = Path.Combine(dir, "data.bin");
        var bytes = new byte[3 * 1000 + 17];
        for (int i = 0; i < bytes.Length; i++) bytes[i] = (byte)(i * 7 + i / 256);
        File.WriteAllBytes(file, bytes);

        var r = CliRunner.Run(Path.Combine(NativeBuild.RepoRoot, "examples", "crc32.lua"), file, "1000");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal($"crc32 {Crc32(bytes):x8}  {bytes.Length} bytes in 4 chunks of 1000  {file}\n", r.Stdout);
    }

    /// <summary>CRC-32 (the reflected polynomial 0xEDB88320 of zlib and gzip), bit by bit.</summary>
    private static uint Crc32(byte[] data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (var b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
        }
        return ~crc;
    }

    [Fact]
    public void Sqlite3InsertsWithBoundParametersAndQueriesTheRowsBack()
    {
        var r = CliRunner.Run(Path.Combine(NativeBuild.RepoRoot, "examples", "sqlite3.lua"));
        Assert.True(r.ExitCode == 0, r.ToString());
        var lines = r.Stdout.TrimEnd('\n').Split('\n');
        Assert.Matches(@"^sqlite 3\.\d+\.\d+$", lines[0]);
        Assert.Equal(
            ["Earth    moons=1 au=1.00", "Mars     moons=2 au=1.52", "Jupiter  moons=95 au=5.20", "3 rows with at least one moon"],
            lines[1..]);
    }

    [Fact]
    public void UnameFillsAStructDeclaredWithCdefAsTheSystemReportsIt()
    {
        var r = CliRunner.Run(Path.Combine(NativeBuild.RepoRoot, "examples", "uname.lua"));
        Assert.True(r.ExitCode == 0, r.ToString());
        string Uname(string option) => CliRunner.Exec("uname", [option]).Stdout.Trim();
        Assert.Contains($"sysname  {Uname("-s")}\n", r.Stdout);
        Assert.Contains($"release  {Uname("-r")}\n", r.Stdout);
        Assert.Contains($"machine  {Uname("-m")}\n", r.Stdout);
        if (RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
            Assert.StartsWith("struct utsname: 390 bytes, machine at offset 260\n", r.Stdout);
    }

    [Fact]
    public void StatThroughTheRealHeaderPrintsWhatStatDashCPrints()
    {
        var dir = CliRunner.TempDir();
        var file = Path.Combine(dir, "some file.txt");
        File.WriteAllBytes(file, new byte[4321]);
        var script = Path.Combine(NativeBuild.RepoRoot, "examples", "stat.lua");
        foreach (var (path, args) in new[] { (file, new[] { file }), (dir, new[] { dir }), (script, Array.Empty<string>()) })
        {
            var r = CliRunner.Run([script, .. args]);
            Assert.True(r.ExitCode == 0, r.ToString());
            var fields = CliRunner.Exec("stat", ["-c", "%s %f %Y", path]).Stdout.Trim().Split(' ');
            var mode = Convert.ToString(Convert.ToInt64(fields[1], 16), 8);
            Assert.Contains($"file   {path}\n", r.Stdout);
            Assert.Contains($"size   {fields[0]} bytes\n", r.Stdout);
            Assert.Contains($"mode   {mode} (", r.Stdout);
            Assert.Matches($@"mtime  \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d \({fields[2]}\)\n", r.Stdout);
        }
        var missing = CliRunner.Run(script, Path.Combine(dir, "missing"));
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("stat.lua: cannot stat ", missing.Stderr);
    }
}
