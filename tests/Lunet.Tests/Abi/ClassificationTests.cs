using Lunet.Ffi.Abi;
using Lunet.Ffi.Types;

namespace Lunet.Tests.Abi;

/// <summary>
/// The classification of each calling convention, as data: which register or stack offset every argument
/// and result gets, checked against the rules of the psABI, the Windows x64 convention and AAPCS64 (the
/// System V ones are also checked against the C compiler by the call corpus, see CallCorpusTests).
/// </summary>
public class ClassificationTests
{
    const string Declarations = """
        struct DD { double x, y; };
        struct ID { int i; double d; };
        struct FFF { float a, b, c; };
        struct CIC { char a; int i; char b; };
        union IF { int i; float f; };
        union FD { float f; double d; };
        struct __attribute__((packed)) PCI { char c; int i; };
        struct __attribute__((packed)) PIC { int i; char c; };
        struct NF { struct { float x, y; } p; double z; };
        struct FA3 { float v[3]; };
        struct C16 { char c[16]; };
        struct I5 { int a[5]; };
        struct Big { long long a, b, c; };
        struct LL { long long a, b; };
        struct Bits { unsigned a : 3; float f; };
        struct F4 { float a, b, c, d; };
        struct D3 { double a, b, c; };
        struct F5 { float v[5]; };
        struct NH { struct { float x, y; } p; float z; };
        struct __attribute__((aligned(16))) A16 { long long a, b; };
        struct C3 { char c[3]; };
        struct II { int a, b; };
        struct D1 { double d; };
        struct FF { float a, b; };
        struct C1 { char c; };
        """;

    static readonly TypeRegistry Types = Make();

    static TypeRegistry Make()
    {
        var r = new TypeRegistry();
        r.Declare(Declarations);
        return r;
    }

    static CType T(string name) => name switch
    {
        "i32" => ScalarType.I32, "i64" => ScalarType.I64, "f64" => ScalarType.F64, "f32" => ScalarType.F32, "i8" => ScalarType.I8,
        "pointer" => ScalarType.Pointer, "void" => ScalarType.Void,
        _ => Types.Resolve(name.Contains(' ') ? name : "struct " + name),
    };

    static ArgumentPlan Plan(ICallingConvention c, string ret, params string[] ps) =>
        c.Plan(new FunctionType(T(ret), ps.Select(T).ToArray()));

    static string Arg(ICallingConvention c, string type) => Plan(c, "void", type).Parameters[0].ToString();
    static string Ret(ICallingConvention c, string type) => Plan(c, type).Result.ToString();

    static readonly SysVX64Convention SysV = SysVX64Convention.Instance;
    static readonly WindowsX64Convention Win = WindowsX64Convention.Instance;
    static readonly Aapcs64Convention Arm = Aapcs64Convention.Instance;

    [Theory]
    [InlineData("DD", "vec0[0+8] vec1[8+8]")]          // two SSE eightbytes
    [InlineData("ID", "int0[0+8] vec0[8+8]")]          // INTEGER then SSE
    [InlineData("FFF", "vec0[0+8] vec1[8+4]")]         // two floats share an eightbyte
    [InlineData("CIC", "int0[0+8] int1[8+4]")]
    [InlineData("union IF", "int0[0+4]")]              // INTEGER wins over SSE
    [InlineData("union FD", "vec0[0+8]")]
    [InlineData("PCI", "stack@0")]                     // a misaligned member: MEMORY
    [InlineData("PIC", "int0[0+5]")]                   // packed but aligned members: registers
    [InlineData("NF", "vec0[0+8] vec1[8+8]")]          // nested record
    [InlineData("FA3", "vec0[0+8] vec1[8+4]")]         // an array inside a record
    [InlineData("C16", "int0[0+8] int1[8+8]")]
    [InlineData("I5", "stack@0")]                      // more than 16 bytes
    [InlineData("Big", "stack@0")]
    [InlineData("Bits", "int0[0+8]")]                  // a bitfield is INTEGER, merged with the float
    [InlineData("f64", "vec0[0+8]")]
    [InlineData("i8", "int0[0+1]")]
    public void SysVClassifiesEachArgument(string type, string expected) => Assert.Equal(expected, Arg(SysV, type));

