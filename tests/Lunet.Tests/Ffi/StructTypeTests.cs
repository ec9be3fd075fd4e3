using System.Text;
using Lunet.Ffi;
using Lunet.Ffi.Types;
using Lunet.Tests.Support;

namespace Lunet.Tests.Ffi;

/// <summary>Records declared by ffi.cdef and ffi.struct: sizes, alignments and offsets as the C compiler has them, type objects, errors.</summary>
public class StructTypeTests
{
    const string Ffi = "local ffi = require('ffi'); ";

    const string Declarations = """
        struct Color { unsigned char r, g, b; float alpha; };
        struct Mixed { char c; double d; short s; long l; char tail; };
        struct Nested { char tag; struct Color color; struct Mixed inner[2]; void *p; int (*cb)(int, int); };
        union Value { int i; double d; char bytes[13]; struct Color c; };
        enum Kind { K_A, K_B = 300 };
        struct Tagged { enum Kind kind; union Value value; unsigned flags : 3; unsigned more : 7; int after; };
        struct Anon { int head; struct { short x, y; }; union { long l; char c; }; int last; };
        typedef struct { int q; long long w; } Pair;
        struct __attribute__((packed)) Packed { char c; int i; short s; };
        struct Aligned { char c; int i __attribute__((aligned(16))); } __attribute__((aligned(32)));
        #pragma pack(push, 2)
        struct Pack2 { char c; double d; int i; };
        #pragma pack(pop)
        struct Flex { int n; double items[]; };
        struct Bits { char a; unsigned long long wide : 40; unsigned char b : 2; _Bool flag : 1; int : 0; short z; };
        """;

    /// <summary>Each probe: the type as both C and a type string spell it, and the field (null: sizeof and alignof only).</summary>
    static readonly (string Type, string? Field)[] Probes =
    [
        ("struct Color", null), ("struct Color", "alpha"), ("struct Color", "b"),
        ("struct Mixed", null), ("struct Mixed", "d"), ("struct Mixed", "s"), ("struct Mixed", "l"), ("struct Mixed", "tail"),
        ("struct Nested", null), ("struct Nested", "color"), ("struct Nested", "inner"), ("struct Nested", "p"), ("struct Nested", "cb"),
        ("union Value", null), ("union Value", "bytes"),
        ("enum Kind", null),
        ("struct Tagged", null), ("struct Tagged", "value"), ("struct Tagged", "after"),
        ("struct Anon", null), ("struct Anon", "x"), ("struct Anon", "y"), ("struct Anon", "l"), ("struct Anon", "c"), ("struct Anon", "last"),
        ("Pair", null), ("Pair", "w"),
        ("struct Packed", null), ("struct Packed", "i"), ("struct Packed", "s"),
        ("struct Aligned", null), ("struct Aligned", "i"),
        ("struct Pack2", null), ("struct Pack2", "d"), ("struct Pack2", "i"),
        ("struct Flex", null), ("struct Flex", "items"),
        ("struct Bits", null), ("struct Bits", "z"),
        ("struct Color[3]", null), ("struct Mixed*", null),
    ];

    [Fact]
    public void SizesAlignmentsAndOffsetsAreTheCompilers()
    {
        var c = new StringBuilder("#include <stdio.h>\n#include <stddef.h>\n" + Declarations + "\nint main(void) {\n");
        foreach (var (type, field) in Probes)
            c.Append(field == null
                ? $"  printf(\"%zu %zu\\n\", sizeof({type}), _Alignof({type}));\n"
                : $"  printf(\"%zu\\n\", offsetof({type}, {field}));\n");
        c.Append("  return 0;\n}\n");
        var expected = CProgram.Output(c.ToString()).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        using var rt = Lua.NewRuntime();
        rt.SetGlobal("DECLS", Declarations);
        rt.DoString(Ffi + "ffi.cdef(DECLS)", "=test");
        for (int i = 0; i < Probes.Length; i++)
        {
            var (type, field) = Probes[i];
            rt.SetGlobal("T", type);
            rt.SetGlobal("F", field);
            var got = (string)rt.DoString(Ffi + "return F and tostring(ffi.offsetof(T, F)) or ffi.sizeof(T) .. ' ' .. ffi.alignof(T)", "=test")[0]!;
            Assert.Equal((type, field, expected[i]), (type, field, got));
        }
    }

    [Fact]
    public void FieldsKeepTheirTypesOffsetsAndBitsForInstances()
    {
        using var rt = Lua.NewRuntime();
        rt.SetGlobal("DECLS", Declarations);
        rt.DoString(Ffi + "ffi.cdef(DECLS)", "=test");
        var types = FfiContext.Of(rt.State).Types;
        var tagged = Assert.IsType<StructType>(types.Resolve("struct Tagged"));
        Assert.Same(types.Resolve("enum Kind"), tagged.Field("kind")!.Type);
        Assert.Same(types.Resolve("union Value"), tagged.Field("value")!.Type);
        var flags = tagged.Field("flags")!;
        var more = tagged.Field("more")!;
        Assert.Equal((3, false), (flags.Bits!.Width, flags.Bits.Signed));
        Assert.Equal(flags.Bits.Shift + 3, more.Bits!.Shift);
        var nested = (StructType)types.Resolve("struct Nested");
        Assert.Same(types.Resolve("struct Mixed[2]"), nested.Field("inner")!.Type);
        Assert.Same(types.Resolve("int (*)(int, int)"), nested.Field("cb")!.Type);
        // A forward declaration completed later is one type: pointers made before see it complete.
        rt.DoString(Ffi + "assert(ffi.sizeof('struct Later*') == 8); ffi.cdef('struct Later { double x[3]; };')", "=test");
        Assert.Equal(24, ((PointerType)types.Resolve("struct Later*")).Target.Size);
    }

