using Lunet.Ffi.Declarations;
using Lunet.Interop;


namespace Lunet.Ffi.Types;

/// <summary>
/// One runtime's C types: the built-in names, the names its declarations define (typedefs,
/// struct/union/enum tags, enum constants), and every type made from them, interned so that
/// one type is one object. A type string is parsed as a C type name by the declaration
/// parser, once: results are cached (keyed by strings scripts choose, so the cache is
/// emptied when it reaches <see cref="CacheLimit"/>).
/// </summary>
public sealed partial class TypeRegistry
{
    /// <summary>Parsed names kept at most (a script looping over distinct names must not grow memory without end).</summary>
    public const int CacheLimit = 4096;

    /// <summary>Derived types (pointers, arrays, tags named only in type strings) interned at most; past it they are made afresh.</summary>
    public const int InternLimit = 65536;

    readonly Dictionary<string, CType> parsed = new(StringComparer.Ordinal);
    readonly Dictionary<string, CType> typedefs = new(StringComparer.Ordinal);
    readonly Dictionary<string, StructType> records = new(StringComparer.Ordinal);
    readonly Dictionary<string, EnumeratedType> enums = new(StringComparer.Ordinal);
    readonly Dictionary<string, long> constants = new(StringComparer.Ordinal);
    readonly Dictionary<CType, PointerType> pointers = new(ReferenceEqualityComparer.Instance);
    readonly Dictionary<(CType, long?), ArrayType> arrays = new();

    /// <summary>This runtime's names and layouts as constant expressions see them (the outer environment of declarations).</summary>
    internal IConstantEnvironment Environment { get; }

    public TypeRegistry()
    {
        Environment = new RegistryConstants(this);
        foreach (var (name, t) in TypeNames.BuiltIn)
            if (TypeNames.IsIdentifier(name) && !TypeNames.CSpellings.ContainsKey(name)) typedefs[name] = t;
    }

    /// <summary>How many parsed names are cached now.</summary>
    public int CachedCount => parsed.Count;

    /// <summary>The type a string names: a Lua error "unknown C type 'x'" if it names none, the parser's message if it is no type name.</summary>
    public CType Resolve(string text)
    {
        if (parsed.TryGetValue(text, out var t)) return t;
        FfiLimits.CheckTypeName(text);
        TypeSyntax syntax;
        try
        {
            syntax = DeclarationParser.ParseTypeName(text, "type name", typedefs.Keys);
        }
        catch (DeclarationException e)
        {
            // "i33", "FILE*": a name the parser cannot know is a type; say which.
            if (TypeNames.UnknownLeadingName(text, typedefs) is { } unknown)
            {
                // "no such type" is named whole; in a longer type expression, the unknown word alone.
                if (!TypeNames.IsPointerToName(text, unknown))
                    throw Unknown(text.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or ' ' or '\t') ? text.Trim() : unknown);
                syntax = DeclarationParser.ParseTypeName(text, "type name", [.. typedefs.Keys, unknown]);
            }
            else throw new LuaException($"bad C type '{Printable(text)}': {e.Message}");
        }
        if (PointerDepth(syntax) > FfiLimits.MaxPointerDepth)
            throw new LuaException($"type name has more than {FfiLimits.MaxPointerDepth} levels of pointer");
        // A type name's anonymous records are laid out once per layout (spelled), and the syntax they came
        // from is never met again: nothing of it is kept (250,000 spellings of one struct kept 28 MB).
        resolvingName = true;
        try { t = FromSyntax(syntax, text); }
        finally
        {
            resolvingName = false;
            anonymous.Clear();
        }
        if (parsed.Count >= CacheLimit) parsed.Clear();
        parsed[text] = t;
        return t;
    }

    /// <summary>The most pointer levels on any path through the type (the parser bounds the nesting, so this recursion is bounded).</summary>
    static int PointerDepth(TypeSyntax s) => s switch
    {
        PointerSyntax p => 1 + PointerDepth(p.Target),
        ArraySyntax a => PointerDepth(a.Element),
        FunctionSyntax f => Math.Max(PointerDepth(f.Return), f.Parameters.Count == 0 ? 0 : f.Parameters.Max(p => PointerDepth(p.Type))),
        _ => 0,
    };

    static LuaException Unknown(string text) => new($"unknown C type '{Printable(text)}'");

    static string Printable(string text) => text.Length > 80 ? text[..80] + "..." : text;

    /// <summary>The pointer to <paramref name="target"/>, one object per target.</summary>
    public PointerType PointerTo(CType target)
    {
        if (target.Kind == TypeKind.Void) return ScalarType.Pointer;
        if (pointers.TryGetValue(target, out var p)) return p;
        p = new PointerType(target, TypeSpelling.Pointer(target), ScalarKind.Pointer);
        if (pointers.Count < InternLimit) pointers[target] = p;
        return p;
    }

    readonly Dictionary<FunctionType, FunctionType> functions = new();

    /// <summary>The one function type equal to <paramref name="f"/> (same parts, same variadic flag).</summary>
    public FunctionType FunctionOf(FunctionType f)
    {
        if (functions.TryGetValue(f, out var known)) return known;
        if (functions.Count < InternLimit) functions[f] = f;
        return f;
    }

    /// <summary>The array of <paramref name="count"/> elements (null: unknown size).</summary>
    public ArrayType ArrayOf(CType element, long? count)
    {
        if (!element.IsComplete) throw new LuaException($"array of an incomplete type ({element.Name})");
        if (count < 0) throw new LuaException("array size is negative");
        if (count is long n && element.Size > 0 && n > int.MaxValue / element.Size)
            throw new LuaException($"array of {n} elements of {element.Name} is too large");
        if (arrays.TryGetValue((element, count), out var a)) return a;
        a = new ArrayType(element, count);
        if (arrays.Count < InternLimit) arrays[(element, count)] = a;
        return a;
    }

    /// <summary>The struct or union with this tag, declared (incomplete) if it is new.</summary>
    public StructType Record(string tag, bool isUnion)
    {
        var key = (isUnion ? "union " : "struct ") + tag;
        if (records.TryGetValue(key, out var r)) return r;
        if (records.ContainsKey((isUnion ? "struct " : "union ") + tag))
            throw new LuaException($"'{tag}' is declared as a {(isUnion ? "struct" : "union")}, used as a {(isUnion ? "union" : "struct")}");
        r = new StructType(tag, isUnion);
        if (records.Count < InternLimit) records[key] = r;
        return r;
    }

    /// <summary>
    /// Declares a typedef name. Declaring it again as the same type is allowed (as C11 allows);
    /// as another type it is an error, so a name resolved once keeps its meaning.
    /// </summary>
    public void Define(string name, CType type)
    {
        if (typedefs.TryGetValue(name, out var old))
        {
            if (ReferenceEquals(old, type) || old is FunctionType f && f.Equals(type)) return;
            throw new LuaException($"redefinition of '{name}' as a different type ({old.Name}, now {type.Name})");
        }
        if (enumConstantNames.Contains(name)) throw new LuaException($"'{name}' is already declared as an enum constant");
        typedefs[name] = type;
        parsed.Clear();
    }

    readonly HashSet<string> enumConstantNames = new(StringComparer.Ordinal);

    /// <summary>The value of a declared enum constant.</summary>
    public bool TryConstant(string name, out long value) => constants.TryGetValue(name, out value);

    /// <summary>The typedef names known now (built-in short names included), for the parser.</summary>
    public IEnumerable<string> TypedefNames => typedefs.Keys;
}
