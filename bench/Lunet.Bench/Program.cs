using Lunet.Tests.Support;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;

namespace Lunet.Bench;

/// <summary>
/// The call-cost benchmark: each call shape through lib:wrap, lib:call (table
/// inline and hoisted) and the hand-written Lua C function that is the floor for
/// this VM, timed from Lua loops with os.clock, best of several repetitions.
/// Prints a markdown table; never fails on a missed target.
/// </summary>
static class Program
{
    static long N = 5_000_000;
    static int Reps = 5;
    static bool Subtract;
    /// <summary>--only TEXT: just the rows whose name contains TEXT (no probes, callbacks, parsing or export listing).</summary>
    static string? Only;
    static bool PublishAot;
    static readonly StringBuilder Out = new();

    static int Main(string[] args)
    {
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        string? markdown = null, svg = null;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--markdown": markdown = args[++i]; break;
                case "--svg": svg = args[++i]; break;
                case "-n" or "--n": N = long.Parse(args[++i]); break;
                case "--reps": Reps = int.Parse(args[++i]); break;
                case "--subtract-baseline": Subtract = true; break;
                case "--quick": N = 1_000_000; Reps = 3; break;
                case "--only": Only = args[++i]; break;
                case "--publish-aot": PublishAot = true; break;
                case "-h" or "--help":
                    Console.WriteLine("usage: bench/run [--n ITER] [--reps R] [--subtract-baseline] [--quick] [--only TEXT] [--publish-aot] [--markdown FILE] [--svg FILE]");
                    return 0;
                default:
                    Console.Error.WriteLine($"unknown argument {args[i]} (try --help)");
                    return 2;
            }
        }
        if (!OperatingSystem.IsLinux())
        {
            Console.Error.WriteLine("the benchmark builds ELF libraries with cc and reads /proc: Linux only for now");
            return 2;
        }

        using var rt = new LuaRuntime(new LuaRuntimeOptions { Ffi = FfiAccess.Full });
        var lua = NativeSetup.LoadedLuaLibrary();
        var (benchlib, floor) = NativeSetup.Build(lua);
        NativeSetup.RegisterFloor(rt, floor);
        // Linked by soname: the floor library must reuse the liblua54 already loaded, not map a second one.
        var mapped = NativeSetup.LuaMappings();
        if (mapped.Count != 1)
        {
            Console.Error.WriteLine($"floor library mapped a second liblua54: {string.Join(", ", mapped)}");
            return 1;
        }
        Probes.Register(rt, benchlib);
        rt.SetGlobal("BENCHLIB", benchlib);
        rt.DoString("""
            ffi = require("ffi")
            LIB = ffi.open(BENCHLIB)
            C = ffi.C
            assert(floor_add_i32(40, 2) == 42 and floor_add_f64(1.5, 2.5) == 4.0)
            assert(floor_add6_i64(1, 2, 3, 4, 5, 6) == 21 and floor_strlen("hello") == 5)
            local p = LIB:getSymbol("noop")
            assert(floor_id_ptr(p) == p)
            assert(LIB:wrap("i32", "add_i32", "i32", "i32")(40, 2) == 42)
            assert(LIB:call("add6_i64", "i64", {"i64","i64","i64","i64","i64","i64"}, 1, 2, 3, 4, 5, 6) == 21)
            assert(probe_add_calli(40, 2) == 42 and probe_add_cs(40, 2) == 42)
            """, "=setup");
        StructFloor.Register(rt, lua);
        bool hasBuffer = (bool)rt.DoString("return ffi.buffer ~= nil")[0]!;
        bool hasStructs = (bool)rt.DoString("return ffi.struct ~= nil and ffi.new ~= nil")[0]!;
        if (hasStructs)
            rt.DoString("""
                BenchPoint = ffi.struct("struct BenchPoint { double x, y; }")
                local p = ffi.new(BenchPoint)
                p.x = 1.5
                assert(p.x == 1.5 and p.y == 0)
                local fp = floor_point_constructor({ __index = floor_point_index, __newindex = floor_point_newindex })()
                fp.x = 1.5
                assert(fp.x == 1.5 and fp.y == 0)
                local a = ffi.new("int[1000]")
                a[7] = 42
                assert(a[7] == 42)
                """, "=struct setup");

        DeclaredRows.Setup(rt);

        bool Selected(string name) => Only == null || name.Contains(Only, StringComparison.OrdinalIgnoreCase);
        var shapes = Shapes(hasBuffer).Where(s => Selected(s.Name)).ToList();
        var structRows = (hasStructs ? StructRows() : []).Where(r => Selected(r.Name)).ToList();
        var declared = DeclaredRows.Rows().Where(r => Selected(r.Name) || Selected(r.Via)).ToList();
        var errnoRows = Selected("errno") ? ErrnoRows.Make() : null;
        var probes = Only == null ? ProbeRows() : [];
        var all = shapes.SelectMany(s => s.Measures()).Concat(structRows.SelectMany(r => new[] { r.Ffi, r.Floor }))
            .Concat(DeclaredRows.Measures(declared)).Concat(errnoRows?.All ?? []).Concat(probes).ToList();
        var baseline = new Measure("empty loop", "");
        all.Add(baseline);

        Console.Error.WriteLine($"warming up ({all.Count} loops)...");
        for (int w = 0; w < 2; w++)
            foreach (var m in all) m.Run(rt, Math.Max(N / 10, 100_000));
        Thread.Sleep(500); // let tier-1 compilation of anything still queued finish
        foreach (var m in all) m.Run(rt, Math.Max(N / 10, 100_000));

        Console.Error.WriteLine($"timing: {N:N0} iterations, best of {Reps}...");
        for (int r = 0; r < Reps; r++)
            foreach (var m in all) m.Best = Math.Min(m.Best, m.Run(rt, N));

        double b = baseline.Ns;
        double Ns(Measure m) => Subtract ? m.Ns - b : m.Ns;

        Header(rt, hasBuffer, b);
        Line("| shape | via | ffi ns/call | floor ns/call | × floor | × lib:wrap | target | result |");
        Line("|---|---|---:|---:|---:|---:|---|---|");
        foreach (var s in shapes)
        {
            double floorNs = Ns(s.Floor);
            double wrapNs = Ns(s.Wrap);
            double limit = s.Limit ?? (s.HasArgs ? 1.6 : 2.5);
            double ratio = wrapNs / floorNs;
            Line($"| {s.Name} | {s.WrapLabel} | {wrapNs:F1} | {floorNs:F1} | {ratio:F2} | | ≤ {limit}× floor | {(ratio <= limit ? "PASS" : "MISS")} |");
            foreach (var (label, m) in new[] { ("lib:call, table inline", s.CallInline), ("lib:call, table hoisted", s.CallHoisted) })
            {
                if (m == null) continue;
                double ns = Ns(m);
                double vsWrap = ns / wrapNs;
                Line($"| {s.Name} | {label} | {ns:F1} | {floorNs:F1} | {ns / floorNs:F2} | {vsWrap:F2} | ≤ 2× lib:wrap | {(vsWrap <= 2 ? "PASS" : "MISS")} |");
            }
        }
        if (!hasBuffer) Line("\nBuffer rows skipped: `ffi.buffer` does not exist in this build.");

        Line("\n### Struct fields, instances and arrays\n");
        if (!hasStructs) Line("Skipped: `ffi.struct` / `ffi.new` do not exist in this build.");
        else
        {
            Line("`struct BenchPoint { double x, y; }` and `int[1000]`; the floor is a full userdata of the same C type with " +
                 "`__index` / `__newindex` written in C (bench/native/floor.c: the key compared with strcmp, the index bounds-checked), " +
                 "and for `ffi.new` `lua_newuserdatauv` + memset + `lua_setmetatable` from C.\n");
            Line("| operation | ffi ns/op | floor ns/op | × floor | target | result |");
            Line("|---|---:|---:|---:|---|---|");
            foreach (var r in structRows)
            {
                double ns = Ns(r.Ffi), floorNs = Ns(r.Floor), ratio = ns / floorNs;
                Line($"| {r.Name} | {ns:F1} | {floorNs:F1} | {ratio:F2} | ≤ {r.Limit}× floor | {(ratio <= r.Limit ? "PASS" : "MISS")} |");
            }
            if (Only == null) CdefParse();
        }

        DeclaredRows.Append(declared, Ns, Line);
        if (errnoRows != null) ErrnoRows.Append(errnoRows, baseline, Ns, Line);

        Line("\n### Where the time goes: the call path one piece at a time\n");
        Line("Each row is a Lua function built by hand in C# (bench/Lunet.Bench/Probes.cs) that adds one piece of the ffi's path; " +
             "`Δ` is the difference to the row above it.\n");
        Line("| probe | ns/call | Δ |");
        Line("|---|---:|---:|");
        double? prev = null;
        foreach (var p in probes)
        {
            if (p.Name == "-") { prev = null; continue; }
            double ns = Ns(p);
            Line($"| {p.Name} | {ns:F1} | {(prev is double q ? $"{ns - q:+0.0;-0.0}" : "")} |");
            prev = ns;
        }

        if (Only == null)
        {
            CallbackRows.Append(rt, lua, N, Reps, Line);
            ExportListing();
        }
        if (Selected("cold start"))
        {
            if (PublishAot) ColdStartRows.PublishAot();
            ColdStartRows.Append(Line);
        }

        Console.Write(Out.ToString());
        if (markdown != null)
        {
            File.WriteAllText(markdown, Out.ToString());
            Console.Error.WriteLine($"wrote {markdown}");
        }
        if (svg != null)
        {
            var rows = shapes.Select(s => new PerformanceChart.Row($"{s.Name} ({s.WrapLabel})", Ns(s.Wrap), Ns(s.Floor))).ToList();
            File.WriteAllText(svg, PerformanceChart.Svg(rows, $"{N:N0} iterations, best of {Reps}; {Environment.ProcessorCount} CPUs; bench/run"));
            Console.Error.WriteLine($"wrote {svg}");
        }
        return 0;
    }

    static void Line(string s) => Out.AppendLine(s);

    static void Header(LuaRuntime rt, bool hasBuffer, double baseline)
    {
        var cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name"))?.Split(':', 2)[1].Trim() ?? "?";
        Line("## Call cost: ffi against the Lua C API floor\n");
        Line($"- machine: {Environment.ProcessorCount} CPUs, {cpu}, {RuntimeInformation.OSDescription}");
        Line($"- .NET {Environment.Version} ({RuntimeInformation.FrameworkDescription}), {(Debugger.IsAttached ? "debugger attached, " : "")}tiered compilation default");
        Line($"- {N:N0} iterations per loop, best of {Reps} repetitions, after a warm-up; os.clock");
        Line($"- empty Lua loop: {baseline:F2} ns/iteration, " +
             (Subtract ? "**subtracted** from every figure below" : "**not subtracted**: every figure includes the loop"));
        Line("- targets: ≤ 1.6× the floor for shapes with arguments, ≤ 2.5× for noop, lib:call ≤ 2× lib:wrap. " +
             "The benchmark reports; it never fails.\n");
    }

    /// <summary>One timed Lua loop: `setup` runs once, `body` N times.</summary>
    internal sealed class Measure(string name, string body, string setup = "")
    {
        public string Name { get; } = name;
        public double Best = double.MaxValue;
        public double Ns => Best * 1e9 / N;

        string Chunk => $$"""
            local N = ...
            {{setup}}
            local clock = os.clock
            local t0 = clock()
            for i = 1, N do {{body}} end
            return clock() - t0
            """;

        string? chunk;

        /// <summary>Seconds for <paramref name="n"/> iterations.</summary>
        public double Run(LuaRuntime rt, long n)
        {
            chunk ??= Chunk;
            return Convert.ToDouble(rt.DoString(chunk, "=" + Name, n)[0]);
        }
    }

    internal sealed record Shape(string Name, bool HasArgs, Measure Wrap, Measure? CallInline, Measure? CallHoisted, Measure Floor,
        string WrapLabel = "lib:wrap", double? Limit = null)
    {
        public IEnumerable<Measure> Measures() =>
            new[] { Wrap, CallInline, CallHoisted, Floor }.Where(m => m != null)!;
    }

    /// <summary>A function shape: the library, name, return and argument types, the argument text, the floor.</summary>
    static Shape Fn(string name, string lib, string fn, string ret, string[] types, string args, string floor, string setup = "")
    {
        var quoted = string.Join(", ", types.Select(t => $"\"{t}\""));
        var wrapArgs = types.Length == 0 ? "" : ", " + quoted;
        var callArgs = args.Length == 0 ? "" : ", " + args;
        return new Shape(name, types.Length > 0,
            new Measure($"{name} wrap", $"f({args})", $"{setup}\nlocal f = {lib}:wrap(\"{ret}\", \"{fn}\"{wrapArgs})"),
            new Measure($"{name} call", $"lib:call(\"{fn}\", \"{ret}\", {{{quoted}}}{callArgs})", $"{setup}\nlocal lib = {lib}"),
            new Measure($"{name} call hoisted", $"lib:call(\"{fn}\", \"{ret}\", at{callArgs})", $"{setup}\nlocal lib = {lib}\nlocal at = {{{quoted}}}"),
            new Measure($"{name} floor", $"g({args})", $"{setup}\nlocal g = {floor}"));
    }

    static List<Shape> Shapes(bool hasBuffer)
    {
        var list = new List<Shape>
        {
            Fn("noop", "LIB", "noop", "void", [], "", "floor_noop"),
            Fn("add i32", "LIB", "add_i32", "i32", ["i32", "i32"], "i, 2", "floor_add_i32"),
            Fn("add f64", "LIB", "add_f64", "f64", ["f64", "f64"], "x, 2.5", "floor_add_f64", "local x = 1.5"),
            Fn("six i64", "LIB", "add6_i64", "i64", ["i64", "i64", "i64", "i64", "i64", "i64"], "i, 2, 3, 4, 5, 6", "floor_add6_i64"),
            Fn("strlen (libc)", "C", "strlen", "size_t", ["string"], "s", "floor_strlen", "local s = \"hello, world\""),
            Fn("pointer arg", "LIB", "id_ptr", "pointer", ["pointer"], "p", "floor_id_ptr", "local p = LIB:getSymbol(\"noop\")"),
        };
        if (StructFloor.IsAvailable) list.AddRange(StructFloor.Shapes());
        if (hasBuffer)
        {
            const string fb = """
                local fb = floor_newbuf(64)
                debug.setmetatable(fb, { __index = { read = floor_buf_read_i32, write = floor_buf_write_i32, readBytes = floor_buf_read_bytes } })
                """;
            const string b = "local b = ffi.buffer(64)";
            list.Add(Fn("Buffer as pointer arg", "LIB", "ptr_read", "i32", ["pointer"], "b", "floor_ptr_read", "local b = ffi.buffer(64)"));
            list.Add(new Shape("buf:read i32", true, new Measure("buf read", "b:read(8, \"i32\")", b), null, null,
                new Measure("buf read floor", "fb:read(8, \"i32\")", fb), "Buffer"));
            list.Add(new Shape("buf:write i32", true, new Measure("buf write", "b:write(8, \"i32\", i)", b), null, null,
                new Measure("buf write floor", "fb:write(8, \"i32\", i)", fb), "Buffer"));
            list.Add(new Shape("buf:readBytes 16", true, new Measure("buf readBytes", "b:readBytes(0, 16)", b), null, null,
                new Measure("buf readBytes floor", "fb:readBytes(0, 16)", fb), "Buffer"));
        }
        return list;
    }

    sealed record StructRow(string Name, Measure Ffi, Measure Floor, double Limit);

    /// <summary>Field reads and writes, ffi.new and array indexing against their C floors.</summary>
    static List<StructRow> StructRows()
    {
        const string p = "local p = ffi.new(BenchPoint)";
        const string fp = "local p = floor_point_constructor({ __index = floor_point_index, __newindex = floor_point_newindex })()";
        const string a = "local a = ffi.new(\"int[1000]\")";
        const string fa = "local a = floor_newbuf(4000)\ndebug.setmetatable(a, { __index = floor_int_array_index, __newindex = floor_int_array_newindex })";
        return
        [
            new("inst.x read", new("inst.x", "local v = p.x", p), new("inst.x floor", "local v = p.x", fp), 1.6),
            new("inst.x = v write", new("inst.x = v", "p.x = i", p), new("inst.x = v floor", "p.x = i", fp), 1.6),
            new("ffi.new(T), T a type object", new("ffi.new(T)", "local q = new(T)", "local new, T = ffi.new, BenchPoint"),
                new("ffi.new floor", "local q = new()", "local new = floor_point_constructor({ __index = floor_point_index })"), 1.5),
            new("ffi.new(\"struct BenchPoint\")", new("ffi.new(name)", "local q = new(\"struct BenchPoint\")", "local new = ffi.new"),
                new("ffi.new floor (name row)", "local q = new()", "local new = floor_point_constructor({ __index = floor_point_index })"), 1.5),
            new("arr[i] read, int[1000]", new("arr[i]", "local v = a[7]", a), new("arr[i] floor", "local v = a[7]", fa), 1.6),
            new("arr[i] = v write, int[1000]", new("arr[i] = v", "a[7] = i", a), new("arr[i] = v floor", "a[7] = i", fa), 1.6),
        ];
    }

    /// <summary>ffi.cdef of the preprocessed sqlite3.h (cc -E -P), each parse in a fresh runtime: ms per parse, median.</summary>
    static void CdefParse()
    {
        const string header = "/usr/include/sqlite3.h";
        Line("\n### Parsing a real header\n");
        if (!File.Exists(header)) { Line($"Skipped: {header} not found."); return; }
        string text = NativeBuild.Run(NativeBuild.Compiler(), $"-E -P {header}");
        const int warmups = 3, runs = 9;
        Line($"`cc -E -P {header}`: {text.Length:N0} characters, {text.Count(c => c == '\n'):N0} lines; median of {runs} after {warmups} warm-up parses, " +
             "ffi.cdef each in a fresh runtime.\n");
        Line("| what | ms per parse | target | result |");
        Line("|---|---:|---|---|");
        double Median(Func<double> parse)
        {
            var ms = new List<double>();
            for (int i = 0; i < warmups + runs; i++)
            {
                double t = parse();
                if (i >= warmups) ms.Add(t);
            }
            ms.Sort();
            return ms[ms.Count / 2];
        }
        double syntax = Median(() =>
        {
            var sw = Stopwatch.StartNew();
            Lunet.Ffi.Declarations.DeclarationParser.Parse(text);
            return sw.Elapsed.TotalMilliseconds;
        });
        Line($"| the declaration parser alone (text → declarations) | {syntax:F2} | | |");
        try
        {
            double cdef = Median(() =>
            {
                using var r = new LuaRuntime(new LuaRuntimeOptions { Ffi = FfiAccess.Full });
                r.SetGlobal("TEXT", text);
                r.DoString("ffi = require(\"ffi\")", "=cdef setup");
                var sw = Stopwatch.StartNew();
                r.DoString("ffi.cdef(TEXT)", "=cdef");
                return sw.Elapsed.TotalMilliseconds;
            });
            Line($"| ffi.cdef(preprocessed sqlite3.h) | {cdef:F2} | < 10 ms | {(cdef < 10 ? "PASS" : "MISS")} |");
        }
        catch (LuaScriptException e)
        {
            Line($"| ffi.cdef(preprocessed sqlite3.h) | fails: {e.Message.Split('\n')[0].Replace("|", "\\|")} | < 10 ms | MISS |");
        }
    }

    /// <summary>The breakdown rows; a row named "-" starts a new group.</summary>
    static List<Measure> ProbeRows() =>
    [
        new("C floor_noop (Lua C API)", "g()", "local g = floor_noop"),
        new("C# noop, [UnmanagedCallersOnly] pushed directly", "g()", "local g = probe_noop_direct"),
        new("+ native error thunk", "g()", "local g = probe_noop_thunk"),
        new("+ GCHandle upvalue lookup, closed check, try/catch", "g()", "local g = probe_noop_handle"),
        new("+ real stub delegate (gettop check + calli noop)", "g()", "local g = probe_noop_stub"),
        new("ffi noop via lib:wrap", "g()", "local g = LIB:wrap(\"void\", \"noop\")"),
        new("-", ""),
        new("GCHandle probe + gettop + calli noop, GC transition (no delegate)", "g()", "local g = probe_noop_calli"),
        new("same, calli with SuppressGCTransition", "g()", "local g = probe_noop_calli_nogc"),
        new("-", ""),
        new("C floor_add_i32", "g(i, 2)", "local g = floor_add_i32"),
        new("C# add: GCHandle probe + 2× (tointegerx + lua_type) + pushinteger, add in C#", "g(i, 2)", "local g = probe_add_cs"),
        new("+ calli C add_i32 with GC transition (the stub, by hand)", "g(i, 2)", "local g = probe_add_calli"),
        new("same without the 2 lua_type checks", "g(i, 2)", "local g = probe_add_calli_unchecked"),
        new("ffi add_i32 via lib:wrap", "g(i, 2)", "local g = LIB:wrap(\"i32\", \"add_i32\", \"i32\", \"i32\")"),
        new("-", ""),
        new("C floor_noop given lib:call's 6 arguments", "g(LIB, \"add_i32\", \"i32\", at, i, 2)", "local g = floor_noop\nlocal at = {\"i32\", \"i32\"}"),
        new("C# noop through CFunction's shared entry (how lib:call is reached)", "g(LIB, \"add_i32\", \"i32\", at, i, 2)", "local g = probe_noop_entry\nlocal at = {\"i32\", \"i32\"}"),
        new("+ find the library from self: handle table (lua_rawgetp, lua_rawget), tag, GCHandle", "g(LIB, \"add_i32\", \"i32\", at, i, 2)", "local g = probe_call_self\nlocal at = {\"i32\", \"i32\"}"),
        new("+ call-site cache lookup (string identities)", "g(LIB, \"add_i32\", \"i32\", at, i, 2)", "local g = probe_call_lookup\nlocal at = {\"i32\", \"i32\"}"),
        new("ffi add_i32 via lib:call, hoisted table", "g(LIB, \"add_i32\", \"i32\", at, i, 2)", "local g = LIB.call\nlocal at = {\"i32\", \"i32\"}"),
    ];

    /// <summary>ExportReader.Read (if present) against nm -D on libc, median of several runs each.</summary>
    static void ExportListing()
    {
        const string libc = "/lib/x86_64-linux-gnu/libc.so.6";
        var reader = Type.GetType("Lunet.Ffi.Libraries.Exports.ExportReader, Lunet");
        var read = reader?.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
            .FirstOrDefault(m => m.Name == "Read" && m.GetParameters() is [{ ParameterType: var p }, ..] && p == typeof(string)
                                 && m.GetParameters().Skip(1).All(q => q.IsOptional));
        Line("\n### Listing libc's exports\n");
        if (read == null || !File.Exists(libc))
        {
            Line(read == null ? "Skipped: `Lunet.Ffi.Libraries.Exports.ExportReader.Read(path)` does not exist in this build."
                              : $"Skipped: {libc} not found.");
            return;
        }
        object? Call() => read.Invoke(null, [libc, .. read.GetParameters().Skip(1).Select(_ => Type.Missing)]);
        int Count(object? r) => r is System.Collections.ICollection c ? c.Count : r is System.Collections.IEnumerable e ? e.Cast<object>().Count() : -1;

        const int runs = 7;
        int count = 0;
        for (int i = 0; i < 3; i++) count = Count(Call()); // warm-up
        var readerMs = new List<double>();
        for (int i = 0; i < runs; i++)
        {
            var sw = Stopwatch.StartNew();
            count = Count(Call());
            readerMs.Add(sw.Elapsed.TotalMilliseconds);
        }
        var nmMs = new List<double>();
        int nmCount = 0;
        try
        {
            for (int i = 0; i < runs; i++)
            {
                var sw = Stopwatch.StartNew();
                var text = NativeBuild.Run("nm", $"-D --defined-only {libc}");
                nmMs.Add(sw.Elapsed.TotalMilliseconds);
                nmCount = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
            }
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            Line($"nm could not run: {e.Message.Split('\n')[0]}");
        }
        static double Median(List<double> xs) { var s = xs.Order().ToList(); return s[s.Count / 2]; }
        Line("| how | ms (median of " + runs + ") | entries |");
        Line("|---|---:|---:|");
        Line($"| ExportReader.Read (in process) | {Median(readerMs):F2} | {count} |");
        if (nmMs.Count > 0) Line($"| `nm -D --defined-only` (a process, output read) | {Median(nmMs):F2} | {nmCount} (all defined symbols, functions and data) |");
    }
}
