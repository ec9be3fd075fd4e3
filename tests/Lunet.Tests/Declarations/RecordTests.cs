using Lunet.Ffi.Declarations;

namespace Lunet.Tests.Declarations;

/// <summary>struct, union and enum: named, anonymous, nested, forward-declared, completed, packed, bitfields.</summary>
public class RecordTests
{
    static DeclarationList Parse(string text) => DeclarationParser.Parse(text);

    static string[] Names(RecordSyntax r) => r.Members!.Select(m => m.Name ?? "<anon>").ToArray();

    [Fact]
    public void NamedStructWithMembers()
    {
        var list = Parse("struct point { int x, y; double *w; char name[16]; };");
        var decl = Assert.IsType<RecordDeclaration>(Assert.Single(list.Declarations));
        Assert.True(decl.IsDefinition);
        var r = decl.Record;
        Assert.Equal(RecordKind.Struct, r.Kind);
        Assert.Equal(["x", "y", "w", "name"], Names(r));
        Assert.Equal("double *", r.Members![2].Type.ToString());
        Assert.Equal("char [16]", r.Members![3].Type.ToString());
    }

    [Fact]
    public void ForwardDeclaredThenCompleted()
    {
        var list = Parse("""
            struct node;
            typedef struct node node_t;
            struct node { node_t *next; struct node *prev; int value; };
            """);
        var forward = Assert.IsType<RecordDeclaration>(list.Declarations[0]);
        Assert.False(forward.IsDefinition);
        var definition = list.OfType<RecordDeclaration>().Single(d => d.IsDefinition);
        Assert.Same(forward.Record, definition.Record);
        var typedef = list.Typedef("node_t")!;
        Assert.Same(forward.Record, Assert.IsType<RecordType>(Assert.IsType<NamedTypeSyntax>(typedef.Type).Base).Record);
        Assert.True(forward.Record.IsComplete);
        Assert.Equal(["next", "prev", "value"], Names(forward.Record));
    }

    [Fact]
    public void AnonymousAndNestedRecords()
    {
        var list = Parse("""
            typedef struct {
                int kind;
                union { int i; float f; };
                struct inner { char c; } in;
                struct { int a, b; } pair;
            } value;
            """);
        var value = Assert.IsType<RecordType>(Assert.IsType<NamedTypeSyntax>(list.Typedef("value")!.Type).Base).Record;
        Assert.Null(value.Tag);
        Assert.Equal(["kind", "<anon>", "in", "pair"], Names(value));
        var anon = Assert.IsType<RecordType>(Assert.IsType<NamedTypeSyntax>(value.Members![1].Type).Base).Record;
        Assert.Equal(RecordKind.Union, anon.Kind);
        Assert.Equal(["i", "f"], Names(anon));
        // A tagged record defined inside another is declared at file scope too, before its container's typedef.
        Assert.Equal("inner", Assert.IsType<RecordDeclaration>(list.Declarations[0]).Record.Tag);
        Assert.Same(list.Record("inner"), Assert.IsType<RecordType>(Assert.IsType<NamedTypeSyntax>(value.Members![2].Type).Base).Record);
    }

    [Fact]
    public void Bitfields()
    {
        var r = Parse("struct flags { unsigned a : 3; unsigned : 0; int b : 2, c; signed : 5; };").Record("flags")!;
        Assert.Equal(["a", "<anon>", "b", "c", "<anon>"], Names(r));
        Assert.Equal(["3", "0", "2", null, "5"], r.Members!.Select(m => m.BitWidth == null ? null : TypePrinter.Print(m.BitWidth)).ToArray());
    }

    [Fact]
    public void FlexibleArrayMemberLast()
    {
        var r = Parse("struct buf { int n; char data[]; };").Record("buf")!;
        Assert.Null(Assert.IsType<ArraySyntax>(r.Members![1].Type).Size);
        var e = Assert.Throws<DeclarationException>(() => Parse("struct bad { char data[]; int n; };"));
        Assert.Equal("cdef:1:19: flexible array member 'data' is not the last member of 'struct bad'", e.Message);
    }

