using Lunet.Ffi.Calls;
using Lunet.Ffi.Types;
using Lunet.Tests.Support;

namespace Lunet.Tests.Abi;

/// <summary>
/// The native stub's own path for structs by value and typed pointers (tests/native/abi_test.c): an
/// instance or view of exactly the parameter's type is copied by the stub, and a struct result becomes a
/// new instance made by the stub, neither entering C# (the count of the struct helpers' calls stays put);
/// everything else (tables, instances of another type, forged userdata) still goes to C# and gives what
/// it gave. A pointer to a struct takes an instance of that struct or of an array of it, a Buffer, a raw
/// pointer, and refuses an instance of another type with both types named, on both stub paths.
/// </summary>
public class NativeRecordPathTests
{
    static readonly string Prelude = """
        local ffi = require('ffi')
        ffi.cdef(DECLS)
        local lib = ffi.open(ABILIB)
        """ + "\n" + LuaChecksums.Functions;

    static LuaRuntime NewRuntime()
    {
        var rt = Lua.NewRuntime();
        rt.SetGlobal("ABILIB", StructCallTests.AbiLib);
        rt.SetGlobal("DECLS", StructCallTests.Declarations);
        return rt;
    }

    /// <summary>On this machine the stubs read instances and pointers from the Lua stack (the layout check holds), so the tests here run that path.</summary>
    [Fact]
    public void TheStackLayoutOfFullUserdataIsVerifiedHere()
    {
        if (!NativeStubCompiler.IsSupported) return;
        Assert.True(Lunet.Interop.LuaStackLayout.UserdataVerified);
        Assert.True(Lunet.Interop.LuaStackLayout.UpvalueVerified);
        Assert.True(Lunet.Interop.LuaStackLayout.TopOffset > 0);
    }

    [Fact]
    public void InstancesOfTheParameterTypeAreCopiedByTheStub()
    {
        if (!NativeStubCompiler.IsSupported) return;
        using var rt = NewRuntime();
        long before = NativeCallSupport.RecordHelperCalls;
        var r = rt.DoString(Prelude + "\n" + """
            local function native(name, ty, value, fmt, ...)
              local f = lib:wrap('u64', name, ty)
              local inst = ffi.new(ty, value)
              for i = 1, 3 do check(name, f(inst), fnv(fmt, ...)) end
              check(name .. ' (lib:call)', lib:call(name, 'u64', {ty}, inst), fnv(fmt, ...))
            end
            native('sum_vec2', 'Vec2', {x = 1.5, y = -2.25}, 'dd', 1.5, -2.25)
            native('sum_f3', 'F3', {a = 1.5, b = 2.5, c = -3.75}, 'fff', 1.5, 2.5, -3.75)
            native('sum_cic', 'CIC', {a = -1, i = 0x12345678, b = 127}, 'i1i4i1', -1, 0x12345678, 127)
            native('sum_pic', 'PIC', {i = 70000, c = -5}, 'i4i1', 70000, -5)
            native('sum_pci', 'PCI', {c = 5, i = -70000}, 'i1i4', 5, -70000)
            native('sum_one', 'One', {c = -128}, 'i1', -128)
            native('sum_c3', 'C3', {c = {1, 2, 3}}, 'i1i1i1', 1, 2, 3)
            native('sum_big', 'Big', {a = 1, b = -2, c = math.maxinteger}, 'i8i8i8', 1, -2, math.maxinteger)
            native('sum_huge', 'Huge', {v = {1, 2, 3, 4, 5, 6, 7, 8}, tag = 42}, 'ddddddddi4', 1, 2, 3, 4, 5, 6, 7, 8, 42)
            native('sum_mixed', 'Mixed', {s = -300, f = 2.5, u = 200, d = -0.5}, 'i2fBd', -300, 2.5, 200, -0.5)
            native('sum_ud', 'UD', {l = 0x123456789}, 'i8', 0x123456789)
            -- a view of a struct inside a Buffer is an instance of that type too
            local buf = ffi.buffer(64)
            local v = ffi.cast(buf, 'Vec2')
            v.x, v.y = 3, 4
            check('view', lib:wrap('u64', 'sum_vec2', 'Vec2')(v), fnv('dd', 3, 4))
            -- among scalars, and past the registers
            local s = ffi.new('Vec2', {x = 7, y = 8})
            check('mixed', lib:wrap('u64', 'sum_scalars_vec2', 'i32', 'Vec2', 'f64', 'i8')(-5, s, 0.5, 9), fnv('i4ddd i1', -5, 7, 8, 0.5, 9))
            check('spill', lib:wrap('u64', 'sum_spill_sse', 'f64', 'f64', 'f64', 'f64', 'f64', 'f64', 'f64', 'Vec2', 'f64')(1, 2, 3, 4, 5, 6, 7, s, 9),
              fnv('ddddddddd d', 1, 2, 3, 4, 5, 6, 7, 7, 8, 9))
            return 'ok'
            """, "=test");
        Assert.Equal("ok", r[0]);
        Assert.Equal(before, NativeCallSupport.RecordHelperCalls);
    }