    [Theory]
    [InlineData("DD", "vec0[0+8] vec1[8+8]")]
    [InlineData("ID", "int0[0+8] vec0[8+8]")]           // rax, xmm0
    [InlineData("LL", "int0[0+8] int1[8+8]")]           // rax, rdx
    [InlineData("Big", "ref(int0[0+8])")]               // hidden pointer in rdi
    [InlineData("void", "none")]
    public void SysVClassifiesResults(string type, string expected) => Assert.Equal(expected, Ret(SysV, type));

    [Fact]
    public void SysVHiddenResultPointerTakesTheFirstIntegerRegister()
    {
        var p = Plan(SysV, "Big", "i32", "DD");
        Assert.True(p.HasHiddenResultPointer);
        Assert.Equal("int1[0+4]", p.Parameters[0].ToString()); // rsi: rdi holds the result's address
        Assert.Equal("vec0[0+8] vec1[8+8]", p.Parameters[1].ToString());
    }

    [Fact]
    public void SysVSpillsWholeValuesAndLaterOnesStillTakeRegisters()
    {
        // Five integers leave one register: the two-eightbyte LL goes to the stack whole, the i32 after it takes r9.
        var p = Plan(SysV, "void", "i32", "i32", "i32", "i32", "i32", "LL", "i32", "i64");
        Assert.Equal("stack@0", p.Parameters[5].ToString());
        Assert.Equal("int5[0+4]", p.Parameters[6].ToString());
        Assert.Equal("stack@16", p.Parameters[7].ToString());
        Assert.Equal(24, p.StackBytes);

        // Nine doubles: the ninth on the stack; AL counts the eight vector registers.
        var d = Plan(SysV, "void", Enumerable.Repeat("f64", 9).ToArray());
        Assert.Equal("vec7[0+8]", d.Parameters[7].ToString());
        Assert.Equal("stack@0", d.Parameters[8].ToString());
        Assert.Equal(8, d.VectorRegisters);

        // Seven vector eightbytes used: a DD needs two, so it spills; a double after it takes xmm7.
        var m = Plan(SysV, "void", "f64", "f64", "f64", "f64", "f64", "f64", "f64", "DD", "f64", "ID");
        Assert.Equal("stack@0", m.Parameters[7].ToString());
        Assert.Equal("vec7[0+8]", m.Parameters[8].ToString());
        Assert.Equal("stack@16", m.Parameters[9].ToString()); // no vector register left for its SSE eightbyte
    }

    [Fact]
    public void SysVAlignsSixteenByteAlignedStackArguments()
    {
        // A16 is 16 bytes of INTEGER; with no integer registers left it goes to the stack, 16-byte aligned.
        var p = Plan(SysV, "void", "i64", "i64", "i64", "i64", "i64", "i64", "i64", "A16");
        Assert.Equal("stack@0", p.Parameters[6].ToString());
        Assert.Equal("stack@16", p.Parameters[7].ToString());
        Assert.Equal(32, p.StackBytes);
    }

    [Theory]
    [InlineData("II", "int0[0+8]")]           // 8 bytes: an integer, whatever its members
    [InlineData("D1", "int0[0+8]")]           // even a lone double inside a record
    [InlineData("FF", "int0[0+8]")]
    [InlineData("C1", "int0[0+1]")]
    [InlineData("C3", "ref(int0[0+8])")]      // 3 bytes: by reference to a copy
    [InlineData("DD", "ref(int0[0+8])")]      // 16 bytes: by reference
    [InlineData("FFF", "ref(int0[0+8])")]
    [InlineData("f64", "vec0[0+8]")]
    public void WindowsClassifiesEachArgument(string type, string expected) => Assert.Equal(expected, Arg(Win, type));

