using Lunet.Ffi.Declarations;

namespace Lunet.Tests.Declarations;

/// <summary>Declarators read inside-out, base types in every spelling, qualifiers, functions and typedef scope.</summary>
public class DeclaratorTests
{
    static DeclarationList Parse(string text, params string[] typedefs) => DeclarationParser.Parse(text, "cdef", typedefs);

    static TypeSyntax VariableType(string text) => Assert.IsType<VariableDeclaration>(Assert.Single(Parse(text).Declarations)).Type;

    static string Builtin(TypeSyntax t) => Assert.IsType<BuiltinType>(Assert.IsType<NamedTypeSyntax>(t).Base).Spelling;

    [Theory]
    [InlineData("unsigned x;", "unsigned int")]
    [InlineData("signed x;", "int")]
    [InlineData("short unsigned x;", "unsigned short")]
    [InlineData("unsigned short int x;", "unsigned short")]
    [InlineData("int short x;", "short")]
    [InlineData("long long int x;", "long long")]
    [InlineData("long int long x;", "long long")]
    [InlineData("unsigned long long x;", "unsigned long long")]
    [InlineData("long unsigned x;", "unsigned long")]
    [InlineData("signed char x;", "signed char")]
    [InlineData("char signed x;", "signed char")]
    [InlineData("char x;", "char")]
    [InlineData("_Bool x;", "_Bool")]
    [InlineData("bool x;", "_Bool")]
    [InlineData("long double x;", "long double")]
    [InlineData("double long x;", "long double")]
    [InlineData("__int128 x;", "__int128")]
    [InlineData("unsigned __int128 x;", "unsigned __int128")]
    [InlineData("__uint128_t x;", "unsigned __int128")]
    [InlineData("_Float128 x;", "_Float128")]
    [InlineData("__float128 x;", "_Float128")]
    [InlineData("_Float32x x;", "_Float32x")]
    [InlineData("double _Complex x;", "_Complex double")]
    [InlineData("__builtin_va_list x;", "__builtin_va_list")]
    [InlineData("__signed__ long x;", "long")]
    public void IntegerAndOtherBuiltinSpellingsNormalise(string text, string spelling)
    {
        Assert.Equal(spelling, Builtin(VariableType(text)));
    }

    [Fact]
    public void PointersAndQualifiers()
    {
        var t = VariableType("const char * volatile * restrict p;");
        var outer = Assert.IsType<PointerSyntax>(t);
        Assert.Equal(Qualifiers.Restrict, outer.Qualifiers);
        var inner = Assert.IsType<PointerSyntax>(outer.Target);
        Assert.Equal(Qualifiers.Volatile, inner.Qualifiers);
        var c = Assert.IsType<NamedTypeSyntax>(inner.Target);
        Assert.Equal(Qualifiers.Const, c.Qualifiers);
        Assert.Equal("const char *volatile *restrict", t.ToString());
        Assert.Equal(Qualifiers.Const | Qualifiers.Volatile,
            Assert.IsType<NamedTypeSyntax>(VariableType("int const volatile __const x;")).Qualifiers);
    }

    [Fact]
    public void ArraysReadLeftToRight()
    {
        var t = Assert.IsType<ArraySyntax>(VariableType("int a[2][3];"));
        Assert.Equal("2", TypePrinter.Print(t.Size!));
        var inner = Assert.IsType<ArraySyntax>(t.Element);
        Assert.Equal("3", TypePrinter.Print(inner.Size!));
        Assert.Equal("int", Builtin(inner.Element));
        Assert.Equal("int [2][3]", t.ToString());
    }

    [Fact]
    public void DeclaratorsReadInsideOut()
    {
        // fp: pointer to function (int) returning pointer to array of 4 int.
        var t = VariableType("int (*(*fp)(int))[4];");
        var p = Assert.IsType<PointerSyntax>(t);
        var f = Assert.IsType<FunctionSyntax>(p.Target);
        Assert.Equal("int", Builtin(Assert.Single(f.Parameters).Type));
        var ret = Assert.IsType<PointerSyntax>(f.Return);
        var array = Assert.IsType<ArraySyntax>(ret.Target);
        Assert.Equal("int", Builtin(array.Element));
        Assert.Equal("int (*(*)(int))[4]", t.ToString());

        var cmp = Assert.IsType<PointerSyntax>(VariableType("int (*cmp)(const void *, const void *);"));
        var fn = Assert.IsType<FunctionSyntax>(cmp.Target);
        Assert.Equal(["const void *", "const void *"], fn.Parameters.Select(x => x.Type.ToString()).ToArray());

        // An array of 3 pointers to functions returning pointers to char.
        Assert.Equal("char *(*[3])(void)", VariableType("char *(*table[3])(void);").ToString());
        Assert.Equal("void (*(*)(int, void (*)(int)))(int)", VariableType("void (*(*sig)(int, void (*)(int)))(int);").ToString());
    }

