using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.InteropServices;
using Lunet.Ffi.Abi;
using Lunet.Ffi.Types;

namespace Lunet.Ffi.Calls;

/// <summary>
/// The .NET value types that carry a struct or union through the managed stubs' unmanaged calli,
/// built at run time from the argument plan, so that the runtime's own calling convention puts them
/// where the plan says: one field per register piece at the piece's offset (an integer of the piece's
/// size, a float or a double), so the bytes of the record written into the carrier land in the right
/// registers; for a value in memory or by reference, a blob of the record's size. Shapes the runtime
/// would place differently (a record in memory that is 16 bytes or less, or aligned beyond 8) are
/// refused with the reason.
/// </summary>
internal static class RecordCarriers
{
    static readonly Dictionary<string, Type> Types = new();
    static ModuleBuilder? module;

    /// <summary>Why the managed stubs cannot carry <paramref name="v"/> (null: they can).</summary>
    public static string? Refusal(ValuePlan v, bool isResult)
    {
        // A blob goes to memory (or comes back through the hidden pointer) only when larger than
        // 16 bytes on System V and AArch64; on Windows x64 any size but 1, 2, 4 and 8 does.
        bool blobInMemory = v.Type.Size > 16 || ArgumentPlans.Current is WindowsX64Convention;
        if ((v.Kind == PassKind.Stack || (v.Kind == PassKind.Reference && isResult)) && (!blobInMemory || v.Type.Alignment > 8))
            return $"{v.Type.Name} goes to memory in a way the portable call path cannot reproduce";
        // Trailing padding in an eightbyte of its own takes no register, but a carrier that long would.
        if (v.Kind == PassKind.Registers && v.Pieces.Max(p => p.Offset + Marshal.SizeOf(Field(p))) < v.Type.Size)
            return $"{v.Type.Name} ends in padding the portable call path cannot leave out";
        if (v.Kind == PassKind.Reference && v.Type.Alignment > 8)
            return $"{v.Type.Name} is aligned to {v.Type.Alignment} bytes, more than the portable call path keeps";
        return null;
    }

    /// <summary>The carrier of a record value (for a <see cref="PassKind.Reference"/> argument: the copy's blob, passed by its address).</summary>
    public static Type For(ValuePlan v, bool isResult)
    {
        if (Refusal(v, isResult) is { } why) throw new NotSupportedException(why);
        int size = Math.Max(1, v.Type.Size);
        var fields = v.Kind == PassKind.Registers
            ? v.Pieces.Select(p => (p.Offset, Field(p))).ToList()
            : Enumerable.Range(0, size / 8).Select(q => (q * 8, typeof(long))).ToList();
        if (v.Kind == PassKind.Registers) size = Math.Max(size, v.Pieces.Max(p => p.Offset + Marshal.SizeOf(Field(p))));
        var key = size + ":" + string.Join(",", fields.Select(f => $"{f.Item1}{f.Item2.Name}"));
        lock (Types)
        {
            if (Types.TryGetValue(key, out var t)) return t;
            module ??= AssemblyBuilder.DefineDynamicAssembly(new AssemblyName("Lunet.RecordCarriers"), AssemblyBuilderAccess.Run)
                .DefineDynamicModule("Lunet.RecordCarriers");
            var tb = module.DefineType($"Carrier{Types.Count}", TypeAttributes.Public | TypeAttributes.Sealed | TypeAttributes.ExplicitLayout,
                typeof(ValueType), PackingSize.Size8, size);
            int n = 0;
            foreach (var (offset, type) in fields) tb.DefineField($"f{n++}", type, FieldAttributes.Public).SetOffset(offset);
            t = tb.CreateType();
            Types[key] = t;
            return t;
        }
    }

    static Type Field(Piece p) => p.Class == RegisterClass.Vector
        ? p.Size == 4 ? typeof(float) : typeof(double)
        : p.Size switch { 1 => typeof(byte), 2 => typeof(short), <= 4 => typeof(int), _ => typeof(long) };
}