    [Fact]
    public void IdenticalRedefinitionIsFineDifferentIsAnError()
    {
        var list = Parse("struct s { int a; }; struct s { int a; };");
        Assert.Single(list.OfType<RecordDeclaration>());
        var e = Assert.Throws<DeclarationException>(() => Parse("struct s { int a; };\nstruct s { long a; };"));
        Assert.Equal("cdef:2:8: redefinition of 'struct s' with a different body (first defined at 1:1) near 's'", e.Message);
        var kind = Assert.Throws<DeclarationException>(() => Parse("struct s; union s *p;"));
        Assert.Contains("'s' defined as wrong kind of tag", kind.Message);
        var packing = Assert.Throws<DeclarationException>(() => Parse("struct s { int a; };\n#pragma pack(1)\nstruct s { int a; };"));
        Assert.Contains("redefinition of 'struct s' with a different body", packing.Message);
        var nested = Assert.Throws<DeclarationException>(() => Parse("struct s { struct s { int a; } b; };"));
        Assert.Contains("nested redefinition of 'struct s'", nested.Message);
    }

    [Fact]
    public void PackedAndAlignedAttributes()
    {
        var list = Parse("""
            struct __attribute__((packed)) a { char c; int i; };
            struct b { char c; int i; } __attribute__((__packed__, aligned(8)));
            struct c { char c __attribute__((aligned)); int i __attribute__((aligned(2 * 4))); };
            """);
        Assert.True(list.Record("a")!.Attributes.Packed);
        var b = list.Record("b")!.Attributes;
        Assert.True(b.Packed);
        Assert.Equal("8", TypePrinter.Print(Assert.Single(b.Aligned)));
        var c = list.Record("c")!;
        Assert.True(c.Members![0].Attributes.AlignedToMaximum);
        Assert.Equal("(2 * 4)", TypePrinter.Print(Assert.Single(c.Members![1].Attributes.Aligned)));
    }

    [Fact]
    public void PragmaPackIsRecordedInOrderWithEachRecord()
    {
        var list = Parse("""
            struct d1 { char c; int i; };
            #pragma pack(push, 1)
            struct p1 { char c; int i; };
            #pragma pack(push, 2)
            #pragma pack(4)
            struct p4 { char c; int i; };
            #pragma pack(pop)
            struct again1 { char c; };
            #pragma pack()
            struct d2 { char c; };
            #pragma pack(pop)
            """);
        Assert.Null(list.Record("d1")!.Pack);
        Assert.Equal(1, list.Record("p1")!.Pack);
        Assert.Equal(4, list.Record("p4")!.Pack);
        Assert.Equal(1, list.Record("again1")!.Pack);
        Assert.Null(list.Record("d2")!.Pack);
        var pragmas = list.OfType<PackPragma>().ToList();
        Assert.Equal([PackAction.Push, PackAction.Push, PackAction.Set, PackAction.Pop, PackAction.Reset, PackAction.Pop], pragmas.Select(p => p.Action).ToArray());
        Assert.Equal([1, 2, 4, 1, null, null], pragmas.Select(p => p.Value).ToArray());
        var e = Assert.Throws<DeclarationException>(() => Parse("#pragma pack(pop)"));
        Assert.Equal("cdef:1:1: #pragma pack(pop) without a matching push near '#pragma pack'", e.Message);
        Assert.Contains("must be 1, 2, 4, 8 or 16", Assert.Throws<DeclarationException>(() => Parse("#pragma pack(3)")).Message);
    }

    [Fact]
    public void Enums()
    {
        var list = Parse("""
            enum color { RED, GREEN = 5, BLUE, };
            enum { ANON_A = 1 << 3 } anon_var;
            typedef enum color color_t;
            """);
        var enums = list.OfType<EnumDeclaration>().ToList();
        Assert.Equal(2, enums.Count);
        var color = enums[0].Enum;
        Assert.Equal("color", color.Tag);
        Assert.Equal(["RED", "GREEN", "BLUE"], color.Constants!.Select(c => c.Name).ToArray());
        Assert.Null(color.Constants![0].Value);
        Assert.Equal("5", TypePrinter.Print(color.Constants![1].Value!));
        Assert.Null(enums[1].Enum.Tag);
        Assert.Same(color, Assert.IsType<EnumType>(Assert.IsType<NamedTypeSyntax>(list.Typedef("color_t")!.Type).Base).Enum);
        var values = new DeclaredConstants(list);
        Assert.Equal(0, values.Constant("RED")!.Value.AsInt64);
        Assert.Equal(6, values.Constant("BLUE")!.Value.AsInt64);
        Assert.Equal(8, values.Constant("ANON_A")!.Value.AsInt64);
    }
}