    [Fact]
    public void FfiStructReturnsATypeObjectAndRegistersTheName()
    {
        using var rt = Lua.NewRuntime();
        Assert.Equal("ctype<struct Color>|8|4|4|8|true", rt.DoString(Ffi + """
            local Color = ffi.struct('struct Color { unsigned char r, g, b; float alpha; }')
            return table.concat({ tostring(Color), ffi.sizeof(Color), ffi.alignof(Color), ffi.offsetof(Color, 'alpha'),
              ffi.sizeof('Color'), tostring(ffi.sizeof('struct Color*') == 8) }, '|')
            """, "=test")[0]);
        Assert.Equal(16L, rt.DoString(Ffi + "local P = ffi.struct('typedef struct { int q; long long w; } Pair;') return ffi.sizeof(P) + ffi.sizeof('Pair') - 16")[0]);
        Assert.Contains("struct: expected one struct or union definition", Lua.Error(rt, Ffi + "ffi.struct('int x;')"));
        Assert.Contains("struct: expected one struct or union definition", Lua.Error(rt, Ffi + "ffi.struct('struct Fwd;')"));
        Assert.Contains("bad argument #1 to 'struct' (string expected, got no value)", Lua.Error(rt, Ffi + "ffi.struct()"));
    }

    [Fact]
    public void BadRecordsAndBadQuestionsAreErrors()
    {
        using var rt = Lua.NewRuntime();
        rt.DoString(Ffi + "ffi.cdef[[ struct S { int a; unsigned b : 3; struct { int x; } in; }; struct Fwd; ]]", "=test");
        Assert.Contains("cdef:1:1: redefinition of 'struct S' with a different body", Lua.Error(rt, Ffi + "ffi.cdef('struct S { long a; };')"));
        rt.DoString(Ffi + "ffi.cdef[[ struct S { int a; unsigned b : 3; struct { int x; } in; }; ]]", "=test");
        Assert.Contains("struct Z: member 'f' has incomplete type struct Fwd", Lua.Error(rt, Ffi + "ffi.cdef('struct Z { struct Fwd f; };')"));
        Assert.Contains("struct Y: member 'a': bitfield width 40 exceeds its type (32 bits)", Lua.Error(rt, Ffi + "ffi.cdef('struct Y { int a : 40; };')"));
        Assert.Contains("struct W: member 'v': vector types are not supported", Lua.Error(rt, Ffi + "ffi.cdef('struct W { int v __attribute__((vector_size(16))); };')"));
        Assert.Contains("offsetof: 'b' is a bitfield", Lua.Error(rt, Ffi + "return ffi.offsetof('struct S', 'b')"));
        Assert.Contains("offsetof: struct S has no field 'zz'", Lua.Error(rt, Ffi + "return ffi.offsetof('S', 'zz')"));
        Assert.Equal(8L, rt.DoString(Ffi + "return ffi.offsetof('S', 'in.x')")[0]);
        Assert.Contains("bad argument #1 to 'offsetof' (struct or union type expected, got i32)", Lua.Error(rt, Ffi + "return ffi.offsetof('int', 'x')"));
        Assert.Contains("bad argument #1 to 'offsetof' (struct or union type expected, got struct Fwd (incomplete))", Lua.Error(rt, Ffi + "return ffi.offsetof('struct Fwd', 'x')"));
        Assert.Contains("sizeof: struct Fwd is incomplete (declared, not defined)", Lua.Error(rt, Ffi + "return ffi.sizeof('struct Fwd')"));
        Assert.Contains("sizeof: i32 (i32) is a function type and has no size", Lua.Error(rt, Ffi + "return ffi.sizeof('int (int)')"));
        Assert.Contains("bad argument #1 to 'sizeof' (type name expected, got table)", Lua.Error(rt, Ffi + "return ffi.sizeof({})"));
        Assert.Contains("wrap: struct Fwd cannot be passed by value: it is incomplete", Lua.Error(rt, Ffi + "return ffi.C:wrap('int', 'abs', 'struct Fwd')"));
        Assert.Contains("struct Huge is 4294967294 bytes; the ffi's limit is 2147483647", Lua.Error(rt, Ffi + "ffi.cdef('struct Huge { char a[0x7fffffff]; char b[0x7fffffff]; };')"));
    }

    [Fact]
    public void ConstantsOfATextSeeTheRecordsBeforeThem()
    {
        using var rt = Lua.NewRuntime();
        var c = CProgram.Output("""
            #include <stdio.h>
            #include <stddef.h>
            struct S { int a[4]; char c; }; enum { N = sizeof(struct S), M, O = offsetof(struct S, c) }; enum { K = N * 2 }; /* a static const int, as C cannot size an array with one */
            typedef char arr[K + M + O];
            int main(void) { printf("%d|%d|%d|%d|%zu", N, M, O, K, sizeof(arr)); return 0; }
            """);
        Assert.Equal(c, rt.DoString(Ffi + """
            ffi.cdef[[ struct S { int a[4]; char c; }; enum { N = sizeof(struct S), M, O = __builtin_offsetof(struct S, c) }; static const int K = N * 2;
              typedef char arr[K + M + O]; ]]
            return table.concat({ ffi.C.N, ffi.C.M, ffi.C.O, ffi.C.K, ffi.sizeof('arr') }, '|')
            """, "=test")[0]);
    }
}
