using Lunet.Ffi.Declarations;
using Lunet.Tests.Support;

namespace Lunet.Tests.Declarations;

/// <summary>Every mistake is one DeclarationException whose message names the chunk, line, column and token.</summary>
public class ErrorMessageTests
{
    static string Error(string text, params string[] typedefs) =>
        Assert.Throws<DeclarationException>(() => DeclarationParser.Parse(text, "cdef", typedefs)).Message;

    [Theory]
    [InlineData("int a\nint b;", "cdef:2:1: expected ';' near 'int'")]
    [InlineData("int x;\n\nint y int z;", "cdef:3:7: expected ';' near 'int'")]
    [InlineData("struct s { int a; } int b;", "cdef:1:21: two or more data types in declaration specifiers near 'int'")]
    [InlineData("int f(int a, ;", "cdef:1:14: expected a type near ';'")]
    [InlineData("foo x;", "cdef:1:1: unknown type name 'foo' near 'foo'")]
    [InlineData("int f(a, b);", "cdef:1:7: unknown type name 'a' (parameters need types) near 'a'")]
    [InlineData("int x[3;", "cdef:1:8: expected ']' near ';'")]
    [InlineData("int (*f(int);", "cdef:1:13: expected ')' near ';'")]
    [InlineData("struct { int a; ", "cdef:1:17: expected '}' to end 'struct <anonymous>' near '<eof>'")]
    [InlineData("long long long x;", "cdef:1:11: 'long long long' is too long for C near 'long'")]
    [InlineData("unsigned float x;", "cdef:1:10: invalid combination of type specifiers near 'float'")]
    [InlineData("int char x;", "cdef:1:5: invalid combination of type specifiers near 'char'")]
    [InlineData("signed unsigned x;", "cdef:1:8: duplicate or conflicting 'signed'/'unsigned' near 'unsigned'")]
    [InlineData("int int;", "cdef:1:5: invalid combination of type specifiers near 'int'")]
    [InlineData("int 3;", "cdef:1:5: expected a name or '(' near '3'")]
    [InlineData("int f(...);", "cdef:1:7: '...' needs a named parameter before it near '...'")]
    [InlineData("int f(void, int);", "cdef:1:7: 'void' must be the only parameter near 'void'")]
    [InlineData("int f()();", "cdef:1:5: 'f' declared as a function returning a function")]
    [InlineData("int a[2](int);", "cdef:1:5: 'a' declared as an array of functions")]
    [InlineData("int f(void)[2];", "cdef:1:5: 'f' declared as a function returning an array")]
    [InlineData("int x = ;", "cdef:1:9: expected an expression near ';'")]
    [InlineData("enum e { A, B C };", "cdef:1:15: expected ',' or '}' in an enum near 'C'")]
    [InlineData("enum e { };", "cdef:1:10: an enum needs at least one constant near '}'")]
    [InlineData("struct s { int f(void); };", "cdef:1:16: member 'f' of 'struct s' declared as a function")]
    [InlineData("struct s { typedef int t; };", "cdef:1:12: storage class 'typedef' is not allowed here near 'typedef'")]
    [InlineData("int a @;", "cdef:1:7: unexpected character near '@'")]
    [InlineData("int a \x01;", "cdef:1:7: unexpected character near '\\x01'")]
    [InlineData("char *s = \"abc;", "cdef:1:11: unterminated string literal")]
    [InlineData("int a; /* no end", "cdef:1:8: unterminated comment")]
    [InlineData("int a[0x];", "cdef:1:7: invalid integer constant near '0x'")]
    [InlineData("int a[09];", "cdef:1:7: invalid digit '9' in octal constant near '09'")]
    [InlineData("int a[99999999999999999999999];", "cdef:1:7: integer constant is too large near '99999999999999999999999'")]
    [InlineData("int a[12abc];", "cdef:1:7: invalid integer constant near '12abc'")]
    [InlineData("int x __attribute__((aligned(8));", "cdef:1:33: expected ')' near ';'")]
    [InlineData("void f(int x) { return;", "cdef:1:24: expected '}' to match the '{' at 1:15 near '<eof>'")]
    [InlineData("struct s *p; enum s e;", "cdef:1:19: 's' defined as wrong kind of tag (it is a struct) near 's'")]
    [InlineData("int a[*];", "cdef:1:7: variable length arrays are not supported near '*'")]
    [InlineData("struct s { int a; #pragma pack(1)\n};", "cdef:1:19: expected a type near '#'")]
    [InlineData("struct s { int a;\n#pragma pack(1)\n};", "cdef:2:1: #pragma pack inside a struct or union body is not supported near '#pragma pack'")]
    [InlineData("#pragma pack(push, 1) x\n", "cdef:1:23: unexpected text after #pragma pack(...) near 'x'")]
    [InlineData("__typeof__(1 + 2) x;", "cdef:1:12: __typeof__ of an expression is not supported: write the type near '1'")]
    public void MessagesNameLineColumnAndToken(string text, string message)
    {
        Assert.Equal(message, Error(text));
    }

