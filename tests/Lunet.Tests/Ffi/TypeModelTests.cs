using Lunet.Ffi;
using Lunet.Ffi.Types;
using Lunet.Tests.Support;

namespace Lunet.Tests.Ffi;

/// <summary>The C type model: kinds beside crossing shapes, interning per runtime, type expressions wherever a type string goes.</summary>
public class TypeModelTests
{
    const string Ffi = "local ffi = require('ffi'); ";

    static TypeRegistry Types(LuaRuntime rt) => FfiContext.Of(rt.State).Types;

    [Fact]
    public void EveryTypeHasAKindBesideHowItCrosses()
    {
        using var rt = Lua.NewRuntime();
        var t = Types(rt);
        Assert.Equal((TypeKind.Scalar, ScalarKind.I32), (t.Resolve("int").Kind, t.Resolve("int").Scalar));
        Assert.Equal((TypeKind.Void, ScalarKind.Void), (t.Resolve("void").Kind, t.Resolve("void").Scalar));
        // A C string is a pointer to char that converts as a string: a pointer kind, a string shape.
        var s = t.Resolve("const char*");
        Assert.Equal((TypeKind.Pointer, ScalarKind.CString), (s.Kind, s.Scalar));
        Assert.Same(t.Resolve("string"), s);
        Assert.Equal(TypeKind.Scalar, ((PointerType)s).Target.Kind);
        Assert.Equal((TypeKind.Pointer, ScalarKind.Pointer), (t.Resolve("int*").Kind, t.Resolve("int*").Scalar));
        Assert.Equal((TypeKind.Array, ScalarKind.None), (t.Resolve("int[4]").Kind, t.Resolve("int[4]").Scalar));
        Assert.Equal((TypeKind.Record, ScalarKind.None), (t.Resolve("struct Color").Kind, t.Resolve("struct Color").Scalar));
        var f = Assert.IsType<FunctionType>(t.Resolve("int (int, double)"));
        Assert.Equal((TypeKind.Function, false), (f.Kind, f.IsVariadic));
        Assert.True(((FunctionType)t.Resolve("int (const char*, ...)")).IsVariadic);
        Assert.Equal(TypeKind.Function, ((PointerType)t.Resolve("int (*)(int, int)")).Target.Kind);
    }

    [Fact]
    public void EachBuiltInCrossesInItsOwnSizeAndCarrier()
    {
        // The one table of how values cross agrees with the types: bytes moved, and the .NET carrier's size.
        foreach (var (name, t) in TypeNames.BuiltIn)
        {
            if (!t.IsScalarValue) continue;
            var c = Crossing.Of(t.Scalar);
            Assert.Equal((name, t.Size), (name, c.Bytes));
            Assert.Equal((name, t.Size), (name, System.Runtime.InteropServices.Marshal.SizeOf(c.Clr)));
            Assert.Equal((name, t.Scalar.IsFloat()), (name, c.Register == CrossingRegister.Float));
        }
    }

    [Fact]
    public void AlignmentIsTheAbisNotTheSize()
    {
        using var rt = Lua.NewRuntime();
        Assert.Equal(4L, rt.DoString(Ffi + "return ffi.alignof('int[8]')")[0]);
        Assert.Equal(32L, rt.DoString(Ffi + "return ffi.sizeof('int[8]')")[0]);
        Assert.Equal(1L, rt.DoString(Ffi + "return ffi.alignof('u8[3]')")[0]);
        Assert.Equal((long)IntPtr.Size, rt.DoString(Ffi + "return ffi.alignof('uint8_t (*)[16]')")[0]);
    }

