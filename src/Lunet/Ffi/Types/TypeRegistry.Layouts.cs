using Lunet.Ffi.Declarations;
using Lunet.Interop;

namespace Lunet.Ffi.Types;

/// <summary>Records and enums laid out as the platform's C compiler does.</summary>
public sealed partial class TypeRegistry
{
    /// <summary>Completes a declared record with its fields and layout.</summary>
    void Complete(StructType record, RecordSyntax syntax, DeclaredConstants env)
    {
        if (record.IsComplete) return;   // the parser has checked that a redefinition has the same body
        throw new LuaException($"{record.Name}: struct and union definitions are not supported yet");
    }

    /// <summary>The integer an enum is stored as (a plain enum: int when every value fits, else the first wider type that holds them).</summary>
    static ScalarType EnumStorage(List<KeyValuePair<string, long>> values)
    {
        long min = values.Count == 0 ? 0 : values.Min(v => v.Value), max = values.Count == 0 ? 0 : values.Max(v => v.Value);
        if (min >= int.MinValue && max <= int.MaxValue) return ScalarType.I32;
        if (min >= 0 && max <= uint.MaxValue) return ScalarType.U32;
        return min >= 0 ? ScalarType.U64 : ScalarType.I64;
    }
}
