using System.Runtime.InteropServices;
using System.Text;
using Lunet.Ffi.Memory;
using Lunet.Ffi.Types;
using Lunet.Interop;
using static Lunet.Interop.LuaApi;

namespace Lunet.Ffi;

/// <summary>
/// The ffi's type functions: ffi.cdef and ffi.struct, ffi.sizeof/alignof/offsetof, the type
/// objects ffi.struct returns, and what declarations make reachable through ffi.C.
/// </summary>
internal static unsafe class TypeFunctions
{
    /// <summary>The tag of a type object's handle userdata (<see cref="Metatables"/>).</summary>
    static readonly long TypeTag = Metatables.NewTag();

    /// <summary>ffi.struct(src): declares one struct or union and returns its type object.</summary>
    public static int Struct(nint L)
    {
        var text = DeclarationText(L, 1, "struct");
        PushType(L, FfiContext.Of(L).Types.DeclareStruct(text, "struct"));
        return 1;
    }

    /// <summary>Pushes a type object: a userdata that stands for one C type of this runtime.</summary>
    public static void PushType(nint L, CType t)
    {
        Metatables.NewHandleUserdata(L, t, TypeTag);
        Metatables.Push(L, "ffi.ctype", &BuildTypeMetatable);
        setmetatable(L, -2);
    }

    static void BuildTypeMetatable(nint L)
    {
        CFunction.Set(L, -1, "__tostring", &TypeToString);
        CFunction.Set(L, -1, "__gc", &FreeType);
        CFunction.Set(L, -1, "__call", &CallType);
        CFunction.Set(L, -1, "__index", &TypeIndex);
    }

    /// <summary>ffi.new(T [, init]): a zero-filled instance of a struct, union or array type.</summary>
    public static int New(nint L) => InstanceMethods.New(L, TypeArgument(L, 1, 1, "new"), 2, "ffi.new");

    /// <summary>Color(init): the type object called.</summary>
    static int CallType(nint L)
    {
        var t = TypeObject(L, 1) ?? throw LuaException.BadArgument(1, "__call", $"C type expected, got {LuaOps.TypeName(L, 1)}");
        return InstanceMethods.New(L, t, 2, $"{t.Name}()");
    }

    /// <summary>Color.new / Color:new: the only member of a type object.</summary>
    static int TypeIndex(nint L)
    {
        if (TypeObject(L, 1) == null || LuaOps.ToStringOrNull(L, 2) != "new") return 0;
        pushvalue(L, 1);
        CFunction.Push(L, &TypeNew, 1);
        return 1;
    }

    /// <summary>The new of a type object: called with a colon (the type first) or with a dot (init first).</summary>
    static int TypeNew(nint L)
    {
        int type = CFunction.Upvalue(1);
        var t = TypeObject(L, type) ?? throw new LuaException("new: the type object has been collected");
        bool colon = rawequal(L, 1, type) != 0;
        return InstanceMethods.New(L, t, colon ? 2 : 1, $"{t.Name}.new");
    }

    static int FreeType(nint L)
    {
        Metatables.FreeHandle(L, TypeTag);
        return 0;
    }

    static int TypeToString(nint L)
    {
        var t = TypeObject(L, 1) ?? throw LuaException.BadArgument(1, "tostring", $"C type expected, got {LuaOps.TypeName(L, 1)}");
        LuaOps.PushString(L, $"ctype<{t.Name}>");
        return 1;
    }

    /// <summary>The type of the type object at idx, or null when idx holds none.</summary>
    static CType? TypeObject(nint L, int idx)
    {
        var block = Metatables.HandleBlock(L, idx, TypeTag);
        if (block == null || block[0] == 0) return null;
        return (CType)GCHandle.FromIntPtr(block[0]).Target!;
    }

