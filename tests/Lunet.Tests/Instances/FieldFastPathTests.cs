using Lunet.Ffi.Memory;
using Lunet.Tests.Support;

namespace Lunet.Tests.Instances;

/// <summary>
/// The native field path (Ffi/Memory/InstanceNative.cs) against C and against the C# path.
/// tests/native/fields_test.c declares the same fields twice: struct fields_short under short
/// names (the native path handles them) and struct fields_long under names longer than Lua
/// interns, which the native path leaves to C#. C fills both and reports what it sees.
/// </summary>
public class FieldFastPathTests
{
    static readonly (string Type, string Name)[] Fields =
    [
        ("int8_t", "i8"), ("uint8_t", "u8"), ("int16_t", "i16"), ("uint16_t", "u16"), ("int32_t", "i32"), ("uint32_t", "u32"),
        ("int64_t", "i64"), ("uint64_t", "u64"), ("float", "f32"), ("double", "f64"), ("_Bool", "b"), ("void *", "p"),
        ("const char *", "s"), ("enum fields_colour", "e"), ("long", "l"), ("char", "c"),
    ];

    const string LongPrefix = "a_field_name_long_enough_not_to_be_interned_";

    static string Declarations()
    {
        string Members(string prefix) => string.Concat(Fields.Select(f => $"{f.Type} {prefix}{f.Name}; "));
        return $"enum fields_colour {{ FIELDS_RED = 1, FIELDS_GREEN = -7 }}; " +
               $"struct fields_short {{ {Members("")}}}; struct fields_long {{ {Members(LongPrefix)}}};";
    }

    static string Prelude => $$"""
        local ffi = require('ffi')
        local lib = ffi.open(FIELDSLIB)
        ffi.cdef("{{Declarations()}}")
        local names = { {{string.Join(", ", Fields.Select(f => $"'{f.Name}'"))}} }
        local LONG = '{{LongPrefix}}'
        -- The two structs, each with its fill, its C getters and its key for field k (1-based here, 0-based in C).
        local kinds = {
          short = { new = function() return ffi.new('struct fields_short') end, key = function(n) return n end,
                    fill = lib:wrap('void', 'fields_fill_short', 'pointer'),
                    int = lib:wrap('i64', 'fields_int_short', 'pointer', 'i32'), float = lib:wrap('f64', 'fields_float_short', 'pointer', 'i32') },
          long = { new = function() return ffi.new('struct fields_long') end, key = function(n) return LONG .. n end,
                   fill = lib:wrap('void', 'fields_fill_long', 'pointer'),
                   int = lib:wrap('i64', 'fields_int_long', 'pointer', 'i32'), float = lib:wrap('f64', 'fields_float_long', 'pointer', 'i32') },
        }
        local same_bytes = lib:wrap('i32', 'fields_same_bytes', 'pointer', 'pointer', 'i64')
        -- What C sees in field k of s, as Lua would show it.
        local function c_value(kind, s, k)
          local n = names[k]
          if n == 'f32' or n == 'f64' then return kind.float(s, k - 1) end
          local v = kind.int(s, k - 1)
          if n == 'b' then return v ~= 0 end
          if n == 'p' or n == 's' then return ffi.pointer(v) end
          return v
        end
        -- An error message with the struct and field names of the long struct made those of the short one.
        local function normal(msg)
          return (tostring(msg):gsub(LONG, ''):gsub('fields_long', 'fields_short'):gsub('^[^:]*:%d+: ', ''))
        end

        """;

    static object? Eval(string code)
    {
        using var rt = Lua.NewRuntime();
        rt.SetGlobal("FIELDSLIB", NativeBuild.SharedLibrary("fields_test.c"));
        var r = rt.DoString(Prelude + code, "=test");
        return r.Length > 0 ? r[0] : null;
    }

    [Theory]
    [InlineData("short")]
    [InlineData("long")]
    public void EveryFieldKindReadsWhatCWrote(string kind) =>
        Assert.Equal("", Eval($$"""
            local kind = kinds.{{kind}}
            local s = kind.new()
            kind.fill(s)
            local bad = {}
            for k, n in ipairs(names) do
              local got, want = s[kind.key(n)], c_value(kind, s, k)
              if got ~= want or math.type(got) ~= math.type(want) then bad[#bad + 1] = n .. ': ' .. tostring(got) .. ' ~= ' .. tostring(want) end
            end
            return table.concat(bad, '; ')
            """));

    [Theory]
    [InlineData("short")]
    [InlineData("long")]
    public void EveryFieldKindWrittenFromLuaGivesCsBytes(string kind) =>
        Assert.Equal(true, Eval($$"""
            local kind = kinds.{{kind}}
            local a, b = kind.new(), kind.new()
            kind.fill(a)
            for _, n in ipairs(names) do b[kind.key(n)] = a[kind.key(n)] end
            return same_bytes(a, b, ffi.sizeof(a)) == 1
            """));

