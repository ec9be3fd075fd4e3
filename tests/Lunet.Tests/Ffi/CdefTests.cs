using Lunet.Ffi;
using Lunet.Ffi.Types;
using Lunet.Tests.Support;

namespace Lunet.Tests.Ffi;

/// <summary>ffi.cdef: what declarations register (typedefs, enums, tags, constants, functions) and the errors of declaring again.</summary>
public class CdefTests
{
    const string Ffi = "local ffi = require('ffi'); ";

    [Fact]
    public void TypedefsAreTypeNamesEverywhereAndInLaterDeclarations()
    {
        using var rt = Lua.NewRuntime();
        Assert.Equal("4|12|3|7", rt.DoString(Ffi + """
            ffi.cdef[[ typedef int myint; typedef myint triple[3]; ]]
            ffi.cdef[[ typedef triple *tp; typedef myint (*binop)(myint, myint); ]]
            local buf = ffi.buffer(8)
            buf:write(0, 'myint', 7)
            return table.concat({ ffi.sizeof('myint'), ffi.sizeof('triple'), ffi.C:wrap('myint', 'abs', 'myint')(-3), buf:read(0, 'myint') }, '|')
            """, "=test")[0]);
        var types = FfiContext.Of(rt.State).Types;
        Assert.Same(types.Resolve("int"), types.Resolve("myint"));
        Assert.Same(types.Resolve("int (*)[3]"), types.Resolve("tp"));
        Assert.Same(types.Resolve("int (*)[3]"), types.Resolve("triple*"));
        Assert.Equal(TypeKind.Function, ((PointerType)types.Resolve("binop")).Target.Kind);
    }

    [Fact]
    public void EnumConstantsAreReachableAsFfiCAndUsableInLaterDeclarations()
    {
        using var rt = Lua.NewRuntime();
        Assert.Equal("0|5|6|12|16|4|64", rt.DoString(Ffi + """
            ffi.cdef[[ enum Mode { MODE_A, MODE_B = 5, MODE_C }; enum { ANON = MODE_C * 2 }; ]]
            ffi.cdef[[ static const int N = sizeof(int) * 4; typedef char block[N * ANON / 3]; ]]
            return table.concat({ ffi.C.MODE_A, ffi.C.MODE_B, ffi.C.MODE_C, ffi.C.ANON, ffi.C.N, ffi.sizeof('enum Mode'), ffi.sizeof('block') }, '|')
            """, "=test")[0]);
        Assert.Null(rt.DoString(Ffi + "return ffi.C.NOT_DECLARED")[0]);
        // The library's methods still come first, and ffi.C still calls as before.
        Assert.Equal(3L, rt.DoString(Ffi + "return ffi.C:call('abs', 'int', {'int'}, -3)")[0]);
        Assert.Equal("NativeLibrary", rt.DoString(Ffi + "return getmetatable(ffi.C)")[0]);
    }

    [Fact]
    public void AnEnumIsStoredAsTheCompilerStoresIt()
    {
        using var rt = Lua.NewRuntime();
        var c = CProgram.Output("""
            #include <stdio.h>
            enum small { S = 1 }; enum wide { W = 0x100000000LL }; enum uns { U = 0xFFFFFFFFu }; enum neg { NEG = -5, BIG = 0x7FFFFFFF };
            int main(void) { printf("%zu|%zu|%zu|%zu", sizeof(enum small), sizeof(enum wide), sizeof(enum uns), sizeof(enum neg)); return 0; }
            """);
        Assert.Equal(c, rt.DoString(Ffi + """
            ffi.cdef[[ enum small { S = 1 }; enum wide { W = 0x100000000LL }; enum uns { U = 0xFFFFFFFFu }; enum neg { NEG = -5, BIG = 0x7FFFFFFF }; ]]
            return table.concat({ ffi.sizeof('enum small'), ffi.sizeof('enum wide'), ffi.sizeof('enum uns'), ffi.sizeof('enum neg') }, '|')
            """, "=test")[0]);
        var types = FfiContext.Of(rt.State).Types;
        Assert.Equal(ScalarKind.U32, types.Resolve("enum uns").Scalar);
        Assert.Equal(ScalarKind.I32, types.Resolve("enum neg").Scalar);
    }

    [Fact]
    public void TagsAreDeclaredAndNamedBothWays()
    {
        using var rt = Lua.NewRuntime();
        rt.DoString(Ffi + "ffi.cdef[[ struct Color; union U; ]]");
        var types = FfiContext.Of(rt.State).Types;
        Assert.Same(types.Resolve("struct Color"), types.Resolve("Color"));
        Assert.Same(types.Resolve("struct Color*"), types.Resolve("Color*"));
        Assert.Contains("'U' is declared as a union, used as a struct", Lua.Error(rt, Ffi + "return ffi.sizeof('struct U*')"));
        Assert.Contains("struct Color cannot be returned by value", Lua.Error(rt, Ffi + "return ffi.C:wrap('Color', 'abs', 'int')"));
    }

