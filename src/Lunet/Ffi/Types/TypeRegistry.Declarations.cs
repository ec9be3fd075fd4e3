using Lunet.Ffi.Declarations;
using Lunet.Interop;

namespace Lunet.Ffi.Types;

/// <summary>A C function or variable that a cdef declared, for ffi.C: its type and the symbol it is found by.</summary>
public sealed record DeclaredSymbol(string Name, CType Type, string Symbol);

/// <summary>ffi.cdef: the declarations of a parsed text, registered in order.</summary>
public sealed partial class TypeRegistry
{
    readonly Dictionary<string, DeclaredSymbol> symbols = new(StringComparer.Ordinal);

    /// <summary>A function or variable declared by a cdef; null if none has this name.</summary>
    public DeclaredSymbol? Symbol(string name) => symbols.TryGetValue(name, out var s) ? s : null;

    /// <summary>
    /// Parses C declarations and registers what they declare: typedef names, struct, union and
    /// enum tags, enum constants and static const integers, functions and variables. A name
    /// declared again must mean the same as before. Errors name the place in the text.
    /// </summary>
    public void Declare(string text, string chunk = "cdef") => Declare(Parse(text, chunk), chunk);

    /// <summary>Parses declarations with this runtime's typedef names known; the parser's errors as Lua errors.</summary>
    public DeclarationList Parse(string text, string chunk)
    {
        try { return DeclarationParser.Parse(text, chunk, typedefs.Keys); }
        catch (DeclarationException e) { throw new LuaException(e.Message); }
    }

    /// <summary>Registers parsed declarations in order.</summary>
    public void Declare(DeclarationList list, string chunk)
    {
        try
        {
            foreach (var d in list.Declarations)
            {
                try
                {
                    // Each declaration's constants are evaluated when it is reached, with everything before it
                    // registered: "struct S {...}; enum { N = sizeof(struct S) };" works in one text.
                    Declare(d, new DeclaredConstants(new DeclarationList([d]), chunk, Environment));
                }
                catch (DeclarationException e) { throw new LuaException(e.Message); }
                catch (LuaException e) when (!e.Message.StartsWith(chunk + ":", StringComparison.Ordinal)) { throw new LuaException($"{chunk}:{d.Position}: {e.Message}"); }
            }
        }
        finally
        {
            anonymous.Clear();
            anonymousEnums.Clear();
            parsed.Clear();
        }
    }

    void Declare(Declaration d, DeclaredConstants env)
    {
        switch (d)
        {
            case TypedefDeclaration t:
                var named = Typedef(t, env);
                // Headers declared in turn repeat "typedef struct { int __val[2]; } __fsid_t;": the same
                // members again are the same type (in C each would be its own translation unit's).
                if (typedefs.TryGetValue(t.Name, out var before) && before.Alignment == named.Alignment && SameType(before, named)) break;
                Define(t.Name, named);
                NameAnonymous(t, named);
                break;
            case RecordDeclaration r when r.Record.Tag != null:
                var record = Record(r.Record.Tag, r.Record.Kind == Declarations.RecordKind.Union);
                if (r.IsDefinition) Complete(record, r.Record, env);
                // A struct's tag is also its name, so "Color" and "struct Color" are one type (docs/ffi.md).
                if (!typedefs.ContainsKey(r.Record.Tag) && !enumConstantNames.Contains(r.Record.Tag)) typedefs[r.Record.Tag] = record;
                break;
            case EnumDeclaration e:
                DeclareEnum(e.Enum, env);
                break;
            case FunctionDeclaration f:
                RefuseAttributes(f.Attributes, $"function '{f.Name}'");
                DeclareSymbol(f.Name, FromSyntax(f.Type, f.Name, env), f.AsmName);
                break;
            case VariableDeclaration { Storage: StorageClass.Static, Initializer: not null } v:
                // static const int N = 4: a constant, evaluated with the text's others.
                if (env.Constant(v.Name) is not ConstantValue c)
                    throw new LuaException($"'{v.Name}' is a static variable; only static const integer constants can be declared");
                DefineConstant(v.Name, c.AsInt64);
                break;
            case VariableDeclaration v:
                var type = FromSyntax(v.Type, v.Name, env);
                DeclareSymbol(v.Name, type, v.AsmName);
                break;
        }
    }

