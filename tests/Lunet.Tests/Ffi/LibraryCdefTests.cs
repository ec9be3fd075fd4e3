using Lunet.Ffi;
using Lunet.Tests.Support;

namespace Lunet.Tests.Ffi;

/// <summary>lib:cdef: declared functions bound as callable fields, variables as values read when cdef ran, and what a library cannot give.</summary>
public class LibraryCdefTests
{
    /// <summary>Opens the test library as <c>t</c> and declares what these tests use (testlib.c defines every name).</summary>
    static string Prelude => $$"""
        local ffi = require('ffi')
        local t = ffi.open({{Quote(Lua.TestLib)}})
        t:cdef[[
          struct cdef_point { int32_t x, y; };
          extern int MY_MAGIC_INT; extern double MY_DOUBLE; extern const char *MY_STRING; extern void *MY_NULL;
          extern int32_t CDEF_TABLE[4]; extern struct cdef_point CDEF_ORIGIN;
          int add(int, int);
          int plus(int, int) __asm__("add");
          int64_t cdef_point_sum(const struct cdef_point *p);
          void cdef_point_scale(struct cdef_point *p, int32_t k);
          int64_t cdef_sum_ints(const int32_t *v, size_t n);
          int32_t cdef_table_at(size_t i);
          struct cdef_point cdef_point_make(int32_t x, int32_t y);
          int cdef_count_args(int n, ...);
          int not_in_testlib(int);
        ]]

        """;

    static string Quote(string s) => "'" + s.Replace("\\", "\\\\").Replace("'", "\\'") + "'";

    [Fact]
    public void DeclaredFunctionsAreFieldsCalledAsWrapCallsThem()
    {
        using var rt = Lua.NewRuntime();
        Assert.Equal("42|42|3|true", rt.DoString(Prelude + """
            local wrapped = t:wrap('int', 'add', 'int', 'int')
            return table.concat({ t.add(38, 4), wrapped(38, 4), t.plus(1, 2), tostring(rawget(t, 'add') ~= nil) }, '|')
            """, "=test")[0]);
        // A function declared through a typedef of a function type is a function too.
        Assert.Equal(5L, rt.DoString(Prelude + "t:cdef('typedef int binop(int, int); binop add;') return t.add(2, 3)")[0]);
        // The same checks as lib:wrap's, with the same messages.
        Assert.Equal(Lua.Error(rt, Prelude + "return t:wrap('int', 'add', 'int', 'int')('x', 1)"), Lua.Error(rt, Prelude + "return t.add('x', 1)"));
        Assert.Contains("bad argument #1 to 'add' (i32 expected, got string)", Lua.Error(rt, Prelude + "return t.add('x', 1)"));
        Assert.Contains("wrong number of arguments to 'add' (2 expected, got 1)", Lua.Error(rt, Prelude + "return t.add(1)"));
    }

    [Fact]
    public void TypedPointerParametersTakeInstancesViewsArraysAndBuffers()
    {
        using var rt = Lua.NewRuntime();
        Assert.Equal("11|-1|15,18|6|15|-1", rt.DoString(Prelude + """
            local p = ffi.new('struct cdef_point', { x = 5, y = 6 })
            local sum = t.cdef_point_sum(p)
            local origin = t.cdef_point_sum(t.CDEF_ORIGIN)      -- a view of the library's variable
            t.cdef_point_scale(p, 3)
            local ints = ffi.new('int32_t[3]', { 1, 2, 3 })
            local b = ffi.buffer(8); b:write(0, 'i32', 7); b:write(4, 'i32', 8)
            return table.concat({ sum, origin, p.x .. ',' .. p.y, t.cdef_sum_ints(ints, 3), t.cdef_sum_ints(b, 2), t.cdef_point_sum(nil) }, '|')
            """, "=test")[0]);
    }

    [Fact]
    public void VariablesHoldTheValueReadWhenCdefRanAsValueReadsIt()
    {
        using var rt = Lua.NewRuntime();
        var values = (string)rt.DoString(Prelude + """
            local function show(v) return type(v) == 'userdata' and tostring(v == ffi.nullptr) or tostring(v) end
            return table.concat({ show(t.MY_MAGIC_INT), show(t.MY_DOUBLE), show(t.MY_STRING), show(t.MY_NULL),
              show(t:value('int', 'MY_MAGIC_INT')), show(t:value('double', 'MY_DOUBLE')), show(t:value('string', 'MY_STRING')), show(t:value('pointer', 'MY_NULL')) }, '|')
            """, "=test")[0]!;
        var parts = values.Split('|');
        Assert.Equal(parts[4..], parts[..4]);
        Assert.Equal("69", parts[0]);
        // An array or struct variable is a view: C sees a write through it, and it reads what C holds.
        Assert.Equal("4|30|99|99|-4|3", rt.DoString(Prelude + """
            local before = t.cdef_table_at(2)
            t.CDEF_TABLE[1] = 99
            return table.concat({ #t.CDEF_TABLE, before, t.CDEF_TABLE[1], t.cdef_table_at(1), t.CDEF_ORIGIN.y, t.CDEF_ORIGIN.x }, '|')
            """, "=test")[0]);
        // A scalar is a copy: it is the value when cdef ran.
        Assert.Equal("69|70|69", rt.DoString(Prelude + """
            local b = ffi.cast(t:getSymbol('MY_MAGIC_INT'), 'int[1]')
            local old = t.MY_MAGIC_INT
            b[0] = old + 1
            local now = t:value('int', 'MY_MAGIC_INT')
            b[0] = old
            return table.concat({ old, now, t.MY_MAGIC_INT }, '|')
            """, "=test")[0]);
    }

