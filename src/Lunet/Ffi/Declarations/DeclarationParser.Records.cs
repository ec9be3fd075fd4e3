namespace Lunet.Ffi.Declarations;

/// <summary>struct, union and enum specifiers: tags shared across the text, bodies, redefinitions.</summary>
public sealed partial class DeclarationParser
{
    /// <summary>What follows struct, union or enum: attributes, an optional tag (its token either way), more attributes.</summary>
    (AttributeSet attributes, string? tag, Token tagToken) ParseTagAndAttributes()
    {
        var attributes = ParseAttributes();
        var tagToken = Peek();
        if (tagToken.Kind != TokenKind.Identifier || IsReserved(tagToken.Text)) return (attributes, null, tagToken);
        string tag = Advance().Text;
        return (attributes.Merge(ParseAttributes()), tag, tagToken);
    }

    RecordSyntax ParseRecord(RecordKind kind, Token keyword)
    {
        var (attributes, tag, tagToken) = ParseTagAndAttributes();
        if (!At("{"))
        {
            if (tag == null) throw Error($"expected '{{' or a tag after '{keyword.Text}'");
            return RecordFor(kind, tag, tagToken);
        }
        var record = tag == null ? new RecordSyntax(kind, null, keyword.Position) : RecordFor(kind, tag, tagToken, announce: false);
        if (beingDefined.Contains(record)) throw Error(tagToken, $"nested redefinition of '{record}'");
        int start = index;
        beingDefined.Add(record);
        var members = ParseMembers(record);
        beingDefined.Remove(record);
        int end = index;
        attributes = attributes.Merge(ParseAttributes());
        if (tag != null && bodies.TryGetValue(record, out var earlier))
        {
            if (!SameTokens(earlier.Start, earlier.End, start, end) || earlier.Pack != pack.Current)
                throw Error(tagToken, $"redefinition of '{record}' with a different body (first defined at {record.DefinedAt})");
            return record;
        }
        record.Members = members;
        record.Attributes = attributes;
        record.Pack = pack.Current;
        record.DefinedAt = keyword.Position;
        if (tag == null) record.Spelling = Spelling(keyword.Text, start, end);
        if (tag != null)
        {
            bodies[record] = (start, end, pack.Current);
            declarations.Add(new RecordDeclaration(record, true, keyword.Position));
        }
        return record;
    }

    /// <summary>The record for a tag, created (and announced as declared) on first mention.</summary>
    RecordSyntax RecordFor(RecordKind kind, string tag, Token at, bool announce = true)
    {
        if (enums.ContainsKey(tag)) throw Error(at, $"'{tag}' defined as wrong kind of tag (it is an enum)");
        if (records.TryGetValue(tag, out var known))
        {
            if (known.Kind != kind) throw Error(at, $"'{tag}' defined as wrong kind of tag (it is a {known.Kind.ToString().ToLowerInvariant()})");
            return known;
        }
        var record = new RecordSyntax(kind, tag, at.Position);
        records[tag] = record;
        if (announce) declarations.Add(new RecordDeclaration(record, false, at.Position));
        return record;
    }

    /// <summary>Longest spelling an anonymous struct, union or enum is named by in messages before it is cut short.</summary>
    const int MaxSpelling = 48;

    /// <summary>
    /// An anonymous struct, union or enum as the script wrote it ("struct { int a; double b; }"),
    /// for messages that must tell two of them apart; long bodies are cut ("struct { int a; ... }").
    /// </summary>
    string Spelling(string keyword, int start, int end)
    {
        var text = new System.Text.StringBuilder(keyword);
        for (int i = start; i < end; i++)
        {
            var t = tokens[i].Text;
            if (!(t is ";" or "," or ")" or "]" || tokens[i - 1].Text is "(" or "[")) text.Append(' ');
            text.Append(t);
            if (text.Length > MaxSpelling && i < end - 2)
            {
                text.Append(" ... }");
                break;
            }
        }
        return text.ToString();
    }

    bool SameTokens(int aStart, int aEnd, int bStart, int bEnd)
    {
        if (aEnd - aStart != bEnd - bStart) return false;
        for (int i = 0; i < aEnd - aStart; i++)
        {
            var a = tokens[aStart + i];
            var b = tokens[bStart + i];
            if (a.Kind != b.Kind || a.Text != b.Text) return false;
        }
        return true;
    }

