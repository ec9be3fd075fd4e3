using System.Globalization;
using System.Text;

namespace Lunet.Tests.Abi;

/// <summary>
/// A generated corpus of C signatures (fixed seed): random records of random scalar members, nested
/// records, arrays and unions, some packed, passed by value among scalars and returned. For each
/// signature it writes the C function (an FNV-1a checksum of every member it received, or a struct
/// filled from that checksum), the C that computes the expected value from the same arguments
/// (<c>expect_N</c>), and the Lua that makes the same call through Lunet.
/// </summary>
public sealed class CallCorpus
{
    sealed record Scalar(string Lua, string C, int Bits, bool Float, bool Signed);

    static readonly Scalar[] Scalars =
    [
        new("i8", "int8_t", 8, false, true), new("u8", "uint8_t", 8, false, false),
        new("i16", "int16_t", 16, false, true), new("u16", "uint16_t", 16, false, false),
        new("i32", "int32_t", 32, false, true), new("u32", "uint32_t", 32, false, false),
        new("i64", "int64_t", 64, false, true), new("u64", "uint64_t", 64, false, false),
        new("f32", "float", 32, true, true), new("f64", "double", 64, true, true),
    ];

    sealed class Member(string name, Scalar? scalar, Record? record, int count)
    {
        public string Name = name;
        public Scalar? Scalar = scalar;
        public Record? Record = record;
        public int Count = count; // 0: not an array
        public int Bits;          // a bitfield's width (0: not a bitfield)
        public bool Aligned16;    // __attribute__((aligned(16)))
    }

    sealed class Record(string name, bool union, bool packed, List<Member> members)
    {
        public string Name = name;
        public bool Union = union;
        public bool Packed = packed;
        public List<Member> Members = members;
    }

    /// <summary>A value as C and as Lua write it.</summary>
    sealed record Value(string C, string Lua);

    sealed record Param(Scalar? Scalar, Record? Record)
    {
        public string LuaType => Scalar?.Lua ?? Record!.Name;
        public string CType => Scalar?.C ?? Record!.Name;
    }

    public sealed record Case(int Index, string Text);

    readonly Random rng;
    readonly List<Record> records = new();
    readonly StringBuilder c = new();
    readonly StringBuilder lua = new();
    readonly StringBuilder decls = new();
    public readonly List<Case> Cases = new();

    /// <summary>The C source of the corpus library.</summary>
    public string C => c.ToString();
    /// <summary>The typedefs, for ffi.cdef.</summary>
    public string Declarations => decls.ToString();
    /// <summary>A Lua chunk returning a table of functions, one per signature; each returns nil or a mismatch text.</summary>
    public string Lua => lua.ToString();
    /// <summary>Each signature as Lunet's type names spell it: result name, then parameter names.</summary>
    public readonly List<string[]> Signatures = new();

    public CallCorpus(int seed, int recordCount, int signatureCount)
    {
        rng = new Random(seed);
        c.AppendLine("#include <stdint.h>\n#include <string.h>\n#include <stddef.h>");
        c.AppendLine("#define H(x) do { __typeof__(x) v_ = (x); h = mix(h, &v_, sizeof v_); } while (0)");
        c.AppendLine("static uint64_t mix(uint64_t h, const void *p, size_t n) { const unsigned char *b = p; for (size_t i = 0; i < n; i++) { h ^= b[i]; h *= 1099511628211ULL; } return h; }");
        c.AppendLine("static const uint64_t FNV = 14695981039346656037ULL;");
        for (int i = 0; i < recordCount; i++) AddRecord(i);
        lua.AppendLine("local ffi, lib, hash = ...\nlocal cases = {}");
        for (int i = 0; i < signatureCount; i++) AddSignature(i);
        lua.AppendLine("return cases");
    }

    Scalar AnyScalar() => Scalars[rng.Next(Scalars.Length)];

