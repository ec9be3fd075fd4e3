namespace Lunet.Ffi.Types;

/// <summary>An array of <see cref="Count"/> elements; a null count is an array of unknown size (<c>int[]</c>), which has no size.</summary>
public sealed class ArrayType : CType
{
    internal ArrayType(CType element, long? count)
    {
        Element = element;
        Count = count;
        size = count is long n ? checked((int)(element.Size * n)) : 0;
    }

    readonly int size;
    public CType Element { get; }
    public long? Count { get; }

    public override string Name => TypeSpelling.Array(this);
    public override TypeKind Kind => TypeKind.Array;
    public override int Size => size;
    public override int Alignment => Element.Alignment;
    public override bool IsComplete => Count != null && Element.IsComplete;
}
