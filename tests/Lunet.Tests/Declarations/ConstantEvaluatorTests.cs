using Lunet.Ffi.Declarations;

namespace Lunet.Tests.Declarations;

/// <summary>Constant expressions evaluate with C's rules; named constants and sizes come from the environment.</summary>
public class ConstantEvaluatorTests
{
    /// <summary>Evaluates the size of array a in "int a[expr];" after the given declarations.</summary>
    static ConstantValue Eval(string expression, string before = "")
    {
        var list = DeclarationParser.Parse(before + "\nint probe[" + expression + "];");
        var env = new DeclaredConstants(list);
        var probe = list.OfType<VariableDeclaration>().Last();
        return new ConstantEvaluator(env).Evaluate(Assert.IsType<ArraySyntax>(probe.Type).Size!);
    }

    static string Value(string expression, string before = "") => Eval(expression, before).ToString();

    [Theory]
    [InlineData("1 + 2 * 3", "7")]
    [InlineData("(1 + 2) * 3", "9")]
    [InlineData("10 - 4 - 3", "3")]
    [InlineData("1 << 4 | 1", "17")]
    [InlineData("0x10 + 010 + 0b11", "27")]
    [InlineData("-7 / 2", "-3")]
    [InlineData("-7 % 2", "-1")]
    [InlineData("-1 >> 1", "-1")]
    [InlineData("-1u >> 1", "2147483647")]
    [InlineData("~0u", "4294967295")]
    [InlineData("~0ull", "18446744073709551615")]
    [InlineData("-1 < 0u", "0")]
    [InlineData("-1 < 0", "1")]
    [InlineData("-1L < 0u", "1")]
    [InlineData("0xFFFFFFFF", "4294967295")]
    [InlineData("2147483648", "2147483648")]
    [InlineData("1 ? 2 : 3", "2")]
    [InlineData("0 ? 2 : 3", "3")]
    [InlineData("0 ?: 5", "5")]
    [InlineData("4 ?: 5", "4")]
    [InlineData("0 && 1 / 0", "0")]
    [InlineData("1 || 1 / 0", "1")]
    [InlineData("!0 + !5", "1")]
    [InlineData("(unsigned char)300", "44")]
    [InlineData("(signed char)200", "-56")]
    [InlineData("(int)3.9", "3")]
    [InlineData("(_Bool)7", "1")]
    [InlineData("'A'", "65")]
    [InlineData("'\\n'", "10")]
    [InlineData("sizeof(int)", "4")]
    [InlineData("sizeof(char[10])", "10")]
    [InlineData("sizeof(void *) * 2", "16")]
    [InlineData("sizeof(long long)", "8")]
    [InlineData("_Alignof(double)", "8")]
    [InlineData("sizeof 1", "4")]
    [InlineData("sizeof 1L", "8")]
    [InlineData("sizeof(\"abc\")", "4")]
    [InlineData("sizeof(int32_t)", "4")]
    [InlineData("sizeof(__int128)", "16")]
    [InlineData("(1 ? -1 : 0u) > 0", "1")]
    [InlineData("(__extension__ 5ULL) + (__extension__ long long)2", "7")]
    public void Arithmetic(string expression, string expected)
    {
        Assert.Equal(expected, Value(expression));
    }

    [Fact]
    public void ResultTypesFollowC()
    {
        Assert.Equal(IntegerType.UnsignedInt, Eval("1u << 31").Type);
        Assert.Equal(new IntegerType(64, false), Eval("1L").Type);
        Assert.Equal(new IntegerType(64, true), Eval("0xFFFFFFFFFFFFFFFF").Type);
        Assert.Equal(IntegerType.Int, Eval("(char)1").Type);
        Assert.Equal(new IntegerType(64, true), Eval("sizeof(int)").Type);
    }

    [Fact]
    public void EnumAndStaticConstantsInArraySizes()
    {
        const string before = """
            enum { N = 4, M };
            static const int K = N * 2 + 1;
            static const unsigned char SMALL = 300;
            typedef struct { int a[K]; } holder;
            """;
        Assert.Equal("9", Value("K", before));
        Assert.Equal("5", Value("M", before));
        Assert.Equal("44", Value("SMALL", before));
        Assert.Equal("23", Value("N * 2 + 1 + K + M", before));
        Assert.Equal("36", Value("sizeof(int[K])", before));
    }

    [Fact]
    public void EvaluationErrors()
    {
        void Fails(string expression, string message)
        {
            var e = Assert.Throws<DeclarationException>(() => Eval(expression));
            Assert.Equal(message, e.Message);
        }
        Fails("1 / 0", "cdef:2:13: division by zero near '/'");
        Fails("5 % (2 - 2)", "cdef:2:13: division by zero near '%'");
        Fails("1 << 32", "cdef:2:13: shift count 32 is out of range for a 32-bit value near '<<'");
        Fails("1 << -1", "cdef:2:13: shift count -1 is out of range for a 32-bit value near '<<'");
        Fails("NOPE + 1", "cdef:2:11: 'NOPE' is not an integer constant near 'NOPE'");
        Fails("sizeof(struct unknown)", "cdef:2:11: size of 'struct unknown' is not known");
        Fails("1.5", "cdef:2:11: floating constant in an integer constant expression near '1.5'");
        Fails("(int)1e300", "cdef:2:16: floating constant out of range for i32 near '1e300'");
        Fails("(float)1", "cdef:2:11: cast to 'float' in an integer constant expression");
        // The C overflow cases wrap instead of throwing a .NET exception.
        Assert.Equal("-9223372036854775808", Value("(-9223372036854775807LL - 1) / -1"));
        Assert.Equal("0", Value("(-9223372036854775807LL - 1) % -1"));
        Assert.Equal("-2147483648", Value("(-2147483647 - 1) / -1"));
    }

    [Fact]
    public void NestedConditionalsAreLinear()
    {
        // Each ?: types the branch it does not take without evaluating it: no exponential blow-up.
        var deep = string.Concat(Enumerable.Repeat("(0 ? 1 : ", 90)) + "7" + new string(')', 90);
        Assert.Equal("7", Value(deep));
        var gnu = new string('(', 90) + "0" + string.Concat(Enumerable.Repeat(" ?: 0)", 90)) + " ?: 3";
        Assert.Equal("3", Value(gnu));
    }
}
