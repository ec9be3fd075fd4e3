namespace Lunet.Ffi.Declarations;

public sealed partial class DeclarationParser
{
    enum SpecifierContext { TopLevel, Member, Parameter, TypeName }

    /// <summary>What the declaration specifiers before the declarators said.</summary>
    sealed class Specifiers
    {
        public bool Typedef;
        public bool Inline;
        public StorageClass Storage;
        public Qualifiers Qualifiers;
        public BaseType? Base;
        public AttributeSet Attributes = AttributeSet.Empty;

        public TypeSyntax BaseSyntax() => new NamedTypeSyntax(Base!, Qualifiers);
    }

    static readonly HashSet<string> BuiltinWords =
    [
        "void", "char", "short", "int", "long", "signed", "__signed", "__signed__", "unsigned", "float", "double",
        "_Bool", "bool", "_Complex", "__complex__", "__complex", "__int128", "__int128_t", "__uint128_t",
        "_Float16", "_Float32", "_Float64", "_Float128", "_Float32x", "_Float64x", "_Float128x",
        "__float128", "__float80", "__fp16", "__bf16", "__builtin_va_list",
    ];

    static Qualifiers QualifierOf(string word) => word switch
    {
        "const" or "__const" or "__const__" => Qualifiers.Const,
        "volatile" or "__volatile" or "__volatile__" => Qualifiers.Volatile,
        "restrict" or "__restrict" or "__restrict__" => Qualifiers.Restrict,
        "_Atomic" => Qualifiers.Atomic,
        // Nullability annotations change nothing a layout or a call sees.
        "_Nonnull" or "_Nullable" or "_Null_unspecified" or "__unaligned" or "__w64" or "__ptr64" or "__ptr32" => Qualifiers.None,
        _ => (Qualifiers)(-1),
    };

    static bool IsQualifier(string word) => QualifierOf(word) != (Qualifiers)(-1);

    static bool IsAttributeStart(string word) =>
        word is "__attribute__" or "__attribute" or "__declspec" or "_Alignas" or "alignas" || ConventionOf(word) != null;

    static CallingConvention? ConventionOf(string word) => word switch
    {
        "__cdecl" or "_cdecl" or "cdecl" => CallingConvention.Cdecl,
        "__stdcall" or "_stdcall" or "stdcall" => CallingConvention.Stdcall,
        "__fastcall" or "_fastcall" or "fastcall" => CallingConvention.Fastcall,
        "__thiscall" or "thiscall" => CallingConvention.Thiscall,
        "__vectorcall" or "vectorcall" => CallingConvention.Vectorcall,
        _ => null,
    };

    static bool IsStorageWord(string word) => word is "typedef" or "extern" or "static" or "auto" or "register"
        or "inline" or "__inline" or "__inline__" or "_Noreturn" or "__thread" or "_Thread_local" or "thread_local"
        or "__extension__" or "constexpr";

    /// <summary>Words that start a type: a type name, cast or sizeof operand begins with one.</summary>
    bool IsTypeStart(Token t)
    {
        if (t.Kind != TokenKind.Identifier) return false;
        string w = t.Text;
        return BuiltinWords.Contains(w) || IsQualifier(w) || w is "struct" or "union" or "enum" or "__typeof__" or "__typeof" or "typeof"
            || typedefNames.Contains(w) || w is "__attribute__" or "__attribute";
    }

    /// <summary>Words that can never name a declarator.</summary>
    static bool IsReserved(string w) =>
        BuiltinWords.Contains(w) || IsQualifier(w) || IsStorageWord(w) || IsAttributeStart(w) || IsAsmKeyword(w)
        || w is "struct" or "union" or "enum" or "sizeof" or "_Alignof" or "__alignof__" or "__alignof" or "alignof"
            or "__typeof__" or "__typeof" or "typeof" or "_Static_assert" or "static_assert";

    Specifiers ParseSpecifiers(SpecifierContext context)
    {
        var specs = new Specifiers();
        var words = new List<Token>();
        bool any = false;
        while (true)
        {
            var t = Peek();
            if (t.Kind != TokenKind.Identifier) break;
            string w = t.Text;
            if (IsAttributeStart(w)) { specs.Attributes = specs.Attributes.Merge(ParseAttributes()); any = true; continue; }
            if (IsQualifier(w)) { Advance(); specs.Qualifiers |= QualifierOf(w); any = true; continue; }
            if (IsStorageWord(w))
            {
                Advance();
                any = true;
                StorageSpecifier(specs, t, context);
                continue;
            }
            if (BuiltinWords.Contains(w))
            {
                if (specs.Base != null) throw Error(t, "two or more data types in declaration specifiers");
                Advance();
                words.Add(t);
                any = true;
                continue;
            }
            if (w is "struct" or "union" or "enum" or "__typeof__" or "__typeof" or "typeof")
            {
                if (specs.Base != null || words.Count > 0) throw Error(t, "two or more data types in declaration specifiers");
                Advance();
                specs.Base = w switch
                {
                    "struct" => new RecordType(ParseRecord(RecordKind.Struct, t)),
                    "union" => new RecordType(ParseRecord(RecordKind.Union, t)),
                    "enum" => new EnumType(ParseEnum(t)),
                    _ => ParseTypeof(t),
                };
                any = true;
                continue;
            }
            if (specs.Base == null && words.Count == 0 && typedefNames.Contains(w))
            {
                Advance();
                specs.Base = new TypedefNameType(w);
                any = true;
                continue;
            }
            break;
        }
        if (words.Count > 0) specs.Base = new BuiltinType(NormalizeBuiltin(words));
        if (specs.Base == null)
        {
            var t = Peek();
            if (!any && t.Kind == TokenKind.Identifier && !IsReserved(t.Text))
                throw Error(t, $"unknown type name '{Lexer.Printable(t.Text)}'");
            throw Error(t, any ? "expected a type" : context == SpecifierContext.TopLevel ? "expected a declaration" : "expected a type");
        }
        return specs;
    }