    [Theory]
    [InlineData("#include <stdio.h>\nint x;", "cdef:1:1: preprocessor directive '#include' is not supported: the input must be preprocessed (cc -E)")]
    [InlineData("int x;\n  #define N 4\n", "cdef:2:3: preprocessor directive '#define' is not supported: the input must be preprocessed (cc -E)")]
    [InlineData("#ifdef X\n", "cdef:1:1: preprocessor directive '#ifdef' is not supported: the input must be preprocessed (cc -E)")]
    public void PreprocessorDirectivesAreNamed(string text, string message)
    {
        Assert.Equal(message, Error(text));
    }

    [Fact]
    public void TheChunkNameStartsTheMessage()
    {
        var e = Assert.Throws<DeclarationException>(() => DeclarationParser.Parse("int", "mylib.h"));
        Assert.Equal("mylib.h:1:4: expected a name or '(' near '<eof>'", e.Message);
        Assert.Equal(new SourcePosition(1, 4), e.Position);
        Assert.Equal("<eof>", e.Near);
        Assert.Equal("expected a name or '('", e.Reason);
    }

    [Fact]
    public void LongTokensAreCutInMessages()
    {
        var name = new string('x', 500);
        var message = Error(name + " y;");
        Assert.Equal($"cdef:1:1: unknown type name '{new string('x', 40)}...' near '{new string('x', 40)}...'", message);
    }

    /// <summary>ffi.cdef's (or a type name's) message for <paramref name="code"/>, run by a script.</summary>
    static string ScriptError(string code)
    {
        using var rt = Lua.NewRuntime();
        return Lua.Error(rt, "local ffi = require('ffi') " + code);
    }

    [Fact]
    public void AnAnonymousEnumInATypedefIsValidC()
    {
        using var rt = Lua.NewRuntime();
        Assert.Equal([4L, 1L], rt.DoString("""
            local ffi = require('ffi')
            ffi.cdef("typedef enum { A, B } T; struct K { enum { X1, Y1 } k; int n[Y1 + 1]; };")
            ffi.cdef("typedef enum { A, B } T;") -- a header declared again
            return ffi.sizeof("T"), ffi.sizeof("struct K") - 11
            """));
    }

    [Theory]
    // One position, the right one: the expression's, in the text it is in.
    [InlineData("ffi.cdef('struct S1 {\\n  int x;\\n  int a[1/0];\\n};')", "cdef:3:10: division by zero near '/'")]
    [InlineData("ffi.sizeof('struct { int a[1/0]; }')", "type name:1:17: division by zero near '/'")]
    // The type as written, at the member.
    [InlineData("ffi.cdef('struct S3 {\\n  float f : 3;\\n};')", "cdef:2:9: struct S3: member 'f': a bitfield must have an integer, enum or _Bool type (got float)")]
    [InlineData("ffi.sizeof('struct { const double d : 2; }')", "type name:1:23: struct { const double d : 2; }: member 'd': a bitfield must have an integer, enum or _Bool type (got const double)")]
    public void MessagesOfTypesNameWhatTheScriptWrote(string code, string message)
    {
        var error = ScriptError(code);
        Assert.EndsWith(message, error);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(error, @"(cdef|type name):\d+:\d+"));
    }

    [Fact]
    public void TwoAnonymousStructsAreToldApart()
    {
        // By the typedef that named each, else by the definition as written.
        Assert.Contains("cannot set struct H.pa to a PB: PA expected", ScriptError("""
            ffi.cdef("typedef struct { int a; } PA; typedef struct { int a; } PB; struct H { PA pa; struct { int x; } in; };")
            ffi.new("struct H").pa = ffi.new("PB")
            """));
        Assert.Contains("cannot set struct H.in to a PA: struct { int x; } expected", ScriptError("""
            ffi.cdef("typedef struct { int a; } PA; struct H { struct { int x; } in; };")
            ffi.new("struct H")["in"] = ffi.new("PA")
            """));
        Assert.Contains("struct { int a; long b; long c; long d; long e; long ... }", ScriptError("""
            ffi.cdef("typedef struct { int a; } PA; struct H { PA pa; };")
            ffi.new("struct H").pa = ffi.new("struct { int a; long b; long c; long d; long e; long f; }")
            """));
    }
}
