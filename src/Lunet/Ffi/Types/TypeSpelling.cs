namespace Lunet.Ffi.Types;

/// <summary>Writes derived types in C declarator spelling around their element names: "i32[4]", "u8 (*)[16]", "i32 (*)(i32)".</summary>
static class TypeSpelling
{
    public static string Array(ArrayType a) => Around(a, "");

    public static string Pointer(CType target) => Around(target, target.Kind is TypeKind.Array or TypeKind.Function ? "(*)" : "*");

    static string Around(CType t, string inner) => t switch
    {
        ArrayType a => Around(a.Element, inner + "[" + (a.Count?.ToString() ?? "") + "]"),
        FunctionType f => Around(f.Returns, inner + "(" + string.Join(", ", f.Parameters.Select(p => p.Name)) + (f.IsVariadic ? f.Parameters.Count > 0 ? ", ..." : "..." : "") + ")"),
        PointerType { Name: not ("string" or "pointer") } p when p.Target.Kind is TypeKind.Array or TypeKind.Function => Around(p.Target, "(*" + inner + ")"),
        _ => inner.Length == 0 ? t.Name : inner[0] is '*' or '[' ? t.Name + inner : t.Name + " " + inner,
    };
}