    /// <summary>A type argument: a type object, or a type name resolved in this runtime.</summary>
    internal static CType TypeArgument(nint L, int idx, int arg, string function)
    {
        if (TypeObject(L, idx) is { } t) return t;
        if (Instance.TryType(L, idx) is { } of) return of;
        if (type(L, idx) != TSTRING) throw LuaException.BadArgument(arg, function, $"type name expected, got {LuaOps.TypeName(L, idx)}");
        return FfiContext.Of(L).Types.Resolve(FfiLimits.Name(L, idx, arg, function, "type name", "type name"));
    }

    /// <summary>ffi.sizeof(t): a Buffer's size, or the size of a type (void is 0, as the contract has it).</summary>
    public static int SizeOf(nint L)
    {
        if (MemoryFunctions.TryBufferSize(L, 1, out var size)) { pushinteger(L, size); return 1; }
        var t = Measurable(L, "sizeof");
        pushinteger(L, t.Size);
        return 1;
    }

    /// <summary>ffi.alignof(t): a Buffer is an array of bytes (alignment 1, as a C char array); else the type's alignment.</summary>
    public static int AlignOf(nint L)
    {
        if (MemoryFunctions.TryBufferSize(L, 1, out _)) { pushinteger(L, 1); return 1; }
        pushinteger(L, Measurable(L, "alignof").Alignment);
        return 1;
    }

    static CType Measurable(nint L, string function)
    {
        var t = TypeArgument(L, 1, 1, function);
        if (t.Kind == TypeKind.Function) throw new LuaException($"{function}: {t.Name} is a function type and has no size");
        if (!t.IsComplete && t.Kind != TypeKind.Void)
            throw new LuaException($"{function}: {t.Name} is incomplete (declared, not defined)");
        return t;
    }

    /// <summary>ffi.offsetof(t, field): the byte offset of a field ("a.b" for a field of a nested record).</summary>
    public static int OffsetOf(nint L)
    {
        var t = TypeArgument(L, 1, 1, "offsetof");
        var path = FfiLimits.Name(L, 2, 2, "offsetof", "field name", "field name");
        if (t is not StructType { IsComplete: true } record)
            throw LuaException.BadArgument(1, "offsetof", $"struct or union type expected, got {t.Name}{(t is StructType ? " (incomplete)" : "")}");
        long offset = 0;
        CType at = record;
        StructField? field = null;
        foreach (var name in path.Split('.'))
        {
            if (at is not StructType s || s.Field(name) is not { } f)
                throw new LuaException($"offsetof: {at.Name} has no field '{name}'");
            field = f;
            offset += f.Offset;
            at = f.Type;
        }
        if (field!.Bits != null) throw new LuaException($"offsetof: '{path}' is a bitfield");
        pushinteger(L, offset);
        return 1;
    }

    /// <summary>ffi.cdef(text): registers the types, constants, functions and variables the C declarations declare.</summary>
    public static int CDef(nint L)
    {
        var text = DeclarationText(L, 1, "cdef");
        var types = FfiContext.Of(L).Types;
        var list = types.Parse(text, "cdef");
        types.Declare(list, "cdef");
        Libraries.LibraryDeclarations.Redeclared(L, list);
        return 0;
    }

    /// <summary>The declaration text argument: a string of at most <see cref="FfiLimits.MaxDeclarationLength"/> bytes, no NUL.</summary>
    internal static string DeclarationText(nint L, int idx, string function, int? argNumber = null)
    {
        int arg = argNumber ?? idx;
        if (type(L, idx) != TSTRING)
            throw LuaException.BadArgument(arg, function, $"string expected, got {LuaOps.TypeName(L, idx)}");
        nuint len;
        byte* p = tolstring(L, idx, &len);
        if (len > FfiLimits.MaxDeclarationLength)
            throw LuaException.BadArgument(arg, function, $"declarations are {len} bytes long; the limit is {FfiLimits.MaxDeclarationLength}");
        if (new ReadOnlySpan<byte>(p, (int)len).IndexOf((byte)0) >= 0)
            throw LuaException.BadArgument(arg, function, "declarations contain a NUL byte");
        return Encoding.UTF8.GetString(p, (int)len);
    }
}
