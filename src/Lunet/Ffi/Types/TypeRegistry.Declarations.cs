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
            parsed.Clear();
        }
    }

    void Declare(Declaration d, DeclaredConstants env)
    {
        switch (d)
        {
            case TypedefDeclaration t:
                RefuseAttributes(t.Attributes, $"typedef '{t.Name}'");
                Define(t.Name, FromSyntax(t.Type, t.Name, env));
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

    static void RefuseAttributes(AttributeSet a, string what)
    {
        if (a.Packed || a.Aligned.Count > 0 || a.AlignedToMaximum || a.Mode != null)
            throw new LuaException($"{what}: packed, aligned and mode attributes are only supported on struct and union types and their members");
    }

    void DeclareSymbol(string name, CType type, string? asmName)
    {
        var symbol = new DeclaredSymbol(name, type, asmName ?? name);
        if (symbols.TryGetValue(name, out var old) && !(old.Type.Equals(type) && old.Symbol == symbol.Symbol))
            throw new LuaException($"redeclaration of '{name}' as {type.Name} (it was {old.Type.Name})");
        symbols[name] = symbol;
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
        var type = new EnumeratedType(e.Tag, EnumStorage(values, e.Attributes.Packed), values);
        foreach (var (name, value) in values) DefineConstant(name, value);
        if (e.Tag != null) enums[e.Tag] = type;
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
