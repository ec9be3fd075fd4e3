using System.Runtime.InteropServices;
using Lunet.Interop;

namespace Lunet.Ffi.Types;

/// <summary>
/// The built-in type names of the contract (SPEC.md "Type names"): short names,
/// C spellings and their platform sizes, and the parser for a type string
/// ("const char*", "unsigned long", "int*").
/// </summary>
public static class TypeNames
{
    /// <summary>Every built-in name and the type it means.</summary>
    public static readonly IReadOnlyDictionary<string, CType> BuiltIn = Build();

    static Dictionary<string, CType> Build()
    {
        bool windows = OperatingSystem.IsWindows();
        bool ptr64 = IntPtr.Size == 8;
        // char is unsigned on Linux/Android arm64 (AAPCS64), signed elsewhere we run.
        bool charUnsigned = RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm
            && !OperatingSystem.IsMacOS() && !OperatingSystem.IsWindows() && !OperatingSystem.IsIOS();
        var l = !windows && ptr64 ? ScalarType.I64 : ScalarType.I32;
        var ul = !windows && ptr64 ? ScalarType.U64 : ScalarType.U32;
        var size = ptr64 ? ScalarType.U64 : ScalarType.U32;
        var ssize = ptr64 ? ScalarType.I64 : ScalarType.I32;

        return new Dictionary<string, CType>
        {
            ["void"] = ScalarType.Void,
            ["bool"] = ScalarType.Bool, ["_Bool"] = ScalarType.Bool,
            ["i8"] = ScalarType.I8, ["u8"] = ScalarType.U8, ["i16"] = ScalarType.I16, ["u16"] = ScalarType.U16,
            ["i32"] = ScalarType.I32, ["u32"] = ScalarType.U32, ["i64"] = ScalarType.I64, ["u64"] = ScalarType.U64,
            ["char"] = charUnsigned ? ScalarType.U8 : ScalarType.I8,
            ["signed char"] = ScalarType.I8, ["unsigned char"] = ScalarType.U8,
            ["short"] = ScalarType.I16, ["short int"] = ScalarType.I16, ["signed short"] = ScalarType.I16,
            ["unsigned short"] = ScalarType.U16, ["unsigned short int"] = ScalarType.U16,
            ["int"] = ScalarType.I32, ["signed"] = ScalarType.I32, ["signed int"] = ScalarType.I32,
            ["unsigned"] = ScalarType.U32, ["unsigned int"] = ScalarType.U32,
            ["long"] = l, ["long int"] = l, ["signed long"] = l,
            ["unsigned long"] = ul, ["unsigned long int"] = ul,
            ["long long"] = ScalarType.I64, ["long long int"] = ScalarType.I64, ["signed long long"] = ScalarType.I64,
            ["unsigned long long"] = ScalarType.U64, ["unsigned long long int"] = ScalarType.U64,
            ["int8_t"] = ScalarType.I8, ["uint8_t"] = ScalarType.U8, ["int16_t"] = ScalarType.I16, ["uint16_t"] = ScalarType.U16,
            ["int32_t"] = ScalarType.I32, ["uint32_t"] = ScalarType.U32, ["int64_t"] = ScalarType.I64, ["uint64_t"] = ScalarType.U64,
            ["size_t"] = size, ["uintptr_t"] = size, ["ssize_t"] = ssize, ["intptr_t"] = ssize, ["ptrdiff_t"] = ssize,
            ["f32"] = ScalarType.F32, ["f64"] = ScalarType.F64, ["float"] = ScalarType.F32, ["double"] = ScalarType.F64,
            ["pointer"] = ScalarType.Pointer, ["ptr"] = ScalarType.Pointer,
            ["string"] = ScalarType.CString, ["str"] = ScalarType.CString,
        };
    }

    static readonly HashSet<string> Qualifiers = ["const", "volatile", "restrict", "__restrict", "__restrict__"];

    /// <summary>
    /// Parses a type string. <paramref name="named"/> resolves names that are not
    /// built in (struct and typedef names); it may be null. Returns null when the
    /// base name is unknown.
    /// </summary>
    public static CType? Parse(string text, Func<string, CType?>? named = null)
    {
        // Linear in the length: the trailing stars are peeled off a span, never by copying the rest.
        int stars = 0;
        var s = text.AsSpan().Trim();
        while (s.Length > 0 && s[^1] == '*')
        {
            if (++stars > FfiLimits.MaxPointerDepth)
                throw new LuaException($"type name has more than {FfiLimits.MaxPointerDepth} levels of pointer");
            s = s[..^1].TrimEnd();
            // "int * const" style qualifiers after a star
            foreach (var q in Qualifiers)
                if (s.EndsWith(q, StringComparison.Ordinal) && s.Length > q.Length && s[^(q.Length + 1)] is ' ' or '*')
                    s = s[..^q.Length].TrimEnd();
        }
        var words = s.ToString().Split((char[])[' ', '\t', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries)
            .Where(w => !Qualifiers.Contains(w)).ToArray();
        if (words.Length == 0) return null;
        var baseName = string.Join(' ', words);

        CType? baseType = BuiltIn.TryGetValue(baseName, out var b) ? b : named?.Invoke(baseName);
        if (stars == 0) return baseType;

        // char* (however qualified) is a C string; char** and the rest are raw pointers.
        if (stars == 1 && baseName == "char") return ScalarType.CString;
        if (baseType == null && !IsIdentifierish(words)) return null;
        CType result = new PointerType(baseType?.Scalar == ScalarKind.Void ? null : baseType, baseType?.Name ?? baseName);
        for (int i = 1; i < stars; i++) result = new PointerType(result);
        return result;
    }

    /// <summary>A pointer to an undeclared name is allowed (an incomplete type in C): "struct sqlite3*", "FILE*".</summary>
    static bool IsIdentifierish(string[] words)
    {
        int at = words[0] is "struct" or "union" or "enum" ? 1 : 0;
        if (words.Length != at + 1) return false;
        var w = words[at];
        return w.Length > 0 && (char.IsLetter(w[0]) || w[0] == '_') && w.All(c => char.IsLetterOrDigit(c) || c == '_');
    }
}
