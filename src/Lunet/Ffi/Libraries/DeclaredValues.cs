using Lunet.Ffi.Calls;
using Lunet.Ffi.Conversion;
using Lunet.Ffi.Memory;
using Lunet.Ffi.Types;
using Lunet.Interop;

namespace Lunet.Ffi.Libraries;

/// <summary>
/// The one rule by which a function or variable that a cdef declared becomes a Lua value, found
/// in one library: ffi.C applies it on each lookup, lib:cdef once for each name when it runs. A
/// function becomes a callable exactly as lib:wrap makes one for the same signature (the same
/// checks, the same shared stubs); a variable is read as lib:value reads it, and an array or
/// struct variable is a view of the library's memory.
/// </summary>
internal static unsafe class DeclaredValues
{
    /// <summary>
    /// Pushes the value of <paramref name="declared"/> found in <paramref name="lib"/>; errors
    /// start with <paramref name="what"/> ("ffi.C.abs", "add"); a missing symbol's error names it and the library. <paramref name="owner"/> is the
    /// stack index of the userdata a view of a variable keeps alive, 0 for memory that is never unmapped.
    /// </summary>
    public static void Push(nint L, LoadedLibrary lib, DeclaredSymbol declared, string what, int owner)
    {
        if (declared.Type is FunctionType f)
        {
            var target = lib.Symbol(declared.Symbol);
            if (f.IsVariadic)
            {
                // Each call's extra arguments make its signature (Calls/VariadicCall.cs).
                Refuse(f.Returns, "returning", what);
                foreach (var p in f.Parameters) Refuse(p, "passing", what);
                SymbolKinds.CheckFunction(declared.Symbol, target, what);
                VariadicCall.Push(L, lib, declared.Symbol, f, what);
                return;
            }
            var signature = Signature(f, what);
            SymbolKinds.CheckFunction(declared.Symbol, target, what);
            FunctionPointers.PushDeclared(L, lib.Bind(declared.Symbol, signature));
            return;
        }
        var t = declared.Type;
        bool aggregate = InstanceMethods.IsAggregate(t);
        if (!t.IsScalarValue && !aggregate)
            throw new LuaException($"{what}: a variable of type {t.Name} cannot be read{(t.IsComplete ? "" : " (its type is incomplete)")}");
        var address = lib.Symbol(declared.Symbol);
        SymbolKinds.CheckVariable(declared.Symbol, address, t, what);
        if (!aggregate)
        {
            CToLua.Load(L, t, (byte*)address);
            return;
        }
        // The view reads the library's memory: from now on nothing unmaps it.
        if (owner != 0) lib.KeepMapped();
        Instance.NewView(L, owner, t, address);
    }

    /// <summary>The signature a declared function is called with; what calls cannot pass yet is refused here, naming the function.</summary>
    static FunctionType Signature(FunctionType f, string what)
    {
        Refuse(f.Returns, "returning", what);
        foreach (var p in f.Parameters) Refuse(p, "passing", what);
        return LibraryObject.MakeSignature(f.Returns, [.. f.Parameters], what);
    }

    static void Refuse(CType t, string doing, string what)
    {
        // Records by value are the call path's (LibraryObject.MakeSignature says where it cannot pass them).
        if (t.Kind == TypeKind.Record) return;
        if (t.Kind == TypeKind.Array)
            throw new LuaException($"{what}: {doing} {t.Name} by value is not supported (C passes an array as a pointer)");
        if (t.Kind != TypeKind.Void && !t.IsScalarValue)
            throw new LuaException($"{what}: {doing} a value of type {t.Name} is not supported");
    }
}
