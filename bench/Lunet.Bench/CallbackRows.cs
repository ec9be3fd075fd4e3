using System.Runtime.InteropServices;
using System.Text;
using Lunet.Tests.Support;
using static Lunet.Interop.LuaApi;

namespace Lunet.Bench;

/// <summary>
/// The callback rows: C calling an int(int) ffi.callback in a loop, and libc qsort of 100,000
/// ints with a Lua comparator, each per call against its floor in bench/native/floor_callback.c
/// (C calling the same Lua function with lua_call), measured in the same run.
/// </summary>
static unsafe class CallbackRows
{
    const int SortCount = 100_000;

    public static void Append(LuaRuntime rt, string luaLibrary, long n, int reps, Action<string> line)
    {
        var cc = NativeBuild.Compiler();
        var dir = Path.Combine(NativeSetup.RepoRoot, "bench", "build");
        Directory.CreateDirectory(dir);
        var lib = Path.Combine(dir, "libfloorcb.so");
        NativeBuild.Run(cc, $"-O2 -shared -fPIC -o \"{lib}\" \"{Path.Combine(NativeSetup.RepoRoot, "bench", "native", "floor_callback.c")}\" " +
            $"-L\"{Path.GetDirectoryName(luaLibrary)}\" -l:{Path.GetFileName(luaLibrary)} -Wl,-rpath,\"{Path.GetDirectoryName(luaLibrary)}\"");
        var h = NativeLibrary.Load(lib);
        foreach (var name in new[] { "floor_cb_loop", "floor_qsort" })
        {
            pushcclosure(rt.State, NativeLibrary.GetExport(h, name), 0);
            fixed (byte* s = Encoding.UTF8.GetBytes(name + "\0")) setglobal(rt.State, s);
        }
        rt.SetGlobal("FLOORCB", lib);
        var r = rt.DoString("""
            local N, REPS, SORT = ...
            local ffi = require("ffi")
            local lib = ffi.open(FLOORCB)
            local loop = lib:wrap("i64", "cb_loop", "pointer", "i32")
            local qsort = ffi.C:wrap("void", "qsort", "pointer", "size_t", "size_t", "pointer")
            local memcpy = ffi.C:wrap("pointer", "memcpy", "pointer", "pointer", "size_t")
            local clock, cast = os.clock, ffi.cast
            local id = function(x) return x end
            local cb = ffi.callback(id, "i32", {"i32"})
            local cmp = function(a, b)
              local x, y = cast(a, "i32"), cast(b, "i32")
              return x < y and -1 or (x > y and 1 or 0)
            end
            local cmpcb = ffi.callback(cmp, "int", {"const void *", "const void *"})
            local src, work = ffi.buffer(4 * SORT), ffi.buffer(4 * SORT)
            local seed = 1
            for i = 0, SORT - 1 do seed = (seed * 1103515245 + 12345) % 2147483648; src:write(i * 4, "i32", seed) end
            -- The best of REPS runs of each, the two alternating (the first round warms up), so a
            -- change in the machine's load weighs on both alike.
            local function best(f, g)
              local bf, bg = math.huge, math.huge
              for r = 1, REPS + 1 do
                local tf, tg = f(), g()
                if r > 1 then bf, bg = math.min(bf, tf), math.min(bg, tg) end
              end
              return bf, bg
            end
            local loopFfi, loopFloor = best(
              function() local t = clock(); loop(cb, N); return clock() - t end,
              function() local t = clock(); floor_cb_loop(id, N); return clock() - t end)
            memcpy(work, src, 4 * SORT)
            local comparisons = floor_qsort(work.ptr, SORT, cmp)
            local sortFfi, sortFloor = best(
              function() memcpy(work, src, 4 * SORT); local t = clock(); qsort(work, SORT, 4, cmpcb); return clock() - t end,
              function() memcpy(work, src, 4 * SORT); local t = clock(); floor_qsort(work.ptr, SORT, cmp); return clock() - t end)
            for i = 1, SORT - 1 do assert(work:read((i - 1) * 4, "i32") <= work:read(i * 4, "i32")) end
            cb:free(); cmpcb:free()
            return loopFfi * 1e9 / N, loopFloor * 1e9 / N, sortFfi * 1e9 / comparisons, sortFloor * 1e9 / comparisons, comparisons
            """, "=callback rows", n, reps, SortCount);
        double loopFfi = Convert.ToDouble(r[0]), loopFloor = Convert.ToDouble(r[1]);
        double sortFfi = Convert.ToDouble(r[2]), sortFloor = Convert.ToDouble(r[3]);
        line("\n### Callbacks: C calling Lua through ffi.callback\n");
        line($"Floors: C calling the same Lua function with lua_call (bench/native/floor_callback.c). qsort: {SortCount:N0} ints, {r[4]} comparisons, ns per comparison.\n");
        line("| shape | ffi.callback ns/call | floor ns/call | × floor | target | result |");
        line("|---|---:|---:|---:|---|---|");
        foreach (var (name, ffi, floor) in new[] { ("C loop calling int(int)", loopFfi, loopFloor), ("libc qsort, Lua comparator (ffi.cast)", sortFfi, sortFloor) })
            line($"| {name} | {ffi:F1} | {floor:F1} | {ffi / floor:F2} | ≤ 1.6× floor | {(ffi / floor <= 1.6 ? "PASS" : "MISS")} |");
    }
}