    [Fact]
    public void StructResultsBecomeInstancesMadeByTheStub()
    {
        if (!NativeStubCompiler.IsSupported) return;
        using var rt = NewRuntime();
        rt.DoString("require('ffi').new('struct { int a; }')", "=first instance"); // the instance metatable exists
        long before = NativeCallSupport.RecordHelperCalls;
        var r = rt.DoString(Prelude + "\n" + """
            local a, b = ffi.new('Vec2', {x = 1, y = 2}), ffi.new('Vec2', {x = 10, y = 20})
            local add = lib:wrap('Vec2', 'vec2_add', 'Vec2', 'Vec2')
            local sum = add(a, b)
            check('vec2_add', sum.x + 100 * sum.y, 11 + 100 * 22)
            check('vec2_add type', tostring(sum):match('^%S+'), tostring(a):match('^%S+'))
            sum.x = 5 -- it owns its bytes
            check('vec2_add owns', a.x + sum.x, 6)
            check('again', add(sum, sum).y, 44)
            local f = lib:wrap('F3', 'f3_scale', 'F3', 'f32')(ffi.new('F3', {a = 1, b = 2, c = 3}), 2)
            check('f3_scale', f.a + 10 * f.b + 100 * f.c, 2 + 40 + 600)
            local c = lib:wrap('CIC', 'cic_make', 'i8', 'i32', 'i8')(1, 2, 3)
            check('cic_make', c.a * 10000 + c.i * 10 + c.b, 2 * 10000 + 60 + 2)
            local g = lib:wrap('Big', 'big_make', 'i64', 'i64', 'i64')(1, 2, 3)
            check('big_make (hidden pointer)', g.a + g.b + g.c, 10 + 200 + 3000)
            local h = lib:wrap('Huge', 'huge_make', 'f64', 'i32')(0.5, 77)
            check('huge_make', h.v[7] + h.tag, 7.5 + 77)
            local o = lib:wrap('One', 'one_make', 'i8')(-3)
            check('one_make', o.c, -6)
            local m = lib:wrap('Mixed', 'mixed_make', 'i16', 'f32', 'u8', 'f64')(1, 2, 3, 4)
            check('mixed_make', m.s + m.f + m.u + m.d, 2 + 3 + 4 + 5)
            local p = lib:wrap('PIC', 'pic_make', 'i32', 'i8')(9, 9)
            check('pic_make', p.i + p.c, 20)
            local q = lib:wrap('Vec2', 'vec2_after_spill', 'i64', 'i64', 'i64', 'i64', 'i64', 'i64', 'i64', 'Vec2')(1, 2, 3, 4, 5, 6, 7, b)
            check('vec2_after_spill', q.x + 1000 * q.y, (10 + 1 + 2 + 3 + 4) + 1000 * (20 + 5 + 6 + 7))
            -- many results, collected as they go
            local t = 0
            for i = 1, 20000 do t = t + add(a, b).x end
            check('loop', t, 20000 * 11)
            return 'ok'
            """, "=test");
        Assert.Equal("ok", r[0]);
        Assert.Equal(before, NativeCallSupport.RecordHelperCalls);
    }

    /// <summary>Tables, instances of another type and views of other memory take the C# path, with its results and its messages.</summary>
    [Fact]
    public void WhatTheStubDoesNotCopyGoesToCSharpUnchanged()
    {
        if (!NativeStubCompiler.IsSupported) return;
        using var rt = NewRuntime();
        long before = NativeCallSupport.RecordHelperCalls;
        var r = rt.DoString(Prelude + "\n" + """
            local f = lib:wrap('u64', 'sum_vec2', 'Vec2')
            check('table', f({x = 1, y = 2}), fnv('dd', 1, 2))
            local function err(...) local ok, e = pcall(f, ...) assert(not ok) return e end
            check('other type', err(ffi.new('ID')), "bad argument #1 to 'sum_vec2' (struct Vec2 expected, got struct ID)")
            check('array', err(ffi.new('Vec2[1]')):match('^bad argument #1 to .sum_vec2.') ~= nil, true)
            check('buffer', err(ffi.buffer(16)):match('^bad argument #1 to .sum_vec2.') ~= nil, true)
            check('pointer', err(ffi.pointer(16)):match('^bad argument #1 to .sum_vec2.') ~= nil, true)
            check('number', err(12), "bad argument #1 to 'sum_vec2' (struct Vec2 expected (an instance or a table of fields), got number)")
            return 'ok'
            """, "=test");
        Assert.Equal("ok", r[0]);
        Assert.Equal(before + 6, NativeCallSupport.RecordHelperCalls);
    }

