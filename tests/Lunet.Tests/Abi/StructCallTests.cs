using Lunet.Ffi.Calls;
using Lunet.Tests.Support;

namespace Lunet.Tests.Abi;

/// <summary>
/// Structs and unions by value through lib:wrap and lib:call, against the hand-written C of
/// tests/native/abi_test.c: each sum_* returns an FNV-1a checksum of the members it received, which
/// the script computes over the values it passed (string.pack gives their bytes); each *_make returns a
/// struct computed from its arguments, which the script computes too. The records are declared from
/// the C file's own typedefs.
/// </summary>
public class StructCallTests
{
    public static string AbiLib => NativeBuild.SharedLibrary("abi_test.c");

    /// <summary>The typedef lines of abi_test.c: the declarations the script gives ffi.cdef.</summary>
    public static string Declarations => string.Join("\n",
        File.ReadLines(Path.Combine(NativeBuild.NativeDir, "abi_test.c")).Where(l => l.StartsWith("typedef ", StringComparison.Ordinal)));

    static readonly string Prelude = """
        local ffi = require('ffi')
        ffi.cdef(DECLS)
        local lib = ffi.open(ABILIB)
        local function W(ret, name, ...) return lib:wrap(ret, name, ...) end
        """ + "\n" + LuaChecksums.Functions;

    static string Run(string body)
    {
        using var rt = Lua.NewRuntime();
        rt.SetGlobal("ABILIB", AbiLib);
        rt.SetGlobal("DECLS", Declarations);
        var r = rt.DoString(Prelude + "\n" + body + "\nreturn 'ok'", "=test");
        return (string)r[0]!;
    }

    [Fact]
    public void EachShapeArrivesAsCWantsIt()
    {
        if (!NativeStubCompiler.IsSupported) return;
        Assert.Equal("ok", Run("""
            local function both(name, ty, value, want)
              check(name .. ' (table)', W('u64', name, ty)(value), want)
              check(name .. ' (instance)', W('u64', name, ty)(ffi.new(ty, value)), want)
              check(name .. ' (lib:call)', lib:call(name, 'u64', {ty}, value), want)
              check(name .. ' (lib:call again)', lib:call(name, 'u64', {ty}, value), want)
            end
            both('sum_vec2', 'Vec2', {x = 1.5, y = -2.25}, fnv('dd', 1.5, -2.25))
            both('sum_id', 'ID', {i = -7, d = 0.125}, fnv('i4d', -7, 0.125))
            both('sum_di', 'DI', {d = 1e300, i = 123456}, fnv('di4', 1e300, 123456))
            both('sum_f3', 'F3', {a = 1.5, b = 2.5, c = -3.75}, fnv('fff', 1.5, 2.5, -3.75))
            both('sum_f2', 'F2', {a = 0.5, b = 4}, fnv('ff', 0.5, 4))
            both('sum_f4', 'F4', {a = 1, b = 2, c = 3, d = 4}, fnv('ffff', 1, 2, 3, 4))
            both('sum_cic', 'CIC', {a = -1, i = 0x12345678, b = 127}, fnv('i1i4i1', -1, 0x12345678, 127))
            both('sum_if', 'IF', {i = -99}, fnv('i4', -99))
            both('sum_ud', 'UD', {l = 0x123456789}, fnv('i8', 0x123456789))
            both('sum_pci', 'PCI', {c = 5, i = -70000}, fnv('i1i4', 5, -70000))
            both('sum_pic', 'PIC', {i = 70000, c = -5}, fnv('i4i1', 70000, -5))
            both('sum_nest', 'Nest', {p = {x = 1.25, y = -1.25}, z = 9.5}, fnv('ffd', 1.25, -1.25, 9.5))
            both('sum_arr', 'Arr', {v = {1, -2, 300, -32768}}, fnv('i2i2i2i2', 1, -2, 300, -32768))
            both('sum_farr', 'FArr', {v = {0.25, 0.5, 0.75}}, fnv('fff', 0.25, 0.5, 0.75))
            both('sum_c3', 'C3', {c = {1, 2, 3}}, fnv('i1i1i1', 1, 2, 3))
            both('sum_big', 'Big', {a = 1, b = -2, c = math.maxinteger}, fnv('i8i8i8', 1, -2, math.maxinteger))
            both('sum_huge', 'Huge', {v = {1, 2, 3, 4, 5, 6, 7, 8}, tag = 42}, fnv('ddddddddi4', 1, 2, 3, 4, 5, 6, 7, 8, 42))
            both('sum_ll', 'LL', {a = math.mininteger, b = 5}, fnv('i8i8', math.mininteger, 5))
            both('sum_one', 'One', {c = -128}, fnv('i1', -128))
            local bytes = {} for i = 1, 16 do bytes[i] = i * 15 end
            both('sum_u8x16', 'U8x16', {b = bytes}, fnv(('B'):rep(16), table.unpack(bytes)))
            both('sum_mixed', 'Mixed', {s = -300, f = 2.5, u = 200, d = -0.5}, fnv('i2fBd', -300, 2.5, 200, -0.5))
            both('sum_bits', 'Bits', {a = 5, b = 300, c = -3}, fnv('I4I4i4', 5, 300, -3))
            -- missing fields are zero
            both('sum_id', 'ID', {d = 2}, fnv('i4d', 0, 2))
            both('sum_big', 'Big', {}, fnv('i8i8i8', 0, 0, 0))
            """));
    }