    [Fact]
    public void RedefinitionsMustMeanTheSame()
    {
        using var rt = Lua.NewRuntime();
        rt.DoString(Ffi + "ffi.cdef[[ typedef int myint; enum E { E1, E2 }; int abs(int); ]]");
        // The same again is fine, as C allows.
        rt.DoString(Ffi + "ffi.cdef[[ typedef int myint; enum E { E1, E2 }; int abs(int); typedef int32_t myint; ]]");
        Assert.Contains("cdef:1:14: redefinition of 'myint' as a different type (i32, now i64)", Lua.Error(rt, Ffi + "ffi.cdef('typedef long myint;')"));
        Assert.Contains("redefinition of constant 'E1' (0, now 3)", Lua.Error(rt, Ffi + "ffi.cdef('enum { E1 = 3 };')"));
        Assert.Contains("redefinition of 'enum E' with different constants", Lua.Error(rt, Ffi + "ffi.cdef('enum E { E2, E1 };')"));
        Assert.Contains("redeclaration of 'abs'", Lua.Error(rt, Ffi + "ffi.cdef('long abs(long);')"));
        Assert.Contains("'myint' is already declared as a type", Lua.Error(rt, Ffi + "ffi.cdef('enum { myint };')"));
        Assert.Contains("'E2' is already declared as an enum constant", Lua.Error(rt, Ffi + "ffi.cdef('typedef int E2;')"));
    }

    [Fact]
    public void FunctionsAndVariablesAreRecorded()
    {
        using var rt = Lua.NewRuntime();
        rt.DoString(Ffi + "ffi.cdef[[ int printf(const char *fmt, ...); extern int errno_like; size_t my_strlen(const char *s) __asm__(\"strlen\"); ]]");
        var types = FfiContext.Of(rt.State).Types;
        var printf = Assert.IsType<FunctionType>(types.Symbol("printf")!.Type);
        Assert.True(printf.IsVariadic);
        Assert.Same(types.Resolve("string"), printf.Parameters[0]);
        Assert.Same(types.Resolve("int"), types.Symbol("errno_like")!.Type);
        Assert.Equal("strlen", types.Symbol("my_strlen")!.Symbol);
    }

    [Fact]
    public void TwoRuntimesDeclareApart()
    {
        using var a = Lua.NewRuntime();
        using var b = Lua.NewRuntime();
        a.DoString(Ffi + "ffi.cdef[[ typedef long long wide; enum { ONLY_A = 1 }; ]]");
        b.DoString(Ffi + "ffi.cdef[[ typedef char wide; ]]");
        Assert.Equal(8L, a.DoString(Ffi + "return ffi.sizeof('wide')")[0]);
        Assert.Equal(1L, b.DoString(Ffi + "return ffi.sizeof('wide')")[0]);
        Assert.Null(b.DoString(Ffi + "return ffi.C.ONLY_A")[0]);
    }

    [Fact]
    public void BadDeclarationsAreErrorsWithTheirPlace()
    {
        using var rt = Lua.NewRuntime();
        Assert.Contains("cdef:2:6: expected ';' near '<eof>'", Lua.Error(rt, Ffi + "ffi.cdef('int a;\\nint x')"));
        Assert.Contains("bad argument #1 to 'cdef' (string expected, got number)", Lua.Error(rt, Ffi + "ffi.cdef(1)"));
        Assert.Contains("bad argument #1 to 'cdef' (declarations contain a NUL byte)", Lua.Error(rt, Ffi + "ffi.cdef('int a;\\0')"));
        Assert.Contains("declarations are 16777217 bytes long", Lua.Error(rt, Ffi + "ffi.cdef(string.rep(' ', 16 * 1024 * 1024 + 1))"));
        Assert.Contains("cdef:1:37: expected a type near 'nosuch'", Lua.Error(rt, Ffi + "ffi.cdef('typedef struct Color Color; typedef nosuch *p;')"));
        Assert.Contains("packed, aligned and mode attributes", Lua.Error(rt, Ffi + "ffi.cdef('typedef int i2 __attribute__((packed));')"));
        Assert.Contains("cdef:1:14: typedef 'f2': mode(HI) is only supported on integer and floating types", Lua.Error(rt, Ffi + "ffi.cdef('typedef int *f2 __attribute__((mode(HI)));')"));
        Assert.Contains("typedef 'ai': an aligned attribute on a typedef is only supported for a struct or union defined in it",
            Lua.Error(rt, Ffi + "ffi.cdef('typedef int ai __attribute__((aligned(8)));')"));
    }

