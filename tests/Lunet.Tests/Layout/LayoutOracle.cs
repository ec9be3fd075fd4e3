using System.Globalization;
using System.Text;
using Lunet.Ffi.Layout;
using Lunet.Tests.Support;

namespace Lunet.Tests.Layout;

/// <summary>
/// Checks Lunet's layouts against the compilers. System V: one C program, built with
/// cc, prints sizeof, _Alignof and offsetof of every record and member; for each
/// named bitfield it stores a known value into a zeroed record and dumps the bytes
/// (which Lunet's bit position must reproduce), and it reads the field back out of
/// bytes Lunet wrote (which must give the value). Windows: one C file of
/// _Static_asserts that compiles with the mingw-w64 cross compiler only where the
/// layouts match, plus one constant object per bitfield whose bytes are read out of
/// the object file. Each mismatch is reported with the record's declaration.
/// </summary>
public static class LayoutOracle
{
    /// <summary>What a check compared: how many values in all, how many of them bitfield bytes or values, and what differed.</summary>
    public sealed record Result(int Compared, int BitfieldChecks, List<Mismatch> Mismatches);

    /// <summary>One value that differs, with the record it belongs to.</summary>
    public sealed record Mismatch(string Record, string Text)
    {
        public override string ToString() => Text;
    }

    static readonly string WorkDir = CreateWorkDir();

