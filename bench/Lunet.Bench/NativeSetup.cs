using Lunet.Tests.Support;
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
        "floor_noop", "floor_add_i32", "floor_add_f64", "floor_add6_i64", "floor_strlen", "floor_id_ptr", "floor_ptr_read",
        "floor_newbuf", "floor_buf_read_i32", "floor_buf_write_i32", "floor_buf_read_bytes",
        "floor_point_index", "floor_point_newindex", "floor_point_constructor", "floor_int_array_index", "floor_int_array_newindex",
        "floor_snprintf", "floor_sum_va", "floor_errno",
    ];

    // Finding the compiler, running it and finding the repository are the test build's (linked in).
    public static string RepoRoot => NativeBuild.RepoRoot;

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
        var cc = NativeBuild.Compiler();
        var benchlib = Path.Combine(BuildDir, "libbench.so");
        var floor = Path.Combine(BuildDir, "libfloor.so");
        NativeBuild.Run(cc, $"-O2 -shared -fPIC -o \"{benchlib}\" \"{Path.Combine(NativeDir, "benchlib.c")}\"");
        var luaDir = Path.GetDirectoryName(luaLibrary)!;
        var luaFile = Path.GetFileName(luaLibrary);
        NativeBuild.Run(cc, $"-O2 -shared -fPIC -o \"{floor}\" \"{Path.Combine(NativeDir, "floor.c")}\" " +
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
}