    void AddRecord(int index)
    {
        bool union = rng.Next(10) == 0;
        bool packed = !union && rng.Next(8) == 0;
        var members = new List<Member>();
        int n = union ? rng.Next(2, 4) : rng.Next(1, 6);
        for (int m = 0; m < n; m++)
        {
            var name = ((char)('a' + m)).ToString();
            int pick = rng.Next(20);
            if (pick < 3 && records.Count > 0 && !union)
                members.Add(new Member(name, null, records[rng.Next(Math.Max(0, records.Count - 20), records.Count)], 0));
            else if (pick < 6) members.Add(new Member(name, AnyScalar(), null, rng.Next(1, 5)));
            else if (pick < 8 && !union)
            {
                var t = Scalars[rng.Next(8)]; // an integer type
                members.Add(new Member(name, t, null, 0) { Bits = rng.Next(1, t.Bits) });
            }
            else members.Add(new Member(name, AnyScalar(), null, 0) { Aligned16 = !packed && rng.Next(25) == 0 });
        }
        var r = new Record($"R{index}", union, packed, members);
        records.Add(r);

        var body = string.Join(" ", members.Select(m =>
            $"{(m.Scalar?.C ?? m.Record!.Name)} {m.Name}{(m.Count > 0 ? $"[{m.Count}]" : "")}{(m.Bits > 0 ? $" : {m.Bits}" : "")}{(m.Aligned16 ? " __attribute__((aligned(16)))" : "")};"));
        var line = $"typedef {(union ? "union" : "struct")} {(packed ? "__attribute__((packed)) " : "")}{r.Name} {{ {body} }} {r.Name};";
        c.AppendLine(line);
        decls.AppendLine(line);

        // mix_R: the checksum of every member in order (a union: its first member only).
        c.AppendLine($"static uint64_t mix_{r.Name}(uint64_t h, const {r.Name} *p) {{");
        foreach (var m in union ? members.Take(1) : members)
        {
            if (m.Record != null) c.AppendLine($"  {{ {m.Record.Name} t = p->{m.Name}; h = mix_{m.Record.Name}(h, &t); }}");
            else if (m.Count > 0) c.AppendLine($"  for (int i = 0; i < {m.Count}; i++) H(p->{m.Name}[i]);");
            else if (m.Bits > 0) c.AppendLine($"  H(({m.Scalar!.C})p->{m.Name});");
            else c.AppendLine($"  H(p->{m.Name});");
        }
        c.AppendLine("  return h;\n}");
        c.AppendLine($"uint64_t hash_{r.Name}(const {r.Name} *p) {{ return mix_{r.Name}(FNV, p); }}");

        // fill_R: every member from a seed (a union: its first member), exactly representable floats.
        c.AppendLine($"static void fill_{r.Name}({r.Name} *p, uint64_t s) {{");
        c.AppendLine("  memset(p, 0, sizeof *p);");
        int k = 0;
        foreach (var m in union ? members.Take(1) : members)
        {
            k++;
            if (m.Record != null) c.AppendLine($"  {{ {m.Record.Name} t; fill_{m.Record.Name}(&t, s * {k * 7 + 1}ULL + {k}); p->{m.Name} = t; }}");
            else
            {
                var target = m.Count > 0 ? $"p->{m.Name}[i]" : $"p->{m.Name}";
                var v = m.Scalar!.Float ? $"({m.Scalar.C})((double)((s >> {k % 23}) & 0xFFFF) / 4.0 - 8000.0)" : $"({m.Scalar.C})(s * {k * 2 + 1}ULL + {k}ULL)";
                c.AppendLine(m.Count > 0 ? $"  for (int i = 0; i < {m.Count}; i++) {{ s = s * 31 + 7; {target} = {v}; }}" : $"  {target} = {v};");
            }
        }
        c.AppendLine("}");
    }

    Value ScalarValue(Scalar s)
    {
        if (s.Float)
        {
            double d = rng.Next(-40000, 40000) / 8.0;
            var t = d.ToString("R", CultureInfo.InvariantCulture);
            if (!t.Contains('.') && !t.Contains('E')) t += ".0";
            return new($"({s.C}){t}", t);
        }
        long v = s.Bits switch
        {
            64 => s.Signed ? rng.NextInt64(-(1L << 62), 1L << 62) : rng.NextInt64(0, 1L << 62),
            _ => s.Signed ? rng.NextInt64(-(1L << (s.Bits - 1)), 1L << (s.Bits - 1)) : rng.NextInt64(0, 1L << s.Bits),
        };
        var text = v.ToString(CultureInfo.InvariantCulture);
        return new($"({s.C})({text}{(s.Signed ? "LL" : "ULL")})", text);
    }

    /// <summary>A value that fits a bitfield of <paramref name="bits"/> bits of <paramref name="s"/>.</summary>
    Value BitfieldValue(Scalar s, int bits)
    {
        long v = s.Signed ? rng.NextInt64(-(1L << (bits - 1)), 1L << (bits - 1)) : rng.NextInt64(0, 1L << bits);
        var text = v.ToString(CultureInfo.InvariantCulture);
        return new($"({s.C})({text}{(s.Signed ? "LL" : "ULL")})", text);
    }