    static string CreateWorkDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"lunet-layout-{Environment.ProcessId}");
        Directory.CreateDirectory(dir);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        };
        return dir;
    }

    public const string MingwGcc = "x86_64-w64-mingw32-gcc";

    /// <summary>The value each named bitfield is given: in range for its width and signedness, fixed by the seed.</summary>
    static ulong ValueFor(BitfieldLayout f, Random rng)
    {
        var mask = f.Width >= 64 ? ulong.MaxValue : (1UL << f.Width) - 1;
        var bits = (ulong)rng.NextInt64() ^ ((ulong)rng.Next() << 40);
        // Now and then the extremes: all ones (-1 when signed), only the top bit, one.
        return (rng.Next(6) switch { 0 => ulong.MaxValue, 1 => 1UL << (f.Width - 1), 2 => 1, _ => bits }) & mask;
    }

    static string ValueLiteral(BitfieldLayout f, ulong bits) =>
        f.Signed ? SignedLiteral(SignExtend(bits, f.Width)) : $"{bits}ULL";

    static long SignExtend(ulong bits, int width) => width >= 64 ? (long)bits : (long)(bits << (64 - width)) >> (64 - width);

    static string SignedLiteral(long v) => v == long.MinValue ? "(-9223372036854775807LL - 1)" : $"{v}LL";

    static string Hex(ReadOnlySpan<byte> b) => Convert.ToHexString(b).ToLowerInvariant();

    static IEnumerable<(MemberLayout Member, BitfieldLayout Bits)> NamedBitfields(RecordLayout l) =>
        l.Members.Where(m => m.Name is not null && m.Bitfield is { Width: > 0 }).Select(m => (m, m.Bitfield!));

    /// <summary>Compiles and runs the System V check; returns the mismatches (empty when all agree).</summary>
    public static Result CheckSysV(CUnit unit, int seed = 1)
    {
        var layouts = unit.Lay(SysVLayout.Instance);
        var rng = new Random(seed);
        var expected = new Dictionary<string, string>();
        var c = new StringBuilder(unit.Declarations());
        c.Append("static void dump(const char *what, const void *p, size_t n) {\n")
         .Append("  const unsigned char *b = p; printf(\"%s \", what);\n")
         .Append("  for (size_t i = 0; i < n; i++) printf(\"%02x\", b[i]);\n  printf(\"\\n\");\n}\n");
        var functions = new List<string>();
        foreach (var r in unit.Records)
        {
            var l = layouts[r];
            var f = new StringBuilder($"static void check_{r.Name}(void) {{\n  {r.CType} s;\n");
            f.Append($"  printf(\"S {r.Name} %zu %zu\\n\", sizeof({r.CType}), _Alignof({r.CType}));\n");
            expected[$"S {r.Name}"] = $"{l.Size} {l.Alignment}";
            foreach (var m in l.Members.Where(m => m.Name is not null && m.Bitfield is null))
            {
                f.Append($"  printf(\"O {r.Name} {m.Name} %zu\\n\", offsetof({r.CType}, {m.Name}));\n");
                expected[$"O {r.Name} {m.Name}"] = m.Offset.ToString(CultureInfo.InvariantCulture);
            }
            foreach (var (m, bits) in NamedBitfields(l))
            {
                // C writes a value; Lunet's position must give the same bytes.
                var v = ValueFor(bits, rng);
                var bytes = new byte[l.Size];
                BitfieldAccess.Write(bytes, bits, v);
                f.Append($"  memset(&s, 0, sizeof s); s.{m.Name} = {ValueLiteral(bits, v)}; dump(\"W {r.Name} {m.Name}\", &s, sizeof s);\n");
                expected[$"W {r.Name} {m.Name}"] = Hex(bytes);

                // Lunet writes a value into random bytes; C must read it back.
                var w = ValueFor(bits, rng);
                var pattern = new byte[l.Size];
                rng.NextBytes(pattern);
                BitfieldAccess.Write(pattern, bits, w);
                var init = string.Join(",", pattern.Select(b => b.ToString(CultureInfo.InvariantCulture)));
                f.Append($"  {{ static const unsigned char p[] = {{{init}}}; memcpy(&s, p, sizeof s); }}\n");
                f.Append(bits.Signed
                    ? $"  printf(\"R {r.Name} {m.Name} %lld\\n\", (long long)s.{m.Name});\n"
                    : $"  printf(\"R {r.Name} {m.Name} %llu\\n\", (unsigned long long)s.{m.Name});\n");
                expected[$"R {r.Name} {m.Name}"] = bits.Signed ? SignExtend(w, bits.Width).ToString(CultureInfo.InvariantCulture) : w.ToString(CultureInfo.InvariantCulture);
            }
            f.Append("}\n");
            c.Append(f);
            functions.Add($"check_{r.Name}");
        }
        c.Append("int main(void) {\n");
        foreach (var fn in functions) c.Append($"  {fn}();\n");
        c.Append("  return 0;\n}\n");

        var source = Path.Combine(WorkDir, $"sysv-{seed}-{unit.Records.Count}-{Guid.NewGuid():N}.c");
        File.WriteAllText(source, c.ToString());
        var exe = Path.ChangeExtension(source, null);
        NativeBuild.Run(NativeBuild.Compiler(), $"-std=gnu11 -w -O0 -o \"{exe}\" \"{source}\"");
        var actual = new Dictionary<string, string>();
        foreach (var line in NativeBuild.Run(exe, "").Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split(' ');
            var keyLength = parts[0] == "S" ? 2 : 3;
            actual[string.Join(' ', parts[..keyLength])] = string.Join(' ', parts[keyLength..]);
        }
        return new Result(expected.Count, expected.Keys.Count(k => k[0] is 'W' or 'R'), Compare(unit, expected, actual, "cc"));
    }

    /// <summary>Compiles the Windows check with the mingw-w64 cross compiler; returns the mismatches.</summary>
    public static Result CheckWindows(CUnit unit, int seed = 1)
    {
        var layouts = unit.Lay(MsvcLayout.Instance);
        var rng = new Random(seed);
        var asserts = new StringBuilder(unit.Declarations());
        var objects = new StringBuilder(unit.Declarations());
        var assertCount = 0;
        var expectedBytes = new Dictionary<string, string>();
        foreach (var r in unit.Records)
        {
            var l = layouts[r];
            asserts.Append($"_Static_assert(sizeof({r.CType}) == {l.Size}, \"S {r.Name} size\");\n");
            asserts.Append($"_Static_assert(_Alignof({r.CType}) == {l.Alignment}, \"S {r.Name} alignment\");\n");
            assertCount += 2;
            foreach (var m in l.Members.Where(m => m.Name is not null && m.Bitfield is null))
            {
                asserts.Append($"_Static_assert(offsetof({r.CType}, {m.Name}) == {m.Offset}, \"O {r.Name} {m.Name}\");\n");
                assertCount++;
            }
            foreach (var (m, bits) in NamedBitfields(l))
            {
                // A constant record with one field set: its bytes in the object file show where the bits went.
                var v = ValueFor(bits, rng);
                var bytes = new byte[l.Size];
                BitfieldAccess.Write(bytes, bits, v);
                var symbol = $"W_{r.Name}_{m.Name}";
                objects.Append($"const {r.CType} {symbol} __attribute__((section(\".lbits\"))) = {{ .{m.Name} = {ValueLiteral(bits, v)} }};\n");
                expectedBytes[symbol] = Hex(bytes);
            }
        }
        var mismatches = new List<Mismatch>();
        var bitfieldChecks = expectedBytes.Count;
        var name = Path.Combine(WorkDir, $"windows-{seed}-{unit.Records.Count}-{Guid.NewGuid():N}");
        File.WriteAllText(name + "-asserts.c", asserts.ToString());
        try
        {
            NativeBuild.Run(MingwGcc, $"-std=gnu11 -w -fsyntax-only \"{name}-asserts.c\"");
        }
        catch (InvalidOperationException e)
        {
            // Each failed assertion names its record: report them with their declarations.
            foreach (var line in e.Message.Split('\n').Where(x => x.Contains("static assertion failed")))
            {
                var what = line[(line.IndexOf('"') + 1)..].TrimEnd('"');
                var record = what.Split(' ')[1];
                mismatches.Add(new(record, $"{MingwGcc}: {what}\n{Declaration(unit, record)}"));
            }
            if (mismatches.Count == 0) throw;
        }
        if (bitfieldChecks > 0) CompareObjectBytes(unit, name, objects.ToString(), expectedBytes, mismatches);
        return new Result(assertCount + bitfieldChecks, bitfieldChecks, mismatches);
    }

    static void CompareObjectBytes(CUnit unit, string name, string source, Dictionary<string, string> expectedBytes, List<Mismatch> mismatches)
    {
        File.WriteAllText(name + "-objects.c", source);
        NativeBuild.Run(MingwGcc, $"-std=gnu11 -w -c -o \"{name}.o\" \"{name}-objects.c\"");
        NativeBuild.Run("x86_64-w64-mingw32-objcopy", $"-O binary --only-section=.lbits \"{name}.o\" \"{name}.bin\"");
        var section = File.ReadAllBytes(name + ".bin");
        foreach (var line in NativeBuild.Run("x86_64-w64-mingw32-nm", $"\"{name}.o\"").Split('\n'))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 3 || !expectedBytes.TryGetValue(parts[2], out var want)) continue;
            var at = Convert.ToInt32(parts[0], 16);
            var got = Hex(section.AsSpan(at, want.Length / 2));
            var record = parts[2].Split('_')[1];
            if (got != want)
                mismatches.Add(new(record, $"{MingwGcc}: bytes of {parts[2]}: compiler {got}, Lunet {want}\n{Declaration(unit, record)}"));
            expectedBytes.Remove(parts[2]);
        }
        foreach (var missing in expectedBytes.Keys)
            mismatches.Add(new(missing.Split('_')[1], $"{MingwGcc}: no symbol {missing} in the object file"));
    }

    static List<Mismatch> Compare(CUnit unit, Dictionary<string, string> expected, Dictionary<string, string> actual, string compiler)
    {
        var mismatches = new List<Mismatch>();
        foreach (var (key, want) in expected)
        {
            actual.TryGetValue(key, out var got);
            if (got != want)
                mismatches.Add(new(key.Split(' ')[1], $"{key}: {compiler} {got ?? "(nothing)"}, Lunet {want}\n{Declaration(unit, key.Split(' ')[1])}"));
        }
        return mismatches;
    }

    /// <summary>The record's C text, with the records it nests before it.</summary>
    public static string Declaration(CUnit unit, string recordName)
    {
        var record = unit.Records.FirstOrDefault(r => r.Name == recordName);
        if (record is null) return $"(no record {recordName})";
        var sb = new StringBuilder();
        var seen = new HashSet<RecordDecl>(ReferenceEqualityComparer.Instance);
        void Add(RecordDecl r)
        {
            if (!seen.Add(r)) return;
            foreach (var m in r.Members)
                if (Nested(m.Type) is RecordDecl inner) Add(inner);
            sb.Append(r.ToC());
        }
        Add(record);
        return sb.ToString();
    }

    static RecordDecl? Nested(TypeRef t) => t switch
    {
        RecordRef r => r.Record,
        ArrayRef a => Nested(a.Element),
        _ => null,
    };

    public static void AssertNone(Result result)
    {
        if (result.Mismatches.Count == 0) return;
        Assert.Fail($"{result.Mismatches.Count} of {result.Compared} layout values differ; the first ones:\n\n" + string.Join("\n", result.Mismatches.Take(8)));
    }
}