    void StorageSpecifier(Specifiers specs, Token t, SpecifierContext context)
    {
        switch (t.Text)
        {
            case "__extension__" or "_Noreturn":
                return;
            case "inline" or "__inline" or "__inline__":
                specs.Inline = true;
                return;
            case "register" when context == SpecifierContext.Parameter:
                return;
        }
        if (context != SpecifierContext.TopLevel)
            throw Error(t, $"storage class '{t.Text}' is not allowed here");
        switch (t.Text)
        {
            case "typedef": specs.Typedef = true; break;
            case "extern": specs.Storage = StorageClass.Extern; break;
            case "static" or "constexpr": specs.Storage = StorageClass.Static; break;
            // Thread-local data has no address the ffi can reach the usual way; keep the declaration.
            default: break;
        }
    }

    /// <summary>One spelling for every way of writing a builtin type ("short unsigned int" → "unsigned short").</summary>
    string NormalizeBuiltin(List<Token> words)
    {
        int signedCount = 0, unsignedCount = 0, longs = 0, shorts = 0, ints = 0, complex = 0;
        string? primary = null;
        Token? primaryToken = null;
        foreach (var t in words)
        {
            switch (t.Text)
            {
                case "signed" or "__signed" or "__signed__": signedCount++; break;
                case "unsigned": unsignedCount++; break;
                case "long": longs++; break;
                case "short": shorts++; break;
                case "int": ints++; break;
                case "_Complex" or "__complex__" or "__complex": complex++; break;
                default:
                    if (primary != null) throw Error(t, "two or more data types in declaration specifiers");
                    primary = t.Text switch
                    {
                        "bool" => "_Bool",
                        "__float128" => "_Float128",
                        _ => t.Text,
                    };
                    primaryToken = t;
                    break;
            }
        }
        var at = words[^1];
        if (signedCount + unsignedCount > 1) throw Error(at, "duplicate or conflicting 'signed'/'unsigned'");
        if (longs > 2) throw Error(at, "'long long long' is too long for C");
        if (ints > 1 || shorts > 1 || complex > 1 || shorts > 0 && longs > 0) throw Error(at, "invalid combination of type specifiers");
        bool sign = signedCount + unsignedCount > 0;
        string u = unsignedCount > 0 ? "unsigned " : "";
        string result;
        switch (primary)
        {
            case null:
                if (shorts > 0) result = u + "short";
                else if (longs == 2) result = u + "long long";
                else if (longs == 1) result = u + "long";
                else if (complex > 0 && ints == 0 && !sign) throw Error(at, "'_Complex' needs a floating type");
                else result = u + "int";
                break;
            case "char":
                if (shorts + longs + ints > 0) throw Error(at, "invalid combination of type specifiers");
                result = unsignedCount > 0 ? "unsigned char" : signedCount > 0 ? "signed char" : "char";
                break;
            case "double":
                if (sign || shorts + ints > 0 || longs > 1) throw Error(at, "invalid combination of type specifiers");
                result = longs == 1 ? "long double" : "double";
                break;
            case "__int128":
                if (shorts + longs + ints > 0) throw Error(at, "invalid combination of type specifiers");
                result = u + "__int128";
                break;
            case "__int128_t" or "__uint128_t":
                if (sign || shorts + longs + ints > 0) throw Error(at, "invalid combination of type specifiers");
                result = primary == "__int128_t" ? "__int128" : "unsigned __int128";
                break;
            default:
                if (sign || shorts + longs + ints > 0) throw Error(primaryToken!, "invalid combination of type specifiers");
                result = primary;
                break;
        }
        if (complex > 0)
        {
            if (result is not ("float" or "double" or "long double" or "_Float32" or "_Float64" or "_Float128" or "_Float32x" or "_Float64x"))
                throw Error(at, "'_Complex' needs a floating type");
            result = "_Complex " + result;
        }
        else if (complex == 0 && result is "void" or "_Bool" or "__builtin_va_list" && words.Count > 1)
            throw Error(at, "invalid combination of type specifiers");
        return result;
    }

    BaseType ParseTypeof(Token keyword)
    {
        Enter();
        Expect("(");
        if (!IsTypeStart(Peek())) throw Error($"{keyword.Text} of an expression is not supported: write the type");
        var type = ParseTypeName();
        Expect(")");
        Leave();
        return new TypeofType(type);
    }

    /// <summary>A type name as in casts and sizeof: specifiers and an abstract declarator.</summary>
    TypeSyntax ParseTypeName()
    {
        var specs = ParseSpecifiers(SpecifierContext.TypeName);
        var d = ParseDeclarator(abstractAllowed: true);
        if (d.Name != null) throw ErrorAt(d.NamePosition, $"unexpected name '{d.Name}' in a type name");
        return Apply(d, specs.BaseSyntax(), specs.Attributes.Convention);
    }
}