    [Fact]
    public void StructsAmongScalarsAndSpilledToTheStack()
    {
        if (!NativeStubCompiler.IsSupported) return;
        Assert.Equal("ok", Run("""
            check('sum_scalars_vec2', W('u64', 'sum_scalars_vec2', 'i32', 'Vec2', 'f64', 'i8')(-5, {x = 1, y = 2}, 3.5, -9),
              fnv('i4dddi1', -5, 1, 2, 3.5, -9))
            check('sum_spill_int', W('u64', 'sum_spill_int', 'i64', 'i64', 'i64', 'i64', 'i64', 'LL', 'i32')(1, 2, 3, 4, 5, {a = 6, b = 7}, 8),
              fnv('i8i8i8i8i8i8i8i4', 1, 2, 3, 4, 5, 6, 7, 8))
            check('sum_spill_sse', W('u64', 'sum_spill_sse', 'f64', 'f64', 'f64', 'f64', 'f64', 'f64', 'f64', 'Vec2', 'f64')(1, 2, 3, 4, 5, 6, 7, {x = 8, y = 9}, 10),
              fnv('dddddddddd', 1, 2, 3, 4, 5, 6, 7, 8, 9, 10))
            check('sum_many', W('u64', 'sum_many', 'Vec2', 'ID', 'F3', 'CIC', 'LL', 'Big', 'i32')(
                {x = 1, y = 2}, {i = 3, d = 4}, {a = 5, b = 6, c = 7}, {a = 8, i = 9, b = 10}, {a = 11, b = 12}, {a = 13, b = 14, c = 15}, 16),
              fnv('ddi4dfffi1i4i1i8i8i8i8i8i4', 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16))
            check('sum_two_big', W('u64', 'sum_two_big', 'Big', 'Big')({a = 1, b = 2, c = 3}, {a = 4, b = 5, c = 6}), fnv('i8i8i8i8i8i8', 1, 2, 3, 4, 5, 6))
            local f2 = {} local vals = {}
            for i = 1, 10 do f2[i] = {a = i, b = -i} vals[#vals + 1] = i vals[#vals + 1] = -i end
            local ten = {} for i = 1, 10 do ten[i] = 'F2' end
            check('sum_ten_f2', W('u64', 'sum_ten_f2', table.unpack(ten))(table.unpack(f2)), fnv(('f'):rep(20), table.unpack(vals)))
            check('sum_mix_stack', W('u64', 'sum_mix_stack', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'CIC', 'f64', 'F3', 'Huge')(
                1, 2, 3, 4, 5, 6, {a = 7, i = 8, b = 9}, 10.5, {a = 11, b = 12, c = 13}, {v = {14, 15, 16, 17, 18, 19, 20, 21}, tag = 22}),
              fnv('i4i4i4i4i4i4i1i4i1dfffddddddddi4', 1, 2, 3, 4, 5, 6, 7, 8, 9, 10.5, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22))
            local nine = {} for i = 1, 9 do nine[i] = 'One' end
            check('sum_nine_one', W('u64', 'sum_nine_one', table.unpack(nine))({c = 1}, {c = 2}, {c = 3}, {c = 4}, {c = 5}, {c = 6}, {c = 7}, {c = 8}, {c = 9}),
              fnv(('i1'):rep(9), 1, 2, 3, 4, 5, 6, 7, 8, 9))
            local v = ffi.new('Vec2', {x = 3, y = 4})
            check('sum_pointer_fields', W('u64', 'sum_pointer_fields', 'pointer', 'Vec2')(v, v), fnv('dddd', 3, 4, 3, 4))
            """));
    }