    /// <summary>A userdata that copies an instance's header words but not its memory is not an instance: the stub leaves it to C#.</summary>
    [Fact]
    public void ForgedHeadersAreNotCopied()
    {
        if (!NativeStubCompiler.IsSupported) return;
        using var rt = NewRuntime();
        // A light userdata whose address is a real instance's block: rawlen is 0, so it is never read as one.
        rt.DoString(Prelude + "\nVEC = ffi.new('Vec2', {x = 1, y = 2}); LIGHT = ffi.pointer(tonumber(string.format('%p', VEC):sub(3), 16))", "=setup");
        long before = NativeCallSupport.RecordHelperCalls;
        var r = rt.DoString(Prelude + "\n" + """
            local f = lib:wrap('u64', 'sum_vec2', 'Vec2')
            local ok, e = pcall(f, LIGHT)
            check('light', e, "bad argument #1 to 'sum_vec2' (struct Vec2 expected (an instance or a table of fields), got pointer)")
            check('real', f(VEC), fnv('dd', 1, 2))
            return 'ok'
            """, "=test");
        Assert.Equal("ok", r[0]);
        Assert.Equal(before + 1, NativeCallSupport.RecordHelperCalls);
    }

    const string PointerChecks = """
        local function err(...) local ok, e = pcall(f, ...) assert(not ok) return e end
        local v = ffi.new('Vec2', {x = 2, y = 3})
        check('instance', f(v, v), fnv('dddd', 2, 3, 2, 3))
        local arr = ffi.new('Vec2[2]', {{x = 4, y = 5}, {x = 6, y = 7}})
        check('array of it', f(arr, v), fnv('dddd', 4, 5, 2, 3))
        local buf = ffi.buffer(16)
        buf:write(0, 'f64', 8) buf:write(8, 'f64', 9)
        check('buffer', f(buf, v), fnv('dddd', 8, 9, 2, 3))
        check('raw pointer', f(buf.ptr, v), fnv('dddd', 8, 9, 2, 3))
        check('view', f(ffi.cast(buf, 'Vec2'), v), fnv('dddd', 8, 9, 2, 3))
        check('other struct', err(ffi.new('ID'), v), "bad argument #1 to 'sum_pointer_fields' (struct Vec2* expected, got struct ID)")
        check('array of another', err(ffi.new('ID[2]'), v), "bad argument #1 to 'sum_pointer_fields' (struct Vec2* expected, got struct ID[2])")
        check('number', err(5, v), "bad argument #1 to 'sum_pointer_fields' (struct Vec2* expected, got number)")
        return 'ok'
        """;

    [Fact]
    public void APointerToAStructRefusesAnInstanceOfAnotherType()
    {
        if (!NativeStubCompiler.IsSupported) return;
        using var rt = NewRuntime();
        var r = rt.DoString(Prelude + "\nf = lib:wrap('u64', 'sum_pointer_fields', 'Vec2*', 'Vec2')\n" + PointerChecks, "=test");
        Assert.Equal("ok", r[0]);
        r = rt.DoString(Prelude + "\n" + """
            lib:cdef('uint64_t sum_pointer_fields(const Vec2 *p, Vec2 v);')
            f = lib.sum_pointer_fields
            """ + "\n" + PointerChecks, "=cdef");
        Assert.Equal("ok", r[0]);
    }

    [Fact]
    public unsafe void TheManagedStubChecksPointersToStructsAlike()
    {
        if (!NativeStubCompiler.IsSupported) return;
        using var rt = NewRuntime();
        rt.DoString("require('ffi').cdef(DECLS)", "=d");
        var types = Lunet.Ffi.FfiContext.Of(rt.State).Types;
        var h = System.Runtime.InteropServices.NativeLibrary.Load(StructCallTests.AbiLib);
        var sig = new FunctionType(types.Resolve("u64"), [types.Resolve("Vec2*"), types.Resolve("Vec2")]);
        var b = new FunctionBinding("sum_pointer_fields", System.Runtime.InteropServices.NativeLibrary.GetExport(h, "sum_pointer_fields"), sig, null, managedOnly: true);
        CallDispatcher.Push(rt.State, b);
        fixed (byte* g = "MANAGED\0"u8) Lunet.Interop.LuaApi.setglobal(rt.State, g);
        var r = rt.DoString(Prelude + "\nf = MANAGED\n" + PointerChecks, "=managed");
        Assert.Equal("ok", r[0]);
    }
}