    Value RecordValue(Record r)
    {
        var cParts = new List<string>();
        var luaParts = new List<string>();
        foreach (var m in r.Union ? r.Members.Take(1) : r.Members)
        {
            if (!r.Union && rng.Next(8) == 0) continue; // a missing field: zero on both sides
            Value v;
            if (m.Record != null) v = RecordValue(m.Record);
            else if (m.Count > 0)
            {
                var items = Enumerable.Range(0, m.Count).Select(_ => ScalarValue(m.Scalar!)).ToList();
                v = new("{ " + string.Join(", ", items.Select(i => i.C)) + " }", "{" + string.Join(", ", items.Select(i => i.Lua)) + "}");
            }
            else if (m.Bits > 0) v = BitfieldValue(m.Scalar!, m.Bits);
            else v = ScalarValue(m.Scalar!);
            cParts.Add($".{m.Name} = {v.C}");
            luaParts.Add($"{m.Name} = {v.Lua}");
        }
        return new("{ " + string.Join(", ", cParts) + " }", "{" + string.Join(", ", luaParts) + "}");
    }

    void AddSignature(int index)
    {
        var ps = new List<Param>();
        int n = rng.Next(0, 9);
        for (int i = 0; i < n; i++)
            ps.Add(rng.Next(5) < 2 ? new Param(null, records[rng.Next(records.Count)]) : new Param(AnyScalar(), null));
        // Every signature passes or returns at least one record.
        Record? result = rng.Next(3) == 0 || ps.All(p => p.Record == null) ? records[rng.Next(records.Count)] : null;

        var name = $"f{index}";
        var args = ps.Select((p, i) => $"{p.CType} a{i}").ToList();
        c.AppendLine($"{(result?.Name ?? "uint64_t")} {name}({(args.Count == 0 ? "void" : string.Join(", ", args))}) {{");
        c.AppendLine("  uint64_t h = FNV;");
        for (int i = 0; i < ps.Count; i++)
        {
            if (ps[i].Record is { } r) c.AppendLine($"  h = mix_{r.Name}(h, &a{i});");
            else c.AppendLine($"  H(a{i});");
        }
        if (result != null) c.AppendLine($"  {result.Name} r; fill_{result.Name}(&r, h); return r;");
        else c.AppendLine("  return h;");
        c.AppendLine("}");

        var values = ps.Select(p => p.Record is { } r ? RecordValue(r) : ScalarValue(p.Scalar!)).ToList();
        var cArgs = string.Join(", ", values.Select((v, i) => ps[i].Record is { } r ? $"({r.Name}){v.C}" : v.C));
        c.AppendLine(result != null
            ? $"uint64_t expect_{index}(void) {{ {result.Name} r = {name}({cArgs}); return hash_{result.Name}(&r); }}"
            : $"uint64_t expect_{index}(void) {{ return {name}({cArgs}); }}");

        var ret = result?.Name ?? "u64";
        var types = ps.Select(p => p.LuaType).ToArray();
        Signatures.Add([ret, .. types]);
        var text = $"{ret} {name}({string.Join(", ", types)})";
        Cases.Add(new Case(index, text));
        var luaTypes = string.Join(", ", types.Select(t => $"'{t}'"));
        // Records go as tables or as instances made from the same tables.
        var luaArgs = string.Join(", ", values.Select((v, i) => ps[i].Record is { } r && rng.Next(3) == 0 ? $"ffi.new('{r.Name}', {v.Lua})" : v.Lua));
        var callArgs = luaArgs.Length > 0 ? ", " + luaArgs : "";
        var check = result != null ? $"hash['{result.Name}']" : "function(x) return x end";
        lua.AppendLine($$"""
            cases[{{index + 1}}] = function()
              local want = lib:wrap('u64', 'expect_{{index}}')()
              local h = {{check}}
              local wrapped = h(lib:wrap('{{ret}}', '{{name}}'{{(types.Length > 0 ? ", " + luaTypes : "")}})({{luaArgs}}))
              local called = h(lib:call('{{name}}', '{{ret}}', { {{luaTypes}} }{{callArgs}}))
              local cached = h(lib:call('{{name}}', '{{ret}}', { {{luaTypes}} }{{callArgs}}))
              -- the managed stub of the same signature, where the test made one
              local managed = rawget(_G, 'managed_{{name}}')
              local viaManaged = managed and h(managed({{luaArgs}})) or want
              if wrapped ~= want or called ~= want or cached ~= want or viaManaged ~= want then
                return ('{{text}}: C computed %d; lib:wrap %d, lib:call %d then %d, managed %d'):format(want, wrapped, called, cached, viaManaged)
              end
            end
            """);
    }

    /// <summary>The names of the records, for the Lua table of hash functions.</summary>
    public IEnumerable<string> RecordNames => records.Select(r => r.Name);
}