    [Fact]
    public void ANameTheLibraryCannotGiveRaisesWhyWhenReadAndTheRestIsBound()
    {
        using var rt = Lua.NewRuntime();
        Assert.Contains($"symbol 'not_in_testlib' not found in library '{Lua.TestLib}'", Lua.Error(rt, Prelude + "return t.not_in_testlib"));
        // A variadic function is bound; each call's extra arguments make its signature (docs/calls.md).
        Assert.Equal(3L, rt.DoString(Prelude + "return t.cdef_count_args(3, 1, 2.5, 'x')")[0]);
        // A struct by value is the call path's (docs/calls.md): bound, and the result a new instance.
        Assert.Equal("5,-7", rt.DoString(Prelude + "local p = t.cdef_point_make(5, -7) return p.x .. ',' .. p.y")[0]);
        // A name found only in a dependency (libz needs libc's strlen) is not the library's.
        var z = Lua.Error(rt, "local z = require('ffi').open('z'); z:cdef('size_t strlen(const char *); const char *zlibVersion(void);'); assert(z.zlibVersion()); return z.strlen");
        Assert.Contains("symbol 'strlen' not found in library '", z);
        Assert.Contains("which that library depends on", z);
        // Undeclared names are nil, as on any table; the methods keep their names.
        Assert.Equal("nil|function|function", rt.DoString(Prelude + "return type(t.never_declared) .. '|' .. type(t.close) .. '|' .. type(t.wrap)")[0]);
        Assert.Equal("NativeLibrary", rt.DoString(Prelude + "return getmetatable(t)")[0]);
    }

    [Fact]
    public void MethodNamesAreNotTakenByDeclarations()
    {
        using var rt = Lua.NewRuntime();
        // libc defines close and getpid: close stays the method.
        Assert.Equal("true|true", rt.DoString("""
            local ffi = require('ffi')
            local c = ffi.open('c')
            c:cdef('int close(int); int getpid(void);')
            return tostring(c.getpid() == ffi.C:call('getpid', 'int', {})) .. '|' .. tostring(c.close == ffi.open('z').close)
            """, "=test")[0]);
    }

    [Fact]
    public void LibmFunctionsBindFromTheirDeclarations()
    {
        using var rt = Lua.NewRuntime();
        Assert.Equal("true|true|true", rt.DoString("""
            local m = require('ffi').open('m')
            m:cdef('double cos(double); double ldexp(double x, int e); float sqrtf(float);')
            return table.concat({ tostring(m.cos(0.5) == math.cos(0.5)), tostring(m.ldexp(3, 4) == 3 * 2 ^ 4), tostring(m.sqrtf(16) == 4) }, '|')
            """, "=test")[0]);
    }

    [Fact]
    public void DeclarationsAreTheRuntimesAsFfiCdefMakesThem()
    {
        using var rt = Lua.NewRuntime();
        Assert.Equal("8|5|42", rt.DoString(Prelude + """
            t:cdef('enum cdef_mode { CDEF_A = 5 }; typedef struct cdef_point cdef_point_t; int abs(int);')
            return table.concat({ ffi.sizeof('cdef_point_t'), ffi.C.CDEF_A, ffi.C.abs(-42) }, '|')
            """, "=test")[0]);
        Assert.Contains("redeclaration of 'add'", Lua.Error(rt, Prelude + "t:cdef('long add(long, long);')"));
        Assert.Contains("cdef:1:7: expected ';' near 'int'", Lua.Error(rt, Prelude + "t:cdef('int a int b;')"));
        Assert.Contains("bad argument #1 to 'cdef' (string expected, got number)", Lua.Error(rt, Prelude + "t:cdef(1)"));
        Assert.Contains("bad self to 'cdef' (NativeLibrary expected, got table", Lua.Error(rt, Prelude + "t.cdef({}, 'int add(int, int);')"));
        // ffi.C:cdef declares, and ffi.C finds the names on lookup.
        Assert.Equal(7L, rt.DoString("local ffi = require('ffi'); ffi.C:cdef('int abs(int);'); return ffi.C.abs(-7)")[0]);
    }

    [Fact]
    public void AClosedLibrarysBindingsRaiseAndItsViewsStayReadable()
    {
        using var rt = Lua.NewRuntime();
        Assert.Contains($"cannot call 'add': library '{Lua.TestLib}' is closed", Lua.Error(rt, Prelude + "t:close(); return t.add(1, 2)"));
        Assert.Contains("is closed", Lua.Error(rt, Prelude + "t:close(); t:cdef('int add(int, int);')"));
        // A view of the library's memory keeps it mapped after close(): reading it is no crash.
        Assert.Equal("10|-4", rt.DoString(Prelude + """
            local table_, origin = t.CDEF_TABLE, t.CDEF_ORIGIN
            t:close(); t = nil
            collectgarbage(); collectgarbage()
            return table_[0] .. '|' .. origin.y
            """, "=test")[0]);
    }

    [Fact]
    public void AReplacedMetatableLeavesTheBoundFieldsWorking()
    {
        using var rt = Lua.NewRuntime();
        Assert.Equal("3|nil|nil", rt.DoString(Prelude + """
            local index = debug.getmetatable(t).__index
            for _, k in ipairs({ 1, {}, true, string.rep('x', 100000), 'add', 'not_in_testlib' }) do
              pcall(index, t, k); pcall(index, {}, k); pcall(index, nil, k); pcall(index, setmetatable({}, { __metatable = 1 }), k)
            end
            debug.setmetatable(t, nil)
            return t.add(1, 2) .. '|' .. tostring(t.not_in_testlib) .. '|' .. tostring(t.cdef)
            """, "=test")[0]);
    }
}