    List<MemberSyntax> ParseMembers(RecordSyntax record)
    {
        Enter();
        Expect("{");
        var members = new List<MemberSyntax>();
        while (!Accept("}"))
        {
            var t = Peek();
            if (t.Kind == TokenKind.End) throw Error($"expected '}}' to end '{record}'");
            if (t.Kind == TokenKind.PragmaPack) throw Error("#pragma pack inside a struct or union body is not supported");
            if (Accept(";")) continue;
            if (IsStaticAssert(t)) { SkipStaticAssert(); continue; }
            var specs = ParseSpecifiers(SpecifierContext.Member);
            if (At(";"))
            {
                var semicolon = Advance();
                if (specs.Base is RecordType { Record.Tag: null })
                    members.Add(new MemberSyntax(null, specs.BaseSyntax(), null, specs.Attributes, semicolon.Position));
                continue;
            }
            while (true)
            {
                TypeSyntax type;
                string? name = null;
                var at = Peek().Position;
                var attributes = specs.Attributes;
                if (At(":")) type = specs.BaseSyntax();
                else
                {
                    var d = ParseDeclarator(abstractAllowed: false);
                    type = Apply(d, specs.BaseSyntax(), specs.Attributes.Convention);
                    name = d.Name;
                    at = d.NamePosition;
                    attributes = attributes.Merge(d.Attributes);
                }
                Expression? width = null;
                if (Accept(":")) width = ParseConditional().Node;
                attributes = attributes.Merge(ParseAttributes());
                if (type is FunctionSyntax) throw ErrorAt(at, $"member '{name}' of '{record}' declared as a function");
                members.Add(new MemberSyntax(name, type, width, attributes, at));
                if (Accept(",")) continue;
                if (!At(";")) throw Error("expected ';'");
                Advance();
                break;
            }
        }
        for (int i = 0; i < members.Count - 1; i++)
            if (members[i].Type is ArraySyntax { Size: null })
                throw ErrorAt(members[i].Position, $"flexible array member '{members[i].Name}' is not the last member of '{record}'");
        Leave();
        return members;
    }


    EnumSyntax ParseEnum(Token keyword)
    {
        var (attributes, tag, tagToken) = ParseTagAndAttributes();
        if (At(":")) throw Error("an enum with a fixed underlying type is not supported");
        if (!At("{"))
        {
            if (tag == null) throw Error("expected '{' or a tag after 'enum'");
            return EnumFor(tag, tagToken);
        }
        var e = tag == null ? new EnumSyntax(null, keyword.Position) : EnumFor(tag, tagToken);
        int start = index;
        Advance(); // '{'
        var constants = new List<EnumeratorSyntax>();
        while (!At("}"))
        {
            var name = Peek();
            if (name.Kind != TokenKind.Identifier || IsReserved(name.Text)) throw Error("expected an enumerator name");
            Advance();
            ParseAttributes();
            Expression? value = Accept("=") ? ParseConditional().Node : null;
            constants.Add(new EnumeratorSyntax(name.Text, value, name.Position));
            if (!Accept(",")) break;
        }
        if (!At("}")) throw Error("expected ',' or '}' in an enum");
        Advance();
        int end = index;
        attributes = attributes.Merge(ParseAttributes());
        if (tag != null && bodies.TryGetValue(e, out var earlier))
        {
            if (!SameTokens(earlier.Start, earlier.End, start, end)) throw Error(tagToken, $"redefinition of '{e}' with different constants");
            return e;
        }
        if (constants.Count == 0) throw Error(tokens[end - 1], "an enum needs at least one constant");
        e.Constants = constants;
        e.Attributes = attributes;
        if (tag == null) e.Spelling = Spelling(keyword.Text, start, end);
        if (tag != null) bodies[e] = (start, end, null);
        declarations.Add(new EnumDeclaration(e, keyword.Position));
        return e;
    }

    EnumSyntax EnumFor(string tag, Token at)
    {
        if (records.TryGetValue(tag, out var r)) throw Error(at, $"'{tag}' defined as wrong kind of tag (it is a {r.Kind.ToString().ToLowerInvariant()})");
        if (!enums.TryGetValue(tag, out var e)) enums[tag] = e = new EnumSyntax(tag, at.Position);
        return e;
    }
}