    /// <summary>
    /// "typedef struct { ... } Point;": the anonymous record (or enum) defined in a typedef is called by
    /// that name in messages from then on (the first such typedef; "typedef Point P2;" changes nothing).
    /// </summary>
    static void NameAnonymous(TypedefDeclaration t, CType named)
    {
        if (t.Type is not NamedTypeSyntax { Base: RecordType { Record.Tag: null } or EnumType { Enum.Tag: null } } syntax) return;
        string? spelled = syntax.Base is RecordType r ? r.Record.Spelling : ((EnumType)syntax.Base).Enum.Spelling;
        switch (named)
        {
            case StructType { Tag: null } s when s.AnonymousName == null || s.AnonymousName == spelled: s.AnonymousName = t.Name; break;
            case EnumeratedType { Tag: null } e when e.AnonymousName == spelled: e.AnonymousName = t.Name; break;
        }
    }

    /// <summary>
    /// ffi.struct's text: one struct or union definition (records nested in it may come first) or a
    /// typedef of one. Registers it and returns its type.
    /// </summary>
    public StructType DeclareStruct(string text, string chunk)
    {
        // The declaration's closing ';' may be left out: ffi.struct("struct Color { int r; }").
        if (!text.TrimEnd().EndsWith(';')) text += ";";
        var list = Parse(text, chunk);
        var ds = list.Declarations;
        bool recordsOnly = ds.All(d => d is RecordDeclaration);
        bool typedefOfRecord = ds.Count > 0 && ds[^1] is TypedefDeclaration { Type: NamedTypeSyntax { Base: RecordType } }
            && ds.Take(ds.Count - 1).All(d => d is RecordDeclaration);
        if (ds.Count == 0 || !(recordsOnly && ds[^1] is RecordDeclaration { IsDefinition: true } || typedefOfRecord))
            throw new LuaException($"{chunk}: expected one struct or union definition (or a typedef of one)");
        Declare(list, chunk);
        var record = ds[^1] is TypedefDeclaration t ? typedefs[t.Name] : Record(((RecordDeclaration)ds[^1]).Record.Tag!, ((RecordDeclaration)ds[^1]).Record.Kind == Declarations.RecordKind.Union);
        return (StructType)record;
    }

    /// <summary>
    /// The type a typedef names. An aligned attribute on it changes the alignment and not the size,
    /// as gcc does (glibc's <c>__pthread_unwind_buf_t</c>): honoured for a struct or union defined
    /// in the typedef, which has no other name; anything else that would change a layout is refused.
    /// </summary>
    CType Typedef(TypedefDeclaration t, DeclaredConstants env)
    {
        var what = $"typedef '{t.Name}'";
        var type = FromSyntax(t.Type, t.Name, env);
        var a = t.Attributes;
        if (a.Mode != null && !a.Packed && a.Aligned.Count == 0 && !a.AlignedToMaximum) return WithMode(type, a.Mode, what);
        if (a.Packed || a.Mode != null || a.Aligned.Count == 0 && !a.AlignedToMaximum) { RefuseAttributes(a, what); return type; }
        int align = Alignment(a, Evaluator(env), what);
        if (align == type.Alignment) return type;
        if (type is not StructType { Tag: null, Layout: { } layout } record || t.Type is not NamedTypeSyntax { Base: RecordType })
            throw new LuaException($"{what}: an aligned attribute on a typedef is only supported for a struct or union defined in it");
        if ((align & (align - 1)) != 0) throw new LuaException($"{what}: alignment {align} is not a power of two");
        var aligned = new StructType(null, record.IsUnion);
        aligned.Complete(record.Fields!, new Layout.RecordLayout(layout.Shape, layout.Size, align, layout.Members));
        return aligned;
    }