    [Fact]
    public void StructResultsAreNewInstancesComputedByC()
    {
        if (!NativeStubCompiler.IsSupported) return;
        Assert.Equal("ok", Run("""
            local r = W('Vec2', 'vec2_add', 'Vec2', 'Vec2')({x = 1, y = 2}, ffi.new('Vec2', {x = 10, y = 20}))
            check('vec2_add', r.x .. ' ' .. r.y, 11.0 .. ' ' .. 22.0)
            check('vec2_add type', tostring(r), 'Vec2 { x = 11.0, y = 22.0 }')
            r.x = 5 -- owns its memory: writable, and the next call gives another instance
            local r2 = W('Vec2', 'vec2_add', 'Vec2', 'Vec2')(r, r)
            check('vec2_add of a result', r2.x .. ' ' .. r2.y .. ' ' .. r.x, 10.0 .. ' ' .. 44.0 .. ' ' .. 5.0)
            local v = W('ID', 'id_make', 'i32', 'f64')(21, 5) check('id_make', v.i .. ' ' .. v.d, 42 .. ' ' .. 2.5)
            v = W('DI', 'di_make', 'f64', 'i32')(0.5, 10) check('di_make', v.d .. ' ' .. v.i, 2.0 .. ' ' .. 9)
            v = W('F3', 'f3_scale', 'F3', 'f32')({a = 1, b = 2, c = 3}, 0.5) check('f3_scale', v.a .. ' ' .. v.b .. ' ' .. v.c, '0.5 1.0 1.5')
            v = W('F2', 'f2_swap', 'F2')({a = 1, b = 2}) check('f2_swap', v.a .. ' ' .. v.b, '2.0 1.0')
            v = W('F4', 'f4_make', 'f32')(10) check('f4_make', v.a + v.b * 10 + v.c * 100 + v.d * 1000, 10 + 110 + 1200 + 13000)
            v = W('CIC', 'cic_make', 'i8', 'i32', 'i8')(-2, 1000, -128) check('cic_make', v.a .. ' ' .. v.i .. ' ' .. v.b, '-1 3000 127')
            v = W('Big', 'big_make', 'i64', 'i64', 'i64')(1, 2, 3) check('big_make', v.a .. ' ' .. v.b .. ' ' .. v.c, '10 200 3000')
            v = W('Huge', 'huge_make', 'f64', 'i32')(0.5, -3)
            local s = 0 for i = 0, 7 do s = s + v.v[i] end
            check('huge_make', s .. ' ' .. v.tag, (8 * 0.5 + 28) .. ' ' .. -3)
            v = W('LL', 'll_make', 'i64', 'i64')(10, 3) check('ll_make', v.a .. ' ' .. v.b, '13 7')
            v = W('IF', 'if_make', 'i32')(-7) check('if_make', v.i, 0)
            v = W('UD', 'ud_make', 'i64')(0x1111) check('ud_make', v.l, 0x1111 ~ 0x5555)
            v = W('PIC', 'pic_make', 'i32', 'i8')(99, 9) check('pic_make', v.i .. ' ' .. v.c, '100 10')
            v = W('PCI', 'pci_make', 'i8', 'i32')(9, 99) check('pci_make', v.c .. ' ' .. v.i, '8 98')
            v = W('Nest', 'nest_make', 'f32', 'f32', 'f64')(1.5, 2.5, 4) check('nest_make', v.p.x .. ' ' .. v.p.y .. ' ' .. v.z, '1.5 2.5 8.0')
            v = W('One', 'one_make', 'i8')(-60) check('one_make', v.c, -120)
            v = W('C3', 'c3_make', 'i8', 'i8', 'i8')(1, 2, 3) check('c3_make', v.c[0] .. v.c[1] .. v.c[2], '321')
            v = W('Arr', 'arr_make', 'i16')(-50) check('arr_make', v.v[0] .. ' ' .. v.v[3], '-50 250')
            v = W('FArr', 'farr_make', 'f32')(0.5) check('farr_make', v.v[2], 1.5)
            v = W('U8x16', 'u8x16_make', 'u8')(250) check('u8x16_make', v.b[0] .. ' ' .. v.b[15], '250 9')
            v = W('Mixed', 'mixed_make', 'i16', 'f32', 'u8', 'f64')(1, 2, 255, 4) check('mixed_make', v.s .. ' ' .. v.f .. ' ' .. v.u .. ' ' .. v.d, '2 3.0 0 5.0')
            v = W('Bits', 'bits_make', 'u32', 'u32', 'i32')(6, 511, -64) check('bits_make', v.a .. ' ' .. v.b .. ' ' .. v.c, '6 511 -64')
            v = W('Big', 'big_from', 'i32', 'Vec2', 'Big')(5, {x = 10, y = 20}, {a = 1, b = 2, c = 3}) check('big_from', v.a .. ' ' .. v.b .. ' ' .. v.c, '6 12 23')
            v = W('Vec2', 'vec2_after_spill', 'i64', 'i64', 'i64', 'i64', 'i64', 'i64', 'i64', 'Vec2')(1, 2, 3, 4, 5, 6, 7, {x = 0.5, y = 0.25})
            check('vec2_after_spill', v.x .. ' ' .. v.y, '10.5 18.25')
            v = W('A16', 'a16_make', 'f64')(1.5) check('a16_make', v.v[0] .. ' ' .. v.v[3], '1.5 6.0')
            check('sum_a16', W('u64', 'sum_a16', 'i32', 'A16', 'f64')(3, {v = {1, 2, 3, 4}}, 0.5), fnv('i4ddddd', 3, 1, 2, 3, 4, 0.5))
            local ok, e = pcall(W, 'f64', 'a32_get', 'A32')
            check('a32_get refused', tostring(e):find('struct A32 is aligned to 32 bytes: a struct by value may be aligned to 16 at most', 1, true) ~= nil, true)
            v = lib:call('big_make', 'Big', {'i64', 'i64', 'i64'}, 4, 5, 6) check('big_make (lib:call)', v.c, 6000)
            v = lib:call('big_make', 'Big', {'i64', 'i64', 'i64'}, 4, 5, 7) check('big_make (lib:call again)', v.c, 7000)
            """));
    }

