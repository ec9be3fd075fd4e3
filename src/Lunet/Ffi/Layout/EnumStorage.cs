namespace Lunet.Ffi.Layout;

/// <summary>
/// gcc's choice of an enum's underlying type: <c>unsigned int</c> when no value is
/// negative, else <c>int</c>; a wider type only when the values need more than 32 bits;
/// with <c>packed</c>, the smallest of char/short/int/long long that holds them.
/// mingw-w64 uses the same rule for Windows.
/// </summary>
static class EnumStorage
{
    public static ScalarShape Gcc(Int128 min, Int128 max, bool packed)
    {
        if (min > max) throw new LayoutException($"enum range is empty (smallest {min}, largest {max})");
        var unsigned = min >= 0;
        var bits = Math.Max(BitsFor(min, unsigned), BitsFor(max, unsigned));
        if (bits > 64) throw new LayoutException($"enum values {min}..{max} do not fit in 64 bits");
        int size = packed ? bits <= 8 ? 1 : bits <= 16 ? 2 : bits <= 32 ? 4 : 8 : bits <= 32 ? 4 : 8;
        return new ScalarShape(size, size, unsigned ? ScalarClass.Unsigned : ScalarClass.Signed);
    }

    /// <summary>The fewest bits that represent the value in the given signedness.</summary>
    static int BitsFor(Int128 value, bool unsigned)
    {
        if (unsigned) return value == 0 ? 1 : 128 - (int)Int128.LeadingZeroCount(value);
        var magnitude = value < 0 ? ~value : value;  // -2^(n-1) .. 2^(n-1)-1 fits n bits
        return 129 - (int)Int128.LeadingZeroCount(magnitude);
    }
}
