using Lunet.Ffi.Types;
using Lunet.Interop;

namespace Lunet.Ffi.Calls;

/// <summary>What a signature made from type names (lib:wrap, lib:call) may hold, checked once when it is made.</summary>
internal static class CallSignature
{
    /// <summary>
    /// Throws the error for a parameter or result that cannot cross by value here: arrays and functions
    /// anywhere, incomplete records, and records where the platform has no native stubs (the managed
    /// stubs pass scalars and pointers only).
    /// </summary>
    public static void CheckByValue(CType ret, IReadOnlyList<CType> parameters, string method)
    {
        foreach (var (t, what) in parameters.Select(p => (p, "passed")).Prepend((ret, "returned")))
        {
            if (t.IsScalarValue || t.Scalar == ScalarKind.Void) continue;
            if (t is StructType s)
            {
                if (!s.IsComplete) throw new LuaException($"{method}: {t.Name} cannot be {what} by value: it is incomplete (declared, not defined)");
                if (Abi.ArgumentPlans.Current is not Abi.SysVX64Convention)
                    throw new LuaException($"{method}: {t.Name} cannot be {what} by value: structs by value are not supported on this platform yet");
                continue;
            }
            throw new LuaException($"{method}: {t.Name} cannot be {what} by value");
        }
        if (NativeStubCompiler.IsSupported && NativeStubCompiler.Refusal(new FunctionType(ret, parameters)) is { } why
            && (IsRecord(ret) || parameters.Any(IsRecord)))
            throw new LuaException($"{method}: {why}");
    }

    static bool IsRecord(CType t) => t.Kind == TypeKind.Record;

    /// <summary>Bytes of struct arguments and result one call may hold in its stack frame (either stub's); larger ones are refused.</summary>
    public const int MaxAggregateBytes = 64 * 1024;

    /// <summary>Why the records by value of <paramref name="sig"/> are too large for a call's frame (null: they are not).</summary>
    public static string? TooLarge(FunctionType sig)
    {
        long bytes = sig.Parameters.Append(sig.Returns).Where(IsRecord).Sum(p => ((long)p.Size + 7) & ~7L);
        return bytes > MaxAggregateBytes
            ? $"the struct arguments and result take {bytes} bytes, more than the {MaxAggregateBytes} a call may pass by value"
            : null;
    }
}