    [Fact]
    public void DeclaredFunctionsReachedThroughFfiCTakeAndReturnStructs()
    {
        if (!NativeStubCompiler.IsSupported) return;
        Assert.Equal("ok", Run("""
            ffi.cdef[[
              typedef struct { int quot; int rem; } div_t;
              typedef struct { long long quot; long long rem; } lldiv_t;
              div_t div(int, int);
              lldiv_t lldiv(long long, long long);
              struct in_addr { unsigned int s_addr; };
              char *inet_ntoa(struct in_addr);
            ]]
            -- C division truncates toward zero
            local function cdiv(a, b) local q = a // b if q < 0 and q * b ~= a then q = q + 1 end return q, a - q * b end
            for _, p in ipairs({{17, 5}, {-17, 5}, {2^31 - 1, -3}}) do
              local a, b = math.tointeger(p[1]), p[2]
              local r = ffi.C.div(a, b)
              local q, m = cdiv(a, b)
              check('div', r.quot .. ' ' .. r.rem, q .. ' ' .. m)
              local l = ffi.C.lldiv(a << 20, b)
              q, m = cdiv(a << 20, b)
              check('lldiv', l.quot .. ' ' .. l.rem, q .. ' ' .. m)
            end
            check('inet_ntoa', ffi.C.inet_ntoa({s_addr = 0x0100007f}), '127.0.0.1')
            """));
    }

