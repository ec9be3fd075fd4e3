using System.Runtime.InteropServices;
using System.Text;
using Lunet.Tests.Support;
using static Lunet.Interop.LuaApi;

namespace Lunet.Bench;

/// <summary>
/// The struct-by-value row: builds bench/native/floor_struct.c (the C vec2_add the ffi calls and
/// its hand-written Lua C floor), registers floor_vec2_new and floor_vec2_add as globals, declares
/// Vec2 and opens the library as the global SLIB.
/// </summary>
static unsafe class StructFloor
{
    public static bool IsAvailable => Lunet.Ffi.Calls.NativeStubCompiler.IsSupported;

    public static void Register(LuaRuntime rt, string luaLibrary)
    {
        if (!IsAvailable) return;
        var dir = Path.Combine(NativeSetup.RepoRoot, "bench", "build");
        Directory.CreateDirectory(dir);
        var lib = Path.Combine(dir, "libfloor_struct.so");
        NativeBuild.Run(NativeBuild.Compiler(), $"-O2 -shared -fPIC -o \"{lib}\" \"{Path.Combine(NativeSetup.RepoRoot, "bench", "native", "floor_struct.c")}\" " +
            $"-L\"{Path.GetDirectoryName(luaLibrary)}\" -l:{Path.GetFileName(luaLibrary)} -Wl,-rpath,\"{Path.GetDirectoryName(luaLibrary)}\"");
        var h = NativeLibrary.Load(lib);
        foreach (var name in new[] { "floor_vec2_new", "floor_vec2_add", "floor_vec2_add_called" })
        {
            pushcclosure(rt.State, NativeLibrary.GetExport(h, name), 0);
            fixed (byte* n = Encoding.UTF8.GetBytes(name + "\0")) setglobal(rt.State, n);
        }
        rt.SetGlobal("STRUCTLIB", lib);
        rt.DoString("""
            ffi.cdef[[ typedef struct Vec2 { double x, y; } Vec2; ]]
            SLIB = ffi.open(STRUCTLIB)
            local r = SLIB:wrap("Vec2", "vec2_add", "Vec2", "Vec2")({x = 1, y = 2}, {x = 3, y = 4})
            assert(r.x == 4 and r.y == 6)
            assert(floor_vec2_add(floor_vec2_new(1, 2), floor_vec2_new(3, 4)))
            assert(floor_vec2_add_called(floor_vec2_new(1, 2), floor_vec2_new(3, 4)))
            """, "=struct setup");
    }

    /// <summary>
    /// vec2_add(Vec2, Vec2) -> Vec2 with two instances, against the floor with two full userdata: the
    /// issue's floor, which inlines vec2_add, and a second row whose floor calls it out of line, as a
    /// binding of a library function does.
    /// </summary>
    public static IEnumerable<Program.Shape> Shapes()
    {
        const string args = "local u, v = ffi.new(\"Vec2\", {x = 1, y = 2}), ffi.new(\"Vec2\", {x = 3, y = 4})";
        const string wrap = $"{args}\nlocal f = SLIB:wrap(\"Vec2\", \"vec2_add\", \"Vec2\", \"Vec2\")";
        const string floorArgs = "local u, v = floor_vec2_new(1, 2), floor_vec2_new(3, 4)";
        yield return new Program.Shape("vec2_add(Vec2, Vec2)", true,
            new Program.Measure("vec2_add wrap", "f(u, v)", wrap),
            new Program.Measure("vec2_add call", "lib:call(\"vec2_add\", \"Vec2\", {\"Vec2\", \"Vec2\"}, u, v)", $"{args}\nlocal lib = SLIB"),
            new Program.Measure("vec2_add call hoisted", "lib:call(\"vec2_add\", \"Vec2\", at, u, v)", $"{args}\nlocal lib = SLIB\nlocal at = {{\"Vec2\", \"Vec2\"}}"),
            new Program.Measure("vec2_add floor", "g(u, v)", $"{floorArgs}\nlocal g = floor_vec2_add"),
            Limit: 1.5);
        yield return new Program.Shape("vec2_add(Vec2, Vec2), floor calling vec2_add out of line", true,
            new Program.Measure("vec2_add wrap (out-of-line floor)", "f(u, v)", wrap),
            null, null,
            new Program.Measure("vec2_add floor, called", "g(u, v)", $"{floorArgs}\nlocal g = floor_vec2_add_called"),
            Limit: 1.5);
    }
}