    [Fact]
    public void TypesWhoseValuesDoNotConvertHaveTheCompilersLayout()
    {
        using var rt = Lua.NewRuntime();
        const string decls = """
            typedef long double ld; typedef int word_t __attribute__((mode(word))); typedef unsigned short_t __attribute__((__mode__(__HI__)));
            struct V { char c; ld x; __int128 i; _Float128 q; _Complex double z; va_list ap; word_t w; short_t s; };
            typedef struct { int a[3]; } A16 __attribute__((aligned));
            struct HasA16 { char c; A16 a; };
            """;
        var c = CProgram.Output($$"""
            #include <stdio.h>
            #include <stdarg.h>
            #include <stddef.h>
            {{decls}}
            int main(void) { printf("%zu|%zu|%zu|%zu|%zu|%zu|%zu|%zu|%zu|%zu|%zu|%zu|%zu|%zu", sizeof(ld), _Alignof(ld), sizeof(struct V), _Alignof(struct V),
              offsetof(struct V, i), offsetof(struct V, q), offsetof(struct V, z), offsetof(struct V, ap), offsetof(struct V, w), offsetof(struct V, s),
              sizeof(A16), _Alignof(A16), sizeof(struct HasA16), offsetof(struct HasA16, a)); return 0; }
            """);
        Assert.Equal(c, rt.DoString(Ffi + $$"""
            ffi.cdef[[{{decls}}]]
            local o = function(f) return ffi.offsetof('struct V', f) end
            return table.concat({ ffi.sizeof('ld'), ffi.alignof('ld'), ffi.sizeof('struct V'), ffi.alignof('struct V'), o('i'), o('q'), o('z'), o('ap'), o('w'), o('s'),
              ffi.sizeof('A16'), ffi.alignof('A16'), ffi.sizeof('struct HasA16'), ffi.offsetof('struct HasA16', 'a') }, '|')
            """, "=test")[0]);
        Assert.Equal("8|2", rt.DoString(Ffi + "return ffi.sizeof('word_t') .. '|' .. ffi.sizeof('short_t')")[0]);
        // Their values are what cannot cross: a clear error naming the type.
        Assert.Contains("cannot read a value of type long double", Lua.Error(rt, Ffi + "return ffi.new('struct V').x"));
        Assert.Contains("f: returning a value of type long double is not supported", Lua.Error(rt, Ffi + "ffi.cdef('ld strtold(const char *, char **) __asm__(\"strtold\"); ld f(void) __asm__(\"strtold\");') return ffi.C.f"));
    }

    [Fact]
    public void DeclaredFunctionsAndVariablesAreCalledAndReadThroughFfiC()
    {
        using var rt = Lua.NewRuntime();
        Assert.Equal("3|5|3|1", rt.DoString(Ffi + """
            ffi.cdef[[ int abs(int); size_t strlen(const char *s); size_t my_len(const char *) __asm__("strlen"); extern int optind; ]]
            return table.concat({ ffi.C.abs(-3), ffi.C.strlen('hello'), ffi.C.my_len('abc'), ffi.C.optind }, '|')
            """, "=test")[0]);
        Assert.Contains("bad argument #1 to 'abs' (i32 expected, got string)", Lua.Error(rt, Ffi + "return ffi.C.abs('x')"));
        rt.DoString(Ffi + "ffi.cdef[[ int printf(const char *, ...); int no_such_function_here(int); struct tm; struct tm gm(int); ]]");
        Assert.Equal("function", rt.DoString(Ffi + "return type(ffi.C.printf)")[0]); // variadic: VariadicTests
        Assert.Contains("symbol 'no_such_function_here' not found", Lua.Error(rt, Ffi + "return ffi.C.no_such_function_here"));
        Assert.Contains("symbol 'gm' not found", Lua.Error(rt, Ffi + "return ffi.C.gm"));
        // An array variable is a view of the process's memory: tzname as localtime set it.
        Assert.Equal("2|true", rt.DoString(Ffi + "ffi.cdef('extern char *tzname[2];') os.date('*t') local v = ffi.C.tzname return #v .. '|' .. tostring(ffi.string(v[0]) == os.date('%Z', 1700000000) or ffi.string(v[1]) == os.date('%Z', 1700000000))", "=test")[0]);
        Assert.Contains("ffi.C.timezone: a variable of type struct tm cannot be read (its type is incomplete)", Lua.Error(rt, Ffi + "ffi.cdef('extern struct tm timezone;') return ffi.C.timezone"));
    }
}