    [Fact]
    public void BadStructArgumentsAreErrorsNamingArgumentFunctionAndTypes()
    {
        if (!NativeStubCompiler.IsSupported) return;
        Assert.Equal("ok", Run("""
            local add = W('Vec2', 'vec2_add', 'Vec2', 'Vec2')
            local function fails(want, f, ...)
              local ok, e = pcall(f, ...)
              check('error', ok, false)
              if not tostring(e):find(want, 1, true) then error('expected "' .. want .. '", got: ' .. tostring(e), 2) end
            end
            fails("bad argument #1 to 'vec2_add' (struct Vec2 has no field 'z')", add, {x = 1, z = 2}, {})
            fails("bad argument #2 to 'vec2_add' (struct Vec2 has no field (a number))", add, {}, {1, 2})
            fails("bad argument #1 to 'vec2_add' (cannot set struct Vec2.x to \"a\" (a string): f64 expected, got string)", add, {x = 'a'}, {})
            fails("bad argument #2 to 'vec2_add' (struct Vec2 expected (an instance or a table of fields), got number)", add, {}, 5)
            fails("bad argument #1 to 'vec2_add' (struct Vec2 expected (an instance or a table of fields), got nil)", add, nil, {})
            fails("bad argument #1 to 'vec2_add' (struct Vec2 expected, got struct ID)", add, ffi.new('ID'), {})
            fails("bad argument #2 to 'vec2_add' (struct Vec2 expected (an instance or a table of fields), got Buffer)", add, {}, ffi.buffer(16))
            fails("wrong number of arguments to 'vec2_add' (2 expected, got 1)", add, {})
            fails("wrong number of arguments to 'vec2_add' (2 expected, got 3)", add, {}, {}, {})
            fails("bad argument #1 to 'sum_nest' (cannot set struct Nest.p.x to boolean: f32 expected, got boolean)", W('u64', 'sum_nest', 'Nest'), {p = {x = true}})
            fails("bad argument #1 to 'sum_arr' (cannot set struct Arr.v: 5 values given for 4 elements)", W('u64', 'sum_arr', 'Arr'), {v = {1, 2, 3, 4, 5}})
            fails("bad argument #4 to 'sum_mix_stack'", lib.call, lib, 'sum_mix_stack', 'u64', {'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'CIC', 'f64', 'F3', 'Huge'}, 1, 2, 3, 'x', 5, 6, {}, 1, {}, {})
            fails("bad argument #10 to 'sum_mix_stack' (struct Huge has no field 'tags')", lib.call, lib, 'sum_mix_stack', 'u64', {'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'CIC', 'f64', 'F3', 'Huge'}, 1, 2, 3, 4, 5, 6, {}, 1, {}, {tags = 1})
            -- a metatable on the table is not consulted (raw reads), and the runtime keeps working
            check('after errors', add(setmetatable({}, {__index = function() error('no') end}), {x = 1}).x, 1.0)
            fails("wrap: struct Opaque cannot be passed by value: it is incomplete (declared, not defined)", function() ffi.cdef('struct Opaque;') return W('u64', 'sum_vec2', 'struct Opaque') end)
            fails("wrap: i32[4] cannot be passed by value", W, 'u64', 'sum_vec2', 'i32[4]')
            """));
    }
}