    [Fact]
    public void WindowsSlotsAreSharedByPositionAboveShadowSpace()
    {
        var p = Plan(Win, "void", "i32", "f64", "i32", "f32", "i32", "DD");
        Assert.Equal(["int0[0+4]", "vec1[0+8]", "int2[0+4]", "vec3[0+4]", "stack@32", "ref(int@40[0+8])"], p.Parameters.Select(x => x.ToString()));
        Assert.Equal(48, p.StackBytes);
        Assert.Equal(32, p.ShadowSpace);
    }

    [Fact]
    public void WindowsResults()
    {
        Assert.Equal("int0[0+8]", Ret(Win, "II"));
        Assert.Equal("int0[0+8]", Ret(Win, "D1"));
        Assert.Equal("vec0[0+8]", Ret(Win, "f64"));
        var p = Plan(Win, "DD", "i32", "f64");
        Assert.Equal("ref(int0[0+8])", p.Result.ToString());   // hidden pointer in rcx
        Assert.Equal("int1[0+4]", p.Parameters[0].ToString()); // the arguments shift by one slot
        Assert.Equal("vec2[0+8]", p.Parameters[1].ToString());
    }

    [Theory]
    [InlineData("F4", "vec0[0+4] vec1[4+4] vec2[8+4] vec3[12+4]")]   // HFA of four floats
    [InlineData("D3", "vec0[0+8] vec1[8+8] vec2[16+8]")]              // HFA larger than 16 bytes still in registers
    [InlineData("NH", "vec0[0+4] vec1[4+4] vec2[8+4]")]               // nesting flattened
    [InlineData("FA3", "vec0[0+4] vec1[4+4] vec2[8+4]")]              // arrays flattened
    [InlineData("ID", "int0[0+8] int1[8+8]")]                         // mixed: not an HFA; 16 bytes in x0, x1
    [InlineData("CIC", "int0[0+8] int1[8+4]")]
    [InlineData("F5", "ref(int0[0+8])")]                              // five members: not an HFA; 20 bytes by reference
    [InlineData("Big", "ref(int0[0+8])")]
    [InlineData("union FD", "int0[0+8]")]                             // float and double: not homogeneous
    public void Aapcs64ClassifiesEachArgument(string type, string expected) => Assert.Equal(expected, Arg(Arm, type));

    [Fact]
    public void Aapcs64Results()
    {
        Assert.Equal("vec0[0+8] vec1[8+8]", Ret(Arm, "DD"));
        Assert.Equal("int0[0+8] int1[8+8]", Ret(Arm, "LL"));
        var p = Plan(Arm, "Big", "i32");
        Assert.Equal("ref(int8[0+8])", p.Result.ToString());   // x8, the indirect result register
        Assert.Equal("int0[0+4]", p.Parameters[0].ToString()); // takes no argument register
    }

    [Fact]
    public void Aapcs64RunsOutOfRegisters()
    {
        // Seven doubles leave one v register: an HFA of two goes to the stack and no later float gets a register.
        var p = Plan(Arm, "void", "f64", "f64", "f64", "f64", "f64", "f64", "f64", "DD", "f64");
        Assert.Equal("stack@0", p.Parameters[7].ToString());
        Assert.Equal("stack@16", p.Parameters[8].ToString());
        // A 16-byte aligned record starts at an even x register.
        var a = Plan(Arm, "void", "i32", "A16");
        Assert.Equal("int2[0+8] int3[8+8]", a.Parameters[1].ToString());
        // Seven integers leave one x register: a 16-byte record goes to the stack and so do later integers.
        var s = Plan(Arm, "void", "i32", "i32", "i32", "i32", "i32", "i32", "i32", "LL", "i32");
        Assert.Equal("stack@0", s.Parameters[7].ToString());
        Assert.Equal("stack@16", s.Parameters[8].ToString());
        Assert.Equal(32, s.StackBytes);
    }
}
