namespace Lunet.Bench;

/// <summary>
/// Declared functions against lib:wrap of the same signature, and a variadic call against its
/// floor, all in the same run as the other rows:
/// <list type="bullet">
/// <item>add_i32 bound by lib:cdef and abs declared by ffi.cdef (reached through ffi.C), each
/// with the function hoisted into a local and looked up in the namespace on every call, against
/// lib:wrap (target: within 5%);</item>
/// <item>snprintf(buf, 64, "%lld %s %g", i, s, d) declared variadic, against floor_snprintf
/// (bench/native/floor.c) and against a lib:wrap of the fixed signature of the same shape
/// (target: within 2× of that), and the same for long long sum_va(int n, ...) given two integers
/// (bench/native/benchlib.c), whose callee costs next to nothing, so the row shows the variadic path itself.</item>
/// </list>
/// The format reads its integer as long long because that is what a Lua integer passes as.
/// </summary>
static class DeclaredRows
{
    internal sealed record Row(string Name, string Via, Program.Measure Ffi, Program.Measure Reference, string ReferenceName,
        double Limit, Program.Measure? Floor = null);

    const string Format = "\"%lld %s %g\"";

    /// <summary>Declares what the rows call and checks each way in gives what C gives.</summary>
    public static void Setup(LuaRuntime rt) => rt.DoString($$"""
        LIB:cdef("int add_i32(int a, int b); long long sum_va(int n, ...);")
        assert(LIB.sum_va(2, 40, 2) == 42 and floor_sum_va(2, 40, 2) == 42 and LIB.sum_va(0) == 0)
        ffi.cdef("int abs(int); int snprintf(char *buf, size_t n, const char *fmt, ...);")
        assert(LIB.add_i32(40, 2) == 42 and C.abs(-7) == 7)
        local b, fb = ffi.buffer(64), floor_newbuf(64)
        local n = C.snprintf(b, 64, {{Format}}, 42, "abc", 2.5)
        local fixed = C:wrap("int", "snprintf", "pointer", "size_t", "string", "i64", "string", "f64")
        assert(b:readString(0) == "42 abc 2.5" and n == 10)
        assert(fixed(b, 64, {{Format}}, 43, "abc", 2.5) == 10 and b:readString(0) == "43 abc 2.5")
        assert(floor_snprintf(fb, 64, {{Format}}, 42, "abc", 2.5) == 10)
        """, "=declared setup");

    public static List<Row> Rows()
    {
        var addWrap = new Program.Measure("add_i32 lib:wrap (cdef rows)", "f(i, 2)", "local f = LIB:wrap(\"i32\", \"add_i32\", \"i32\", \"i32\")");
        var absWrap = new Program.Measure("abs C:wrap", "f(i)", "local f = C:wrap(\"int\", \"abs\", \"int\")");
        const string args = "local b, s, d = ffi.buffer(64), \"abc\", 2.5";
        var call = $"(b, 64, {Format}, i, s, d)";
        var fixedWrap = new Program.Measure("snprintf fixed lib:wrap", "f" + call,
            $"{args}\nlocal f = C:wrap(\"int\", \"snprintf\", \"pointer\", \"size_t\", \"string\", \"i64\", \"string\", \"f64\")");
        var floor = new Program.Measure("snprintf floor", "g" + call, "local b, s, d = floor_newbuf(64), \"abc\", 2.5\nlocal g = floor_snprintf");
        var sumWrap = new Program.Measure("sum_va fixed lib:wrap", "f(2, i, 2)", "local f = LIB:wrap(\"i64\", \"sum_va\", \"i32\", \"i64\", \"i64\")");
        var sumFloor = new Program.Measure("sum_va floor", "g(2, i, 2)", "local g = floor_sum_va");
        return
        [
            new("add i32", "lib:cdef, hoisted local", new("add_i32 cdef hoisted", "f(i, 2)", "local f = LIB.add_i32"), addWrap, "lib:wrap", 1.05),
            new("add i32", "lib:cdef, lib.add_i32(...) each call", new("add_i32 cdef field", "lib.add_i32(i, 2)", "local lib = LIB"), addWrap, "lib:wrap", 1.05),
            new("abs (libc)", "ffi.cdef + ffi.C, hoisted local", new("abs ffi.C hoisted", "f(i)", "local f = C.abs"), absWrap, "lib:wrap", 1.05),
            new("abs (libc)", "ffi.cdef + ffi.C, C.abs(...) each call", new("abs ffi.C field", "C.abs(i)", "local C = C"), absWrap, "lib:wrap", 1.05),
            new("sum_va, 2 variadic", "lib:cdef, hoisted local", new("sum_va variadic hoisted", "f(2, i, 2)", "local f = LIB.sum_va"),
                sumWrap, "fixed lib:wrap", 2, sumFloor),
            new("snprintf, 3 variadic", "ffi.cdef + ffi.C, hoisted local", new("snprintf variadic hoisted", "f" + call, $"{args}\nlocal f = C.snprintf"),
                fixedWrap, "fixed lib:wrap", 2, floor),
            new("snprintf, 3 variadic", "ffi.cdef + ffi.C, C.snprintf(...) each call", new("snprintf variadic field", "C.snprintf" + call, $"{args}\nlocal C = C"),
                fixedWrap, "fixed lib:wrap", 2, floor),
        ];
    }

    public static IEnumerable<Program.Measure> Measures(List<Row> rows) =>
        rows.SelectMany(r => new[] { r.Ffi, r.Reference, r.Floor }).OfType<Program.Measure>().Distinct();

    public static void Append(List<Row> rows, Func<Program.Measure, double> ns, Action<string> line)
    {
        line("\n### Declared functions and variadic calls\n");
        line("A function bound by `lib:cdef` or declared by `ffi.cdef` (through `ffi.C`) against `lib:wrap` of the same signature; " +
             "the 5% target is read on the hoisted rows (the same function value a script keeps in a local), the rows that index the " +
             "namespace on every call add that lookup. `snprintf(buf, 64, \"%lld %s %g\", i, s, d)` declared `int snprintf(char *, size_t, const char *, ...)` " +
             "(three variadic arguments: an integer, a string, a float) against `lib:wrap` of the fixed signature " +
             "`(pointer, size_t, string, i64, string, f64)` and the floor `floor_snprintf` (bench/native/floor.c); " +
             "`sum_va(2, i, 2)` (`long long sum_va(int n, ...)`, bench/native/benchlib.c) the same way, against `(i32, i64, i64)` and `floor_sum_va`.\n");
        line("| function | via | ffi ns/call | reference | ref ns/call | × ref | floor ns/call | × floor | target | result |");
        line("|---|---|---:|---|---:|---:|---:|---:|---|---|");
        foreach (var r in rows)
        {
            double f = ns(r.Ffi), refNs = ns(r.Reference), ratio = f / refNs;
            string floorNs = r.Floor is { } fl ? $"{ns(fl):F1}" : "", vsFloor = r.Floor is { } fm ? $"{f / ns(fm):F2}" : "";
            line($"| {r.Name} | {r.Via} | {f:F1} | {r.ReferenceName} | {refNs:F1} | {ratio:F2} | {floorNs} | {vsFloor} | ≤ {r.Limit}× {r.ReferenceName} | {(ratio <= r.Limit ? "PASS" : "MISS")} |");
        }
        foreach (var r in rows.Where(r => r.Floor != null).DistinctBy(r => r.Reference))
            line($"\nThe fixed `lib:wrap` of {r.Name.Split(',')[0]}: {ns(r.Reference):F1} ns/call, {ns(r.Reference) / ns(r.Floor!):F2}× the floor.");
    }
}
