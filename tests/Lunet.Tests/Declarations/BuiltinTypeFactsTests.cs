using System.Text;
using Lunet.Ffi.Declarations;
using Lunet.Tests.Support;

namespace Lunet.Tests.Declarations;

/// <summary>The builtin sizes and alignments constant expressions use are the C compiler's own.</summary>
public class BuiltinTypeFactsTests
{
    static readonly string[] Spellings =
    [
        "_Bool", "char", "signed char", "unsigned char", "short", "unsigned short", "int", "unsigned int",
        "long", "unsigned long", "long long", "unsigned long long", "__int128", "unsigned __int128",
        "float", "double", "long double", "_Float32", "_Float64", "_Float128", "_Float32x", "_Float64x",
        "_Complex double", "_Complex float", "__builtin_va_list", "void *",
    ];

    [Fact]
    public void SizesAndAlignmentsMatchTheCompiler()
    {
        var source = new StringBuilder("#include <stdio.h>\nint main(void) {\n");
        foreach (var s in Spellings)
            source.Append($"  printf(\"%zu %zu\\n\", sizeof({s}), _Alignof({s}));\n");
        source.Append("  return 0;\n}\n");
        var dir = Path.Combine(Path.GetTempPath(), $"lunet-facts-{Environment.ProcessId}");
        Directory.CreateDirectory(dir);
        try
        {
            var c = Path.Combine(dir, "facts.c");
            var exe = Path.Combine(dir, "facts");
            File.WriteAllText(c, source.ToString());
            NativeBuild.Run(NativeBuild.Compiler(), $"-o \"{exe}\" \"{c}\"");
            var lines = NativeBuild.Run(exe, "").Split('\n', StringSplitOptions.RemoveEmptyEntries);
            for (int i = 0; i < Spellings.Length; i++)
            {
                var parts = lines[i].Split(' ');
                var expected = new TypeLayout(long.Parse(parts[0]), long.Parse(parts[1]));
                var list = DeclarationParser.Parse($"int probe[sizeof({Spellings[i]})];");
                var type = Assert.IsType<TypeTraitExpression>(Assert.IsType<ArraySyntax>(list.OfType<VariableDeclaration>().Single().Type).Size).Type;
                Assert.Equal((Spellings[i], expected), (Spellings[i], new DeclaredConstants(list).Layout(type)));
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