    /// <summary>
    /// <c>typedef int register_t __attribute__((mode(word)))</c>: the integer of the mode's width with
    /// the base type's signedness (SF and DF: float and double), as gcc has it.
    /// </summary>
    static CType WithMode(CType type, string mode, string what)
    {
        if (mode is "SF" or "DF" && type.Scalar.IsFloat()) return mode == "SF" ? ScalarType.F32 : ScalarType.F64;
        if (!type.Scalar.IsInteger() || type.Kind != TypeKind.Scalar)
            throw new LuaException($"{what}: mode({mode}) is only supported on integer and floating types");
        bool signed = type.Scalar is ScalarKind.I8 or ScalarKind.I16 or ScalarKind.I32 or ScalarKind.I64;
        int bytes = mode switch
        {
            "QI" or "byte" => 1,
            "HI" => 2,
            "SI" => 4,
            "DI" => 8,
            "TI" => 16,
            "word" or "pointer" => IntPtr.Size,
            _ => throw new LuaException($"{what}: mode({mode}) is not supported"),
        };
        return bytes switch
        {
            1 => signed ? ScalarType.I8 : ScalarType.U8,
            2 => signed ? ScalarType.I16 : ScalarType.U16,
            4 => signed ? ScalarType.I32 : ScalarType.U32,
            8 => signed ? ScalarType.I64 : ScalarType.U64,
            _ => ValuelessType.Of(signed ? "__int128" : "unsigned __int128")!,
        };
    }

    static void RefuseAttributes(AttributeSet a, string what)
    {
        if (a.Packed || a.Aligned.Count > 0 || a.AlignedToMaximum || a.Mode != null)
            throw new LuaException($"{what}: packed, aligned and mode attributes are only supported on struct and union types and their members");
    }

    void DeclareSymbol(string name, CType type, string? asmName)
    {
        if (symbols.TryGetValue(name, out var old))
        {
            if (!old.Type.Equals(type)) throw new LuaException($"redeclaration of '{name}' as {type.Name} (it was {old.Type.Name})");
            // glibc declares fscanf, then again with __asm__("__isoc99_fscanf"): a label given later wins, as in C.
            if (asmName == null || asmName == old.Symbol) return;
        }
        symbols[name] = new DeclaredSymbol(name, type, asmName ?? name);
    }

    void DeclareEnum(EnumSyntax e, DeclaredConstants env)
    {
        if (e.Attributes.Mode != null || e.Attributes.Aligned.Count > 0 || e.Attributes.AlignedToMaximum)
            throw new LuaException($"{e}: aligned and mode attributes on an enum are not supported");
        var values = new List<KeyValuePair<string, long>>();
        foreach (var c in e.Constants!)
        {
            var v = env.Constant(c.Name)!.Value;
            if (v.Type.Unsigned && v.Bits > long.MaxValue) throw new LuaException($"enum constant '{c.Name}' is too large");
            values.Add(new(c.Name, v.AsInt64));
        }
        if (e.Tag != null && enums.TryGetValue(e.Tag, out var old))
        {
            if (!old.Constants.SequenceEqual(values)) throw new LuaException($"redefinition of 'enum {e.Tag}' with different constants");
            return;
        }
        var type = new EnumeratedType(e.Tag, EnumStorage(values, e.Attributes.Packed), values) { AnonymousName = e.Spelling };
        foreach (var (name, value) in values) DefineConstant(name, value);
        if (e.Tag != null) enums[e.Tag] = type;
        else anonymousEnums[e] = type;
    }

    void DefineConstant(string name, long value)
    {
        if (constants.TryGetValue(name, out var old))
        {
            if (old != value) throw new LuaException($"redefinition of constant '{name}' ({old}, now {value})");
            return;
        }
        if (typedefs.ContainsKey(name)) throw new LuaException($"'{name}' is already declared as a type");
        constants[name] = value;
        enumConstantNames.Add(name);
    }
}