    /// <summary>Every value of every Lua type written to every field kind: the native path and the C# path agree on the result or the error.</summary>
    [Fact]
    public void TheNativeAndCSharpPathsConvertEveryValueAlike() =>
        Assert.Equal("", Eval("""
            local values = { 0, 1, -1, 300, -129, 65536, 2^31, 2^32 + 5, math.maxinteger, math.mininteger, 2^53, 1.0, 2.5, -0.0,
                             1/0, -1/0, 0/0, 1e300, '7', 'x', true, false, {}, print, ffi.nullptr, ffi.pointer(12345),
                             ffi.buffer(8), coroutine.create(print) }
            local short, long = kinds.short.new(), kinds.long.new()
            local bad = {}
            local function show(v) return type(v) == 'number' and string.format('%q', v) or tostring(v) end
            for _, n in ipairs(names) do
              for i = 1, #values + 1 do -- the last is nil
                local v = values[i]
                local ok1, e1 = pcall(function() short[n] = v end)
                local ok2, e2 = pcall(function() long[LONG .. n] = v end)
                local r1, r2 = short[n], long[LONG .. n]
                local same = ok1 == ok2 and (ok1 or normal(e1) == normal(e2)) and (r1 == r2 or r1 ~= r1 and r2 ~= r2)
                  and math.type(r1) == math.type(r2)
                if not same then
                  bad[#bad + 1] = n .. ' = ' .. show(v) .. ': ' .. tostring(ok1 and show(r1) or normal(e1)) .. ' / ' .. tostring(ok2 and show(r2) or normal(e2))
                end
              end
            end
            return table.concat(bad, '\n')
            """));

    /// <summary>Keys of every type read from the native path and from the C# path: the same value or the same error.</summary>
    [Fact]
    public void KeysOfEveryTypeGiveTheSameErrorsOnBothPaths() =>
        Assert.Equal("", Eval("""
            local short, long = kinds.short.new(), kinds.long.new()
            local keys = { 1, 0, -1, 2.5, 0/0, math.huge, true, false, {}, print, ffi.nullptr, short, 'nope', 'I8', '', string.rep('x', 100) }
            -- a light userdata carrying the address of the interned string 'i8' (what the native table compares)
            keys[#keys + 1] = ffi.pointer(tonumber(string.format('%p', 'i8')))
            local bad = {}
            for i, k in ipairs(keys) do
              local ok1, e1 = pcall(function() return short[k] end)
              local ok2, e2 = pcall(function() return long[k] end)
              local ok3, e3 = pcall(function() short[k] = 1 end)
              local ok4, e4 = pcall(function() long[k] = 1 end)
              if ok1 or ok2 or ok3 or ok4 or normal(e1) ~= normal(e2) or normal(e3) ~= normal(e4) then
                bad[#bad + 1] = i .. ' ' .. tostring(k) .. ': ' .. normal(e1) .. ' / ' .. normal(e2) .. ' / ' .. normal(e3) .. ' / ' .. normal(e4)
              end
            end
            return table.concat(bad, '\n')
            """));

    [Fact]
    public void AnIntArrayReadsAndWritesWhatCSees() =>
        Assert.Equal("ok", Eval("""
            local fill = lib:wrap('void', 'fields_fill_ints', 'pointer', 'i32')
            local sum = lib:wrap('i64', 'fields_sum_ints', 'pointer', 'i32')
            local a = ffi.new('int[1000]')
            fill(a, #a)
            local s = 0
            for i = 0, #a - 1 do s = s + a[i] end
            assert(s == sum(a, #a), 'read: ' .. s .. ' ~= ' .. sum(a, #a))
            local want = 0
            for i = 0, #a - 1 do a[i] = i * 7 - 3000; want = want + i * 7 - 3000 end
            assert(want == sum(a, #a), 'write')
            assert(not pcall(function() return a[1000] end) and not pcall(function() return a[-1] end))
            return 'ok'
            """));

    /// <summary>Array elements take the native path too: every kind converts every value as a field of that kind does on the C# path.</summary>
    [Fact]
    public void ArrayElementsConvertAsFieldsDo() =>
        Assert.Equal("", Eval("""
            local types = { 'int8_t', 'uint8_t', 'int16_t', 'uint16_t', 'int32_t', 'uint32_t', 'int64_t', 'uint64_t', 'float', 'double',
                             '_Bool', 'void *', 'const char *', 'enum fields_colour', 'long', 'char' }
            local values = { 0, -1, 300, 2^32 + 5, math.mininteger, 2.5, 0/0, 1e300, 'x', true, nil, ffi.pointer(99), {} }
            local long = kinds.long.new()
            local bad = {}
            for k, t in ipairs(types) do
              local arr = ffi.new(t .. '[2]')
              for i = 1, 13 do
                local v = values[i]
                local ok1, e1 = pcall(function() arr[1] = v end)
                local ok2, e2 = pcall(function() long[LONG .. names[k]] = v end)
                local r1, r2 = arr[1], long[LONG .. names[k]]
                if ok1 ~= ok2 or not (r1 == r2 or r1 ~= r1 and r2 ~= r2) or math.type(r1) ~= math.type(r2) then
                  bad[#bad + 1] = t .. ' ' .. tostring(v) .. ': ' .. tostring(ok1 and r1 or e1) .. ' / ' .. tostring(ok2 and r2 or e2)
                end
              end
            end
            return table.concat(bad, '\n')
            """));

