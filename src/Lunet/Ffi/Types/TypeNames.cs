using Lunet.Ffi.Declarations;

namespace Lunet.Ffi.Types;

/// <summary>
/// The built-in type names (docs/ffi.md "Type names"): the short names and the
/// standard typedef names (typedef-like: the parser reads them as typedef names) and the C
/// builtin spellings as the declaration parser normalises them.
/// </summary>
public static class TypeNames
{
    static readonly ScalarType Char = BuiltinTypeFacts.IntegerType("char") is { Unsigned: true } ? ScalarType.U8 : ScalarType.I8;
    static readonly ScalarType Long = BuiltinTypeFacts.LongBits == 64 ? ScalarType.I64 : ScalarType.I32;
    static readonly ScalarType ULong = BuiltinTypeFacts.LongBits == 64 ? ScalarType.U64 : ScalarType.U32;
    static readonly ScalarType Size = IntPtr.Size == 8 ? ScalarType.U64 : ScalarType.U32;
    static readonly ScalarType SSize = IntPtr.Size == 8 ? ScalarType.I64 : ScalarType.I32;

    /// <summary>The builtin spellings (as the parser normalises them: "unsigned short", "_Bool") the ffi can pass and read.</summary>
    public static readonly IReadOnlyDictionary<string, CType> CSpellings = new Dictionary<string, CType>
    {
        ["void"] = ScalarType.Void, ["_Bool"] = ScalarType.Bool,
        ["char"] = Char, ["signed char"] = ScalarType.I8, ["unsigned char"] = ScalarType.U8,
        ["short"] = ScalarType.I16, ["unsigned short"] = ScalarType.U16,
        ["int"] = ScalarType.I32, ["unsigned int"] = ScalarType.U32,
        ["long"] = Long, ["unsigned long"] = ULong,
        ["long long"] = ScalarType.I64, ["unsigned long long"] = ScalarType.U64,
        ["float"] = ScalarType.F32, ["double"] = ScalarType.F64,
    };

    /// <summary>Every built-in name of the contract and the type it means (ffi.types lists them).</summary>
    public static readonly IReadOnlyDictionary<string, CType> BuiltIn = new Dictionary<string, CType>
    {
        ["void"] = ScalarType.Void,
        ["bool"] = ScalarType.Bool, ["_Bool"] = ScalarType.Bool,
        ["i8"] = ScalarType.I8, ["u8"] = ScalarType.U8, ["i16"] = ScalarType.I16, ["u16"] = ScalarType.U16,
        ["i32"] = ScalarType.I32, ["u32"] = ScalarType.U32, ["i64"] = ScalarType.I64, ["u64"] = ScalarType.U64,
        ["char"] = Char,
        ["signed char"] = ScalarType.I8, ["unsigned char"] = ScalarType.U8,
        ["short"] = ScalarType.I16, ["short int"] = ScalarType.I16, ["signed short"] = ScalarType.I16,
        ["unsigned short"] = ScalarType.U16, ["unsigned short int"] = ScalarType.U16,
        ["int"] = ScalarType.I32, ["signed"] = ScalarType.I32, ["signed int"] = ScalarType.I32,
        ["unsigned"] = ScalarType.U32, ["unsigned int"] = ScalarType.U32,
        ["long"] = Long, ["long int"] = Long, ["signed long"] = Long,
        ["unsigned long"] = ULong, ["unsigned long int"] = ULong,
        ["long long"] = ScalarType.I64, ["long long int"] = ScalarType.I64, ["signed long long"] = ScalarType.I64,
        ["unsigned long long"] = ScalarType.U64, ["unsigned long long int"] = ScalarType.U64,
        ["int8_t"] = ScalarType.I8, ["uint8_t"] = ScalarType.U8, ["int16_t"] = ScalarType.I16, ["uint16_t"] = ScalarType.U16,
        ["int32_t"] = ScalarType.I32, ["uint32_t"] = ScalarType.U32, ["int64_t"] = ScalarType.I64, ["uint64_t"] = ScalarType.U64,
        ["size_t"] = Size, ["uintptr_t"] = Size, ["ssize_t"] = SSize, ["intptr_t"] = SSize, ["ptrdiff_t"] = SSize,
        ["f32"] = ScalarType.F32, ["f64"] = ScalarType.F64, ["float"] = ScalarType.F32, ["double"] = ScalarType.F64,
        ["pointer"] = ScalarType.Pointer, ["ptr"] = ScalarType.Pointer,
        ["string"] = ScalarType.CString, ["str"] = ScalarType.CString,
    };

    static readonly HashSet<string> Keywords =
    [
        "void", "_Bool", "bool", "char", "short", "int", "long", "float", "double", "signed", "unsigned",
        "struct", "union", "enum", "const", "volatile", "restrict", "__restrict", "__restrict__", "_Atomic",
        "__int128", "_Complex", "__typeof__", "typeof", "__typeof",
    ];

    public static bool IsIdentifier(string w) =>
        w.Length > 0 && (char.IsAsciiLetter(w[0]) || w[0] == '_') && w.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    /// <summary>The first word of a type string when it is an identifier that names no type ("i33", "FILE" in "FILE*"); null otherwise.</summary>
    public static string? UnknownLeadingName(string text, IReadOnlyDictionary<string, CType> typedefs)
    {
        var words = text.Split((char[])[' ', '\t', '\n', '\r', '*', '(', ')', '[', ']', ','], StringSplitOptions.RemoveEmptyEntries);
        foreach (var w in words)
        {
            if (w is "const" or "volatile" or "restrict" or "__restrict" or "__restrict__") continue;
            return IsIdentifier(w) && !Keywords.Contains(w) && !typedefs.ContainsKey(w) && !DeclarationParser.StandardTypedefNames.Contains(w) ? w : null;
        }
        return null;
    }

    /// <summary>Whether the text is only that name (qualified) followed by one or more stars: a pointer to an undeclared type, as C allows.</summary>
    public static bool IsPointerToName(string text, string name)
    {
        var rest = text.AsSpan().Trim();
        while (rest.Length > 0 && (rest[^1] == '*' || char.IsWhiteSpace(rest[^1]))) rest = rest[..^1];
        if (rest.Length == text.Trim().Length) return false;
        var words = rest.ToString().Split((char[])[' ', '\t', '\n', '\r', '*'], StringSplitOptions.RemoveEmptyEntries);
        return words.Count(w => w is not ("const" or "volatile" or "restrict" or "__restrict" or "__restrict__")) == 1 && words.Contains(name);
    }
}
