using Lunet.Ffi.Layout;
using Lunet.Ffi.Types;

namespace Lunet.Ffi.Abi;

/// <summary>One scalar inside a value, as classification sees it: where it is, how big, integer or floating point.</summary>
public readonly record struct ScalarLeaf(long Offset, int Size, bool IsFloat, bool Misaligned);

/// <summary>
/// The scalars a value is made of, flattened through nested records, unions and arrays, with their offsets
/// in the value: what every ABI's classification of an aggregate reads. Bitfields count as integers over
/// the bytes they touch; a member at an offset its type's own alignment does not divide is misaligned.
/// </summary>
public static class ScalarLeaves
{
    /// <summary>Records larger than this are passed by no ABI in registers: no need to list their leaves.</summary>
    public const long MaxClassified = 64;

    public static List<ScalarLeaf> Of(CType t)
    {
        var list = new List<ScalarLeaf>();
        if (t is StructType { Layout: { } layout }) Add(list, layout, 0);
        else if (t.Kind == TypeKind.Record) throw new NotSupportedException($"{t.Name} is incomplete");
        else if (t is ArrayType { Count: long n } a) for (long i = 0; i < n; i++) list.AddRange(Of(a.Element).Select(l => l with { Offset = l.Offset + i * a.Element.Size }));
        else list.Add(new ScalarLeaf(0, t.Size, t.Scalar.IsFloat(), false));
        return list;
    }

    static void Add(List<ScalarLeaf> list, RecordLayout layout, long at)
    {
        foreach (var m in layout.Members)
        {
            if (m.Bitfield is { } b)
            {
                if (b.Width == 0) continue;
                long first = b.BitPosition / 8, last = (b.BitPosition + b.Width - 1) / 8;
                list.Add(new ScalarLeaf(at + first, (int)(last - first + 1), false, false));
                continue;
            }
            Add(list, m.Member.Type, at + m.Offset);
        }
    }

    static void Add(List<ScalarLeaf> list, FieldShape shape, long at)
    {
        switch (shape)
        {
            case ScalarShape s:
                list.Add(new ScalarLeaf(at, (int)s.Size, s.Class == ScalarClass.Float, at % s.Alignment != 0));
                break;
            case RecordFieldShape r:
                if (at % r.Alignment != 0) list.Add(new ScalarLeaf(at, 1, false, true));
                Add(list, r.Layout, at);
                break;
            case ArrayShape { Count: long n } a:
                for (long i = 0; i < n; i++) Add(list, a.Element, at + i * a.Element.Size);
                break;
            // a flexible array member takes no room in the value
        }
    }
}