    [Fact]
    public void OneNameOneObjectInARuntimeAndNoSharingBetweenRuntimes()
    {
        using var a = Lua.NewRuntime();
        using var b = Lua.NewRuntime();
        Assert.Same(Types(a).Resolve("struct Color*"), Types(a).Resolve("struct   Color *"));
        Assert.Same(Types(a).Resolve("int[4]"), Types(a).Resolve("int [4]"));
        Assert.Same(Types(a).Resolve("int*"), Types(a).Resolve("int32_t*"));
        Assert.Same(Types(a).Resolve("pointer"), Types(a).Resolve("void*"));
        Assert.Same(((PointerType)Types(a).Resolve("struct Color*")).Target, Types(a).Resolve("struct Color"));
        Assert.NotSame(Types(a).Resolve("struct Color"), Types(b).Resolve("struct Color"));
        Assert.NotSame(Types(a).Resolve("int[4]"), Types(b).Resolve("int[4]"));
        // The built-in scalars never change, so every runtime has the same ones.
        Assert.Same(Types(a).Resolve("i32"), Types(b).Resolve("int"));
    }

    [Fact]
    public void TypeExpressionsWorkWhereverATypeStringGoes()
    {
        using var rt = Lua.NewRuntime();
        Assert.Equal("16|8|8|8|64", rt.DoString(Ffi + """
            return table.concat({ ffi.sizeof('int[4]'), ffi.sizeof('struct Color*'), ffi.sizeof('uint8_t (*)[16]'),
              ffi.sizeof('int (*)(int, int)'), ffi.sizeof('double[2][4]') }, '|')
            """, "=test")[0]);
        Assert.Equal("7|7|7|42|42", rt.DoString(Ffi + """
            local buf = ffi.buffer(16)
            ffi.C:wrap('pointer', 'memset', 'uint8_t (*)[16]', 'int', 'size_t')(buf, 7, 16)
            local lib = ffi.open(TESTLIB)
            buf:write(8, 'unsigned long long', 42)
            return table.concat({ buf:read(0, 'unsigned char'), buf:read(7, 'uint8_t'), ffi.cast(buf, 'const unsigned char'),
              lib:wrap('int32_t', 'add', 'int', 'signed int')(40, 2), lib:call('add', 'int', {'int', 'long long'}, 40, 2) > 0 and buf:read(8, 'u64') }, '|')
            """, "=test")[0]);
    }

    [Fact]
    public void BadTypeStringsAreErrorsInTheFfisWords()
    {
        using var rt = Lua.NewRuntime();
        Assert.Contains("unknown C type 'i33'", Lua.Error(rt, Ffi + "return ffi.sizeof('i33')"));
        Assert.Contains("unknown C type 'Color'", Lua.Error(rt, Ffi + "return ffi.sizeof('Color')"));
        // In a longer type name the error names the unknown word.
        Assert.Contains("unknown C type 'i33'", Lua.Error(rt, Ffi + "return ffi.sizeof('i33 (*)(int)')"));
        Assert.Contains("unknown C type 'Missing'", Lua.Error(rt, Ffi + "return ffi.sizeof('const Missing[2]')"));
        Assert.Contains("unknown C type 'i33'", Lua.Error(rt, Ffi + "return ffi.buffer(8):read(0, 'i33')"));
        Assert.Contains("bad C type 'int (*': type name:1:7: expected ')' near '<eof>'", Lua.Error(rt, Ffi + "return ffi.sizeof('int (*')"));
        Assert.Contains("a type name cannot define a struct, union or enum", Lua.Error(rt, Ffi + "return ffi.sizeof('struct X { int a; }')"));
        Assert.Contains("unexpected name 'x' in a type name", Lua.Error(rt, Ffi + "return ffi.sizeof('int x')"));
        Assert.Contains("cannot read a value of type long double", Lua.Error(rt, Ffi + "return ffi.buffer(32):read(0, 'long double')"));
        Assert.Contains("array size is negative", Lua.Error(rt, Ffi + "return ffi.sizeof('int[-1]')"));
        Assert.Contains("too large", Lua.Error(rt, Ffi + "return ffi.sizeof('int[4611686018427387904]')"));
        Assert.Contains("array of an incomplete type (struct Color)", Lua.Error(rt, Ffi + "return ffi.sizeof('struct Color[2]')"));
        Assert.Contains("struct Color cannot be passed by value", Lua.Error(rt, Ffi + "return ffi.C:wrap('int', 'abs', 'struct Color')"));
        Assert.Equal(8L, rt.DoString(Ffi + "return ffi.sizeof('FILE*')")[0]);
    }
}