    [Fact]
    public void FunctionDeclarations()
    {
        var list = Parse("""
            int printf(const char *fmt, ...);
            void none(void);
            double unnamed(int, char **);
            static inline int twice(int x) { if (x) { return x * 2; } return 0; }
            extern int puts(const char *) __asm__("my" "_puts");
            int __stdcall win(int);
            void (__fastcall *callback)(int);
            """);
        var printf = list.Function("printf")!;
        Assert.True(printf.Type.Variadic);
        Assert.Equal("fmt", Assert.Single(printf.Type.Parameters).Name);
        Assert.Empty(list.Function("none")!.Type.Parameters);
        Assert.Equal([null, null], list.Function("unnamed")!.Type.Parameters.Select(p => p.Name).ToArray());
        var twice = list.Function("twice")!;
        Assert.True(twice.HasBody);
        Assert.True(twice.Inline);
        Assert.Equal(StorageClass.Static, twice.Storage);
        var puts = list.Function("puts")!;
        Assert.Equal("my_puts", puts.AsmName);
        Assert.Equal(StorageClass.Extern, puts.Storage);
        Assert.Equal(CallingConvention.Stdcall, list.Function("win")!.Type.Convention);
        var callback = Assert.IsType<VariableDeclaration>(list.Declarations[^1]);
        Assert.Equal(CallingConvention.Fastcall, Assert.IsType<FunctionSyntax>(Assert.IsType<PointerSyntax>(callback.Type).Target).Convention);
    }

    [Fact]
    public void ArrayParametersKeepTheirSpelling()
    {
        var f = DeclarationParser.Parse("void f(int a[static 10], char b[const], double c[]);").Function("f")!;
        Assert.Equal(["int [10]", "char []", "double []"], f.Type.Parameters.Select(p => p.Type.ToString()).ToArray());
    }

    [Fact]
    public void TypedefNamesAreKnownFromThePointTheyAreDeclared()
    {
        var list = Parse("""
            typedef unsigned int uint;
            typedef uint *uintp, uintarr[4];
            uintp p;
            void f(uint size_t);      /* a parameter may reuse a typedef name once it has its type */
            void g(size_t);
            mine m;
            """, "mine");
        Assert.Equal("uint *", list.Typedef("uintp")!.Type.ToString());
        Assert.Equal("uint [4]", list.Typedef("uintarr")!.Type.ToString());
        var p = list.OfType<VariableDeclaration>().First(v => v.Name == "p");
        Assert.Equal("uintp", Assert.IsType<TypedefNameType>(Assert.IsType<NamedTypeSyntax>(p.Type).Base).Name);
        Assert.Equal("size_t", Assert.Single(list.Function("f")!.Type.Parameters).Name);
        Assert.Null(Assert.Single(list.Function("g")!.Type.Parameters).Name);
        Assert.Contains(list.OfType<VariableDeclaration>(), v => v.Name == "m");
    }

    [Fact]
    public void AnnotationsAreSkippedOrHonoured()
    {
        var list = Parse("""
            __extension__ typedef long long ll __attribute__((__aligned__(16)));
            typedef int i8 __attribute__((mode(QI)));
            extern void die(const char *) __attribute__((__noreturn__, format(printf, 1, 2))) __asm__("real_die");
            __declspec(dllimport) int __cdecl imported(int);
            _Noreturn void stop(void);
            __thread int tls;
            static __inline int f(int x) { return x; }
            int v __attribute__((unused)) = 3;
            """);
        var ll = list.Typedef("ll")!;
        Assert.Equal("16", TypePrinter.Print(Assert.Single(ll.Attributes.Aligned)));
        Assert.Equal("QI", list.Typedef("i8")!.Attributes.Mode);
        var die = list.Function("die")!;
        Assert.Equal("real_die", die.AsmName);
        Assert.Equal(["noreturn", "format"], die.Attributes.Skipped.ToArray());
        Assert.Equal(CallingConvention.Cdecl, list.Function("imported")!.Type.Convention);
        Assert.NotNull(list.Function("stop"));
        Assert.Contains(list.OfType<VariableDeclaration>(), v => v.Name == "tls");
        Assert.True(list.Function("f")!.HasBody);
        Assert.Equal("3", TypePrinter.Print(list.OfType<VariableDeclaration>().Single(v => v.Name == "v").Initializer!));
    }

    [Fact]
    public void CommentsAndLineMarkersAreIgnored()
    {
        var list = Parse("""
            # 1 "header.h"
            /* a comment
               over lines */ int a; // the rest of the line
            #pragma once
            #line 40
            int b;
            """);
        Assert.Equal(["a", "b"], list.OfType<VariableDeclaration>().Select(v => v.Name).ToArray());
        Assert.Equal(new SourcePosition(6, 5), list.OfType<VariableDeclaration>().Last().Position);
    }

    [Fact]
    public void TypeofAndStaticAssert()
    {
        var list = Parse("""
            _Static_assert(sizeof(int) == 4, "int");
            __typeof__(int *) p;
            struct s { _Static_assert(1, "x"); int a; };
            """);
        var p = list.OfType<VariableDeclaration>().Single();
        Assert.Equal("int *", Assert.IsType<TypeofType>(Assert.IsType<NamedTypeSyntax>(p.Type).Base).Type.ToString());
        Assert.Equal("a", Assert.Single(list.Record("s")!.Members!).Name);
    }
}
