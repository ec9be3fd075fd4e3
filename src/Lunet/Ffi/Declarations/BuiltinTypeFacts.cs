using System.Runtime.InteropServices;

namespace Lunet.Ffi.Declarations;

/// <summary>
/// Sizes, alignments and integer types of the builtin spellings on the running platform, as
/// its C compiler has them (LP64 on Unix, LLP64 on Windows), for constant expressions.
/// </summary>
public static class BuiltinTypeFacts
{
    static readonly bool Windows = OperatingSystem.IsWindows();
    static readonly bool Arm64 = RuntimeInformation.ProcessArchitecture == Architecture.Arm64;
    static readonly bool X64 = RuntimeInformation.ProcessArchitecture == Architecture.X64;
    static readonly bool CharUnsigned = (Arm64 || RuntimeInformation.ProcessArchitecture == Architecture.Arm)
        && !OperatingSystem.IsMacOS() && !Windows && !OperatingSystem.IsIOS();

    public static int PointerBits => IntPtr.Size * 8;
    public static int LongBits => Windows ? 32 : PointerBits;

    /// <summary>long double: 80-bit x87 in 16 bytes on x86-64 Unix, binary128 on arm64 Linux, a double elsewhere.</summary>
    static TypeLayout LongDouble => Windows || OperatingSystem.IsMacOS() && Arm64 ? new(8, 8) : X64 || Arm64 ? new(16, 16) : new(12, 4);

    static TypeLayout VaList =>
        Windows || OperatingSystem.IsMacOS() ? new(PointerBits / 8, PointerBits / 8) : X64 ? new(24, 8) : Arm64 ? new(32, 8) : new(4, 4);

    public static TypeLayout? Layout(string spelling)
    {
        if (spelling.StartsWith("_Complex ", StringComparison.Ordinal))
            return Layout(spelling["_Complex ".Length..]) is TypeLayout part ? new(part.Size * 2, part.Alignment) : null;
        if (IntegerType(spelling) is IntegerType i && i.Bits > 1) return new(i.Bits / 8, Math.Min(i.Bits / 8, 16));
        return spelling switch
        {
            "_Bool" => new(1, 1),
            "float" or "_Float32" => new(4, 4),
            "double" or "_Float64" or "_Float32x" => new(8, 8),
            "long double" or "_Float64x" => LongDouble,
            "_Float128" or "__float80" => new(16, 16),
            "_Float16" or "__fp16" or "__bf16" => new(2, 2),
            "__builtin_va_list" => VaList,
            _ => null, // void, and spellings with no layout
        };
    }

    public static IntegerType? IntegerType(string spelling) => spelling switch
    {
        "_Bool" => new(1, true),
        "char" => new(8, CharUnsigned),
        "signed char" => new(8, false),
        "unsigned char" => new(8, true),
        "short" => new(16, false),
        "unsigned short" => new(16, true),
        "int" => new(32, false),
        "unsigned int" => new(32, true),
        "long" => new(LongBits, false),
        "unsigned long" => new(LongBits, true),
        "long long" => new(64, false),
        "unsigned long long" => new(64, true),
        "__int128" => new(128, false),
        "unsigned __int128" => new(128, true),
        _ => null,
    };

    /// <summary>The fixed-width and standard typedef names the parser always knows, as builtin spellings.</summary>
    public static string? StandardTypedef(string name) => name switch
    {
        "int8_t" => "signed char",
        "uint8_t" => "unsigned char",
        "int16_t" => "short",
        "uint16_t" => "unsigned short",
        "int32_t" => "int",
        "uint32_t" => "unsigned int",
        "int64_t" => "long long",
        "uint64_t" => "unsigned long long",
        "intptr_t" or "ptrdiff_t" or "ssize_t" => PointerBits == 64 ? "long long" : "int",
        "uintptr_t" or "size_t" => PointerBits == 64 ? "unsigned long long" : "unsigned int",
        "wchar_t" => Windows ? "unsigned short" : "int",
        "va_list" => "__builtin_va_list",
        _ => null,
    };
}
