using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using static Lunet.Interop.LuaApi;

namespace Lunet.Bench;

/// <summary>
/// Builds bench/native/*.c into bench/build/ with the system C compiler and
/// registers the floor functions as Lua globals of a runtime.
/// </summary>
static unsafe class NativeSetup
{
    public static readonly string[] FloorFunctions =
    [
        "floor_noop", "floor_add_i32", "floor_add_f64", "floor_add6_i64", "floor_strlen", "floor_id_ptr",
        "floor_newbuf", "floor_buf_read_i32", "floor_buf_write_i32", "floor_buf_read_bytes",
    ];

    public static string RepoRoot { get; } = FindRoot();

    static string FindRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var dir = start; dir != null; dir = Path.GetDirectoryName(dir))
                if (File.Exists(Path.Combine(dir, "Lunet.slnx")) && Directory.Exists(Path.Combine(dir, "bench", "native")))
                    return dir;
        }
        throw new InvalidOperationException("repository root (Lunet.slnx with bench/native) not found");
    }

    static string BuildDir => Path.Combine(RepoRoot, "bench", "build");
    static string NativeDir => Path.Combine(RepoRoot, "bench", "native");

    /// <summary>The liblua54.so mapped into this process (the copy KeraLua loaded); the runtime must exist already.</summary>
    public static string LoadedLuaLibrary()
    {
        var paths = LuaMappings();
        if (paths.Count != 1)
            throw new InvalidOperationException($"expected one liblua54 in the process, found {paths.Count}: {string.Join(", ", paths)}");
        return paths[0];
    }

    /// <summary>The distinct files named liblua54* mapped into this process.</summary>
    public static List<string> LuaMappings() =>
        File.ReadLines("/proc/self/maps")
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length >= 6 && Path.GetFileName(f[5]).StartsWith("liblua54", StringComparison.Ordinal))
            .Select(f => f[5]).Distinct().ToList();

    /// <summary>Compiles benchlib.c and floor.c (linked by soname against <paramref name="luaLibrary"/>); returns their paths.</summary>
    public static (string benchlib, string floor) Build(string luaLibrary)
    {
        Directory.CreateDirectory(BuildDir);
        var cc = Compiler();
        var benchlib = Path.Combine(BuildDir, "libbench.so");
        var floor = Path.Combine(BuildDir, "libfloor.so");
        Run(cc, $"-O2 -shared -fPIC -o \"{benchlib}\" \"{Path.Combine(NativeDir, "benchlib.c")}\"");
        var luaDir = Path.GetDirectoryName(luaLibrary)!;
        var luaFile = Path.GetFileName(luaLibrary);
        Run(cc, $"-O2 -shared -fPIC -o \"{floor}\" \"{Path.Combine(NativeDir, "floor.c")}\" " +
                $"-L\"{luaDir}\" -l:{luaFile} -Wl,-rpath,\"{luaDir}\"");
        return (benchlib, floor);
    }

    /// <summary>Loads the floor library and sets each floor_* function as a global of the runtime's state.</summary>
    public static void RegisterFloor(LuaRuntime rt, string floorPath)
    {
        var h = NativeLibrary.Load(floorPath);
        var L = rt.State;
        foreach (var name in FloorFunctions)
        {
            pushcclosure(L, NativeLibrary.GetExport(h, name), 0);
            fixed (byte* n = Encoding.UTF8.GetBytes(name + "\0")) setglobal(L, n);
        }
    }

    public static string Compiler()
    {
        foreach (var cc in new[] { Environment.GetEnvironmentVariable("CC"), "cc", "gcc", "clang" })
        {
            if (string.IsNullOrEmpty(cc)) continue;
            if (Path.IsPathRooted(cc)) { if (File.Exists(cc)) return cc; continue; }
            foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
                if (File.Exists(Path.Combine(dir, cc))) return Path.Combine(dir, cc);
        }
        throw new InvalidOperationException("no C compiler found (tried $CC, cc, gcc, clang)");
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
}