    /// <summary>Packed fields at odd offsets, unions and anonymous members: the native path writes the bytes the C# path writes.</summary>
    [Fact]
    public void UnalignedUnionAndAnonymousFieldsWriteTheSameBytesOnBothPaths() =>
        Assert.Equal("", Eval("""
            ffi.cdef[[
              struct __attribute__((packed)) PkS { char c; double d; int16_t h; uint64_t q; union { float f; int32_t i; }; };
              struct __attribute__((packed)) PkL { char a_field_name_long_enough_not_to_be_interned_c; double a_field_name_long_enough_not_to_be_interned_d;
                int16_t a_field_name_long_enough_not_to_be_interned_h; uint64_t a_field_name_long_enough_not_to_be_interned_q;
                union { float a_field_name_long_enough_not_to_be_interned_f; int32_t a_field_name_long_enough_not_to_be_interned_i; }; };
            ]]
            assert(ffi.offsetof('struct PkS', 'd') == 1 and ffi.sizeof('struct PkS') == 23)
            local a, b = ffi.new('struct PkS'), ffi.new('struct PkL')
            local bad = {}
            for _, w in ipairs({ { 'c', 65 }, { 'd', -1.25e-300 }, { 'h', -2 }, { 'q', -3 }, { 'f', 0.1 }, { 'i', 0x7f7f7f7f }, { 'd', 0/0 } }) do
              a[w[1]] = w[2]; b[LONG .. w[1]] = w[2]
              local x, y = ffi.string(a, ffi.sizeof(a)), ffi.string(b, ffi.sizeof(b))
              if x ~= y then bad[#bad + 1] = w[1] end
              for _, n in ipairs({ 'c', 'd', 'h', 'q', 'f', 'i' }) do
                local u, v = a[n], b[LONG .. n]
                if not (u == v or u ~= u and v ~= v) then bad[#bad + 1] = w[1] .. ' then ' .. n end
              end
            end
            return table.concat(bad, ', ')
            """));

    /// <summary>
    /// The native ffi.new's cache (64 entries in buckets of two) under more types and names than it
    /// holds, used in turn and collected between rounds: each ffi.new gives an instance of its own type.
    /// </summary>
    [Fact]
    public void ManyTypesInTurnEachGetInstancesOfTheirOwnType() =>
        Assert.Equal("ok", Eval("""
            local types, names = {}, {}
            for i = 1, 150 do
              types[i] = ffi.struct('struct Many' .. i .. ' { int f' .. i .. '; double g; }')
              names[i] = 'struct Many' .. i
            end
            for round = 1, 4 do
              for i = 1, 150 do
                local j = (i * 7 + round) % 150 + 1
                local a, b = ffi.new(types[j]), ffi.new(names[j])
                a['f' .. j] = j; b['f' .. j] = -j
                assert(a['f' .. j] == j and b['f' .. j] == -j and ffi.sizeof(a) == 16, 'type ' .. j)
                assert(not pcall(function() return a['f' .. (j % 150 + 1)] end), 'a field of another type in ' .. j)
              end
              if round == 2 then types = {} for i = 1, 150 do types[i] = ffi.struct('struct Many' .. i .. ' { int f' .. i .. '; double g; }') end end
              collectgarbage()
            end
            return 'ok'
            """));

    /// <summary>
    /// The valid accesses never reach the C# functions (they would, and this fails, if the native
    /// path were off or refused them): 1000 of each after the first ffi.new of each form.
    /// </summary>
    [Theory]
    [InlineData("local v = p.x")]
    [InlineData("p.y = i")]
    [InlineData("local v = s.u64 + s.i8")]
    [InlineData("s.f32 = i; s.b = true; s.p = nil")]
    [InlineData("local v = a[i % 1000]")]
    [InlineData("a[i % 1000] = i")]
    [InlineData("local v = p.inner.x")] // a view: C# makes it, its fields are native
    [InlineData("local q = ffi.new(P)")]
    [InlineData("local q = ffi.new('struct Point')")]
    public void ValidAccessesStayNative(string body)
    {
        if (!InstanceNative.IsSupported) return; // the C# path is the only one here
        using var rt = Lua.NewRuntime();
        rt.SetGlobal("FIELDSLIB", NativeBuild.SharedLibrary("fields_test.c"));
        rt.DoString(Prelude + """
            _G.ffi = ffi
            P = ffi.struct('struct Point { double x, y; struct { double x; } inner; }')
            p, s, a = ffi.new(P), kinds.short.new(), ffi.new('int[1000]')
            local q = ffi.new(P); q = ffi.new('struct Point')
            """, "=setup");
        long before = InstanceMethods.CSharpCalls;
        rt.DoString($"for i = 1, 1000 do {body} end", "=loop");
        long calls = InstanceMethods.CSharpCalls - before;
        // A nested record is a view that C# makes; an ffi.new may go to C# once if another type took its cache entry.
        long views = body.Contains("inner") ? 1000 : 0;
        Assert.InRange(calls - views, 0, body.Contains("ffi.new") ? 1 : 0);
    }
}
