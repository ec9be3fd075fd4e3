namespace Lunet.Bench;

/// <summary>
/// What ffi.errno costs: reading it (against floor_errno, a Lua C function pushing errno), setting
/// it, and a call that restores a value set before it (ffi.errno(0) then add_i32, against the two
/// apart). Saving errno after each call has no switch: it is inside every call row of the run.
/// </summary>
static class ErrnoRows
{
    public sealed record Rows(Program.Measure Read, Program.Measure ReadFloor, Program.Measure Set, Program.Measure Call, Program.Measure SetThenCall)
    {
        public IEnumerable<Program.Measure> All => [Read, ReadFloor, Set, Call, SetThenCall];
    }

    public static Rows Make()
    {
        const string add = "local f = LIB:wrap(\"i32\", \"add_i32\", \"i32\", \"i32\")";
        return new(
            new("ffi.errno()", "local e = errno()", "local errno = ffi.errno"),
            new("floor_errno()", "local e = g()", "local g = floor_errno"),
            new("ffi.errno(0)", "errno(0)", "local errno = ffi.errno"),
            new("add_i32 (errno rows)", "f(i, 2)", add),
            new("ffi.errno(0) then add_i32", "errno(0) f(i, 2)", $"local errno = ffi.errno\n{add}"));
    }

    public static void Append(Rows r, Program.Measure emptyLoop, Func<Program.Measure, double> ns, Action<string> line)
    {
        line("\n### ffi.errno\n");
        line("Every call stub saves errno as its target returns (no switch: that cost is inside every call row above). " +
             "`ffi.errno()` against `floor_errno` (bench/native/floor.c: `lua_pushinteger(L, errno)`); `ffi.errno(0)` makes the next call " +
             "write errno just before its target runs: the last row is that restore, (set then call) − set − call, each loop's own " +
             "overhead counted once.\n");
        line("| what | ns/call | floor ns/call | × floor |");
        line("|---|---:|---:|---:|");
        double read = ns(r.Read), floor = ns(r.ReadFloor);
        line($"| `ffi.errno()` | {read:F1} | {floor:F1} | {read / floor:F2} |");
        line($"| `ffi.errno(0)` | {ns(r.Set):F1} | | |");
        line($"| `add_i32` through lib:wrap | {ns(r.Call):F1} | | |");
        line($"| `ffi.errno(0)` then `add_i32` | {ns(r.SetThenCall):F1} | | |");
        line($"| the restore in the call (difference) | {ns(r.SetThenCall) - ns(r.Set) - ns(r.Call) + ns(emptyLoop):F1} | | |");
    }
}
