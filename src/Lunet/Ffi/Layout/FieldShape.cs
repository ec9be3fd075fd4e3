namespace Lunet.Ffi.Layout;

/// <summary>
/// What layout needs to know about a member's type: its size and alignment in bytes,
/// and for scalars whether it can be a bitfield and with which signedness.
/// </summary>
public abstract class FieldShape
{
    /// <summary>Size in bytes (0 for a flexible array).</summary>
    public abstract long Size { get; }

    /// <summary>Alignment in bytes, a power of two.</summary>
    public abstract int Alignment { get; }

    public static ScalarShape Scalar(int size, int alignment, ScalarClass kind) => new(size, alignment, kind);
    public static RecordFieldShape Record(RecordLayout layout) => new(layout);
    public static ArrayShape Array(FieldShape element, long count) => new(element, count);
    public static ArrayShape Flexible(FieldShape element) => new(element, null);
}

/// <summary>How a scalar behaves in a bitfield (integers only) and when read back.</summary>
public enum ScalarClass
{
    Signed,
    Unsigned,
    /// <summary>_Bool: an unsigned integer whose bitfields are at most 1 bit wide.</summary>
    Bool,
    Float,
    Pointer,
}

/// <summary>A scalar (integer, enum, _Bool, floating point, pointer) of a given size and alignment.</summary>
public sealed class ScalarShape : FieldShape
{
    public ScalarShape(int size, int alignment, ScalarClass kind)
    {
        if (size <= 0) throw new LayoutException($"scalar size must be positive (got {size})");
        RecordShape.CheckAlignment(alignment, "scalar alignment", allowZero: false);
        this.size = size;
        this.alignment = alignment;
        Class = kind;
    }

    readonly int size;
    readonly int alignment;
    public override long Size => size;
    public override int Alignment => alignment;
    public ScalarClass Class { get; }

    public bool IsInteger => Class is ScalarClass.Signed or ScalarClass.Unsigned or ScalarClass.Bool;
    public bool IsSigned => Class == ScalarClass.Signed;

    /// <summary>The widest bitfield this type allows (0: it cannot be a bitfield).</summary>
    public int MaxBitWidth => Class switch
    {
        ScalarClass.Bool => 1,
        ScalarClass.Signed or ScalarClass.Unsigned => size * 8,
        _ => 0,
    };

    public override string ToString() => $"{Class.ToString().ToLowerInvariant()}{size * 8}/{alignment}";
}

/// <summary>A nested struct or union, already laid out.</summary>
public sealed class RecordFieldShape : FieldShape
{
    public RecordFieldShape(RecordLayout layout)
    {
        Layout = layout ?? throw new ArgumentNullException(nameof(layout));
        if (layout.HasFlexibleArray)
            throw new LayoutException("a record ending in a flexible array member cannot be nested in another record");
    }

    public RecordLayout Layout { get; }
    public override long Size => Layout.Size;
    public override int Alignment => Layout.Alignment;
    public override string ToString() => $"record{Layout.Size}/{Layout.Alignment}";
}

/// <summary>An array of <see cref="Count"/> elements; a null count is a flexible array member (last member only).</summary>
public sealed class ArrayShape : FieldShape
{
    public ArrayShape(FieldShape element, long? count)
    {
        Element = element ?? throw new ArgumentNullException(nameof(element));
        if (count < 0) throw new LayoutException($"array length must not be negative (got {count})");
        if (element is ArrayShape { IsFlexible: true })
            throw new LayoutException("an array element cannot be a flexible array");
        // As gcc: every element must start aligned, so the size must be a multiple of the alignment.
        if (element.Size % element.Alignment != 0)
            throw new LayoutException($"array element of {element.Size} bytes is not a multiple of its alignment ({element.Alignment})");
        Count = count;
        if (count is long n && n > 0 && element.Size > RecordShape.MaxSize / n)
            throw new LayoutException($"array of {n} elements of {element.Size} bytes is too large");
        size = count is long c ? element.Size * c : 0;
    }

    readonly long size;
    public FieldShape Element { get; }
    public long? Count { get; }
    public bool IsFlexible => Count is null;
    public override long Size => size;
    public override int Alignment => Element.Alignment;
    public override string ToString() => $"{Element}[{Count}]";
}
