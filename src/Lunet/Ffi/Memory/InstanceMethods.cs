using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Lunet.Ffi.Conversion;
using Lunet.Ffi.Layout;
using Lunet.Ffi.Types;
using Lunet.Interop;
using static Lunet.Interop.LuaApi;
using Header = Lunet.Ffi.Memory.Instance.Header;

namespace Lunet.Ffi.Memory;

/// <summary>
/// What scripts do with instances and views: inst.field / inst.field = v for records,
/// arr[i] / arr[i] = v for arrays (from 0, bounds-checked), #arr, tostring, and the
/// initialisation from Lua tables. This C# code is the complete, portable path; on x86-64
/// System V the metamethods and ffi.new are native code (<see cref="InstanceNative"/>) that
/// handles the common cases itself and hands every other call to the C# function here.
/// </summary>
internal static unsafe class InstanceMethods
{
    const string MetatableName = "ffi.instance";

    public static void PushMetatable(nint L) => Metatables.Push(L, MetatableName, &Build);

    static void Build(nint L)
    {
        // Also under an integer key of the registry, for the native code (a rebuilt one replaces the old).
        pushvalue(L, -1);
        var types = InstanceTypes.Of(L);
        if (types.MetatableRef == 0) types.MetatableRef = reference(L, LUA_REGISTRYINDEX);
        else rawseti(L, LUA_REGISTRYINDEX, types.MetatableRef);
        if (InstanceNative.IsSupported)
        {
            var native = InstanceNative.Compiled.Value;
            CFunction.PushNative(L, native.Index, &Index);
            LuaOps.SetField(L, -2, "__index");
            CFunction.PushNative(L, native.NewIndex, &NewIndex);
            LuaOps.SetField(L, -2, "__newindex");
        }
        else
        {
            CFunction.Set(L, -1, "__index", &Index);
            CFunction.Set(L, -1, "__newindex", &NewIndex);
        }
        CFunction.Set(L, -1, "__tostring", &ToString);
        CFunction.Set(L, -1, "__len", &Length);
    }

    static Header* Self(nint L, string what)
    {
        var h = Instance.TryGet(L, 1);
        if (h != null) return h;
        throw new LuaException($"{what}: struct or array instance expected, got {LuaOps.TypeName(L, 1)}");
    }

    /// <summary>The registry's integer key of this runtime's instance metatable, which is made if it is not yet (the native code reads it from each type block).</summary>
    public static long MetatableRef(nint L)
    {
        var types = InstanceTypes.Of(L);
        if (types.MetatableRef == 0)
        {
            LuaOps.EnsureStack(L, 2);
            PushMetatable(L);
            settop(L, -2);
        }
        return types.MetatableRef;
    }

    /// <summary>Pushes ffi.new: native where it can be (<see cref="InstanceNative"/>, its cache in <see cref="InstanceTypes.CacheNew"/>).</summary>
    public static void PushNew(nint L)
    {
        if (InstanceNative.IsSupported) CFunction.PushNative(L, InstanceNative.Compiled.Value.New, &FfiNew);
        else CFunction.Push(L, &FfiNew);
    }

    /// <summary>ffi.new(T [, init]) in C#: what the native ffi.new does not do itself, and the first instance of each T.</summary>
    static int FfiNew(nint L)
    {
        CSharpCalls++;
        TypeFunctions.New(L);
        // Next time without .NET: for a type object or a name (not an instance given as T), with no initialiser.
        if (InstanceNative.IsSupported && gettop(L) == 2 && (type(L, 1) == TSTRING || Instance.TryGet(L, 1) == null))
            InstanceTypes.CacheNew(L, 1, (InstanceTypes.Descriptor*)Instance.TryGet(L, 2)->Type);
        return 1;
    }

    /// <summary>ffi.new(T [, init]) and the type objects' constructors: T is at <paramref name="typeArg"/>, init after it.</summary>
    public static int New(nint L, CType t, int init, string function)
    {
        if (Instance.Refusal(t) is { } why) throw new LuaException($"{function}: {why}");
        var h = Instance.New(L, t, function);
        if (type(L, init) is not (TNONE or TNIL))
            Store(L, init, t, (byte*)h->Address, t.Name, function, owner: gettop(L));
        return 1;
    }

    /// <summary>Calls of the C# __index, __newindex and ffi.new on this thread: how tests see that the native path handled an access itself.</summary>
    [ThreadStatic] internal static long CSharpCalls;

    static int Index(nint L)
    {
        CSharpCalls++;
        var h = Self(L, "index");
        var t = Instance.TypeOf(h);
        var ft = Locate(L, h, t, 2, out var at, out var bits);
        if (bits != null) pushinteger(L, ReadBits(at, bits));
        else Load(L, 1, ft, at);
        return 1;
    }

    static int NewIndex(nint L)
    {
        CSharpCalls++;
        var h = Self(L, "newindex");
        var t = Instance.TypeOf(h);
        var ft = Locate(L, h, t, 2, out var at, out var bits);
        if (bits != null)
        {
            if (!LuaToC.TryInteger(L, 3, out var v))
                throw new LuaException($"cannot set {Target(L, t)} to {Value(L, 3)}: integer expected");
            WriteBits(at, bits, v);
        }
        // A function pointer takes a Lua function too: a callback the instance owns.
        else if (Calls.FunctionPointers.FunctionOf(ft) is { } f)
            Callbacks.OwnedCallbacks.Store(L, 1, 3, ft, f, at, Target(L, t), m => new LuaException($"cannot set {Target(L, t)} to {Value(L, 3)}: {m}"));
        // A scalar, the common case: the error text is only made when the value is refused.
        else if (ft.IsScalarValue) LuaToC.Store(L, 3, ft, at, m => new LuaException($"cannot set {Target(L, t)} to {Value(L, 3)}: {m}"));
        else Store(L, 3, ft, at, Target(L, t), "assignment", owner: 1);
        return 0;
    }

    /// <summary>What an assignment to key 2 of a <paramref name="t"/> sets, as errors name it: "struct P.x", "i32[3][5]".</summary>
    static string Target(nint L, CType t) => t is ArrayType ? $"{t.Name}[{ToInteger(L, 2)}]" : $"{t.Name}.{FieldName(L, 2)}";

    static long ToInteger(nint L, int idx) => LuaToC.TryInteger(L, idx, out var v) ? v : 0;

    /// <summary>
    /// The field (record) or element (array) the key at <paramref name="key"/> names: its type and
    /// address; for a bitfield, the address of the record its bits are counted from.
    /// </summary>
    static CType Locate(nint L, Header* h, CType t, int key, out byte* at, out FieldBits? bits)
    {
        bits = null;
        at = (byte*)h->Address;
        if (t is ArrayType a)
        {
            if (!LuaToC.TryInteger(L, key, out var i))
                throw new LuaException($"{t.Name}: index must be an integer, got {Value(L, key)}");
            long count = a.Count ?? 0;
            if ((ulong)i >= (ulong)count)
                throw new LuaException($"{t.Name}: index {i} is out of bounds (0..{count - 1})");
            at += i * a.Element.Size;
            return a.Element;
        }
        var s = (StructType)t;
        var name = FieldName(L, key);
        if (name == null || Find(s, name, out long record) is not { } f)
            throw new LuaException($"{t.Name} has no field {Key(L, key)}");
        bits = f.Bits;
        at += record + (bits != null ? 0 : f.Offset);
        return f.Type;
    }

    /// <summary>Pushes the value of type <paramref name="t"/> at <paramref name="at"/>: a scalar, or a view kept alive with <paramref name="owner"/>.</summary>
    static void Load(nint L, int owner, CType t, byte* at)
    {
        if (t.Scalar == ScalarKind.CString) pushlightuserdata(L, *(nint*)at); // a pointer field reads as a pointer
        else if (Calls.FunctionPointers.FunctionOf(t) is { } f) Calls.FunctionPointers.Push(L, *(nint*)at, f, f.Name);
        else if (t.IsScalarValue) CToLua.Load(L, t, at);
        else if (IsAggregate(t)) Instance.NewView(L, owner, t, (nint)at);
        else throw new LuaException($"cannot read a value of type {t.Name}");
    }

    /// <summary>A complete struct, union or array type: what reads as a view and writes from a table or an instance.</summary>
    public static bool IsAggregate(CType t) => t.IsComplete && t.Kind is TypeKind.Record or TypeKind.Array;

    /// <summary>
    /// Stores the Lua value at <paramref name="value"/> as a <paramref name="t"/> at <paramref name="at"/>; errors name <paramref name="what"/>.
    /// With <paramref name="owner"/> (the stack index of the instance or view <paramref name="at"/> lies in), a
    /// function-pointer field or element takes a Lua function too: a callback that object owns.
    /// </summary>
    public static void Store(nint L, int value, CType t, byte* at, string what, string function, int owner = 0)
    {
        value = absindex(L, value);
        if (owner != 0 && Calls.FunctionPointers.FunctionOf(t) is { } f)
        {
            Callbacks.OwnedCallbacks.Store(L, owner, value, t, f, at, what, m => new LuaException($"cannot set {what} to {Value(L, value)}: {m}"));
            return;
        }
        if (t.IsScalarValue)
        {
            LuaToC.Store(L, value, t, at, m => new LuaException($"cannot set {what} to {Value(L, value)}: {m}"));
            return;
        }
        if (Instance.TryGet(L, value) is var other && other != null)
        {
            var ot = Instance.TypeOf(other);
            if (ot != t) throw new LuaException($"cannot set {what} to a {ot.Name}: {t.Name} expected");
            NativeMemory.Copy((void*)other->Address, at, (nuint)t.Size); // memmove: views may overlap
            return;
        }
        if (t is ArrayType { Element.Size: 1, Element.Scalar: ScalarKind.I8 or ScalarKind.U8 } chars && type(L, value) == TSTRING)
        {
            nuint n;
            byte* s = tolstring(L, value, &n);
            long count = chars.Count ?? 0;
            if ((long)n > count)
                throw new LuaException($"cannot set {what} to a string of {n} bytes: it holds {count}");
            NativeMemory.Clear(at, (nuint)count);
            NativeMemory.Copy(s, at, n);
            return;
        }
        if (type(L, value) == TTABLE && t.IsComplete)
        {
            LuaOps.EnsureStack(L, 4);
            NativeMemory.Clear(at, (nuint)t.Size);
            if (t is ArrayType a) StoreSequence(L, value, a, at, what, function, owner);
            else if (t is StructType s) StoreFields(L, value, s, at, what, function, owner);
            return;
        }
        throw new LuaException($"cannot set {what} to {Value(L, value)}: {t.Name} expected (a table{(t is ArrayType { Element.Size: 1 } ? ", a string" : "")} or an instance)");
    }

    /// <summary>Elements from the sequence table at <paramref name="table"/>: t[1] goes to element 0.</summary>
    static void StoreSequence(nint L, int table, ArrayType a, byte* at, string what, string function, int owner)
    {
        long count = a.Count ?? 0;
        long n = (long)rawlen(L, table);
        if (n > count) throw new LuaException($"cannot set {what}: {n} values given for {count} elements");
        for (long i = 0; i < n; i++)
        {
            rawgeti(L, table, i + 1);
            Store(L, -1, a.Element, at + i * a.Element.Size, $"{what}[{i}]", function, owner);
            settop(L, -2);
        }
    }

    /// <summary>Fields from the table at <paramref name="table"/> by name (raw traversal: no metamethod runs).</summary>
    static void StoreFields(nint L, int table, StructType s, byte* at, string what, string function, int owner)
    {
        pushnil(L);
        while (next(L, table) != 0)
        {
            var name = FieldName(L, -2);
            if (name == null || Find(s, name, out long record) is not { } f)
                throw new LuaException($"cannot set {what}: {s.Name} has no field {Key(L, -2)}");
            string field = $"{what}.{name}";
            if (f.Bits != null)
            {
                if (!LuaToC.TryInteger(L, -1, out var v))
                    throw new LuaException($"cannot set {field} to {Value(L, -1)}: integer expected");
                WriteBits(at + record, f.Bits, v);
            }
            else Store(L, -1, f.Type, at + record + f.Offset, field, function, owner);
            settop(L, -2);
        }
    }

    /// <summary>
    /// The named field, looking into anonymous members as C does, and <paramref name="record"/>, the
    /// offset of the record that declares it (a bitfield's unit offset counts from there).
    /// </summary>
    static StructField? Find(StructType s, string name, out long record)
    {
        record = 0;
        foreach (var f in s.Fields!)
        {
            if (f.Name == name) return f;
            if (f.Name == null && f.Type is StructType { IsComplete: true } inner && Find(inner, name, out long within) is { } nested)
            {
                record = f.Offset + within;
                return nested;
            }
        }
        return null;
    }

    /// <summary>A bitfield's value (sign-extended when signed), <paramref name="record"/> being the record its unit offset counts from.</summary>
    static long ReadBits(byte* record, FieldBits b) => BitfieldAccess.Read(Unit(record, b), LayoutOf(b));

    /// <summary>Stores the low bits of <paramref name="value"/>, leaving the unit's other bits as they were.</summary>
    static void WriteBits(byte* record, FieldBits b, long value) => BitfieldAccess.Write(Unit(record, b), LayoutOf(b), (ulong)value);

    static Span<byte> Unit(byte* record, FieldBits b) => new(record, (int)(b.UnitOffset + b.UnitSize));

    static BitfieldLayout LayoutOf(FieldBits b) => new(b.UnitOffset * 8 + b.Shift, b.Width, b.Signed, b.UnitOffset, b.UnitSize);

    static int Length(nint L)
    {
        var t = Instance.TypeOf(Self(L, "len"));
        if (t is not ArrayType a) throw new LuaException($"attempt to get length of a {t.Name} (only arrays have one)");
        pushinteger(L, a.Count ?? 0);
        return 1;
    }

    static int ToString(nint L)
    {
        var h = Self(L, "tostring");
        var sb = new StringBuilder();
        Format(sb, Instance.TypeOf(h), (byte*)h->Address, 0);
        LuaOps.PushString(L, sb.ToString());
        return 1;
    }

    /// <summary>The elements shown by tostring before "...".</summary>
    const int ShownElements = 16;

    static void Format(StringBuilder sb, CType t, byte* at, int depth)
    {
        sb.Append(Describe(t));
        if (depth > 0) { sb.Append(" {...}"); return; }
        sb.Append(" {");
        if (t is ArrayType a)
        {
            long count = a.Count ?? 0;
            for (long i = 0; i < Math.Min(count, ShownElements); i++)
            {
                sb.Append(i == 0 ? " " : ", ");
                FormatValue(sb, a.Element, at + i * a.Element.Size, null, at);
            }
            if (count > ShownElements) sb.Append(", ...");
        }
        else
        {
            bool first = true;
            foreach (var f in ((StructType)t).Fields!)
            {
                if (f.Name == null) continue;
                sb.Append(first ? " " : ", ").Append(f.Name).Append(" = ");
                first = false;
                FormatValue(sb, f.Type, at + f.Offset, f.Bits, at);
            }
        }
        sb.Append(" }");
    }

    static void FormatValue(StringBuilder sb, CType t, byte* at, FieldBits? bits, byte* record)
    {
        if (bits != null) { sb.Append(ReadBits(record, bits)); return; }
        switch (t.Scalar)
        {
            case ScalarKind.None: Format(sb, t, at, 1); return;
            case ScalarKind.Bool: sb.Append(*at != 0 ? "true" : "false"); return;
            case ScalarKind.F32: sb.Append(Number(*(float*)at)); return;
            case ScalarKind.F64: sb.Append(Number(*(double*)at)); return;
            case ScalarKind.Pointer or ScalarKind.CString: sb.Append($"0x{(ulong)*(nint*)at:x}"); return;
            case ScalarKind.I8: sb.Append(*(sbyte*)at); return;
            case ScalarKind.U8: sb.Append(*at); return;
            case ScalarKind.I16: sb.Append(*(short*)at); return;
            case ScalarKind.U16: sb.Append(*(ushort*)at); return;
            case ScalarKind.I32: sb.Append(*(int*)at); return;
            case ScalarKind.U32: sb.Append(*(uint*)at); return;
            default: sb.Append(*(long*)at); return;
        }
    }

    static string Number(double d) =>
        double.IsFinite(d) && d == Math.Floor(d) && Math.Abs(d) < 1e15
            ? d.ToString("0", CultureInfo.InvariantCulture) + ".0"
            : d.ToString("G14", CultureInfo.InvariantCulture);

    /// <summary>How a type is shown: "Color" for struct Color, else its name.</summary>
    static string Describe(CType t) => t is StructType { Tag: { } tag } ? tag : t.Name;

    /// <summary>The string key at idx as a field name; null for other keys and for strings longer than any name can be.</summary>
    static string? FieldName(nint L, int idx)
    {
        if (type(L, idx) != TSTRING || rawlen(L, idx) > (ulong)FfiLimits.MaxNameLength) return null;
        return LuaOps.ToStringOrNull(L, idx);
    }

    /// <summary>A key as an error shows it: 'name' for a string, else as <see cref="Value"/> shows it.</summary>
    static string Key(nint L, int idx) => type(L, idx) == TSTRING ? $"'{Clipped(L, idx)}'" : Value(L, idx);

    /// <summary>The first bytes of the string at idx (a script's string can be a gigabyte long).</summary>
    static string Clipped(nint L, int idx)
    {
        nuint n;
        byte* p = tolstring(L, idx, &n);
        const int Shown = 40;
        return n <= Shown ? Encoding.UTF8.GetString(p, (int)n) : Encoding.UTF8.GetString(p, Shown) + "...";
    }

    /// <summary>A value as an error shows it: a quoted (clipped) string, a number, else its type.</summary>
    static string Value(nint L, int idx)
    {
        if (type(L, idx) == TSTRING) return $"\"{Clipped(L, idx)}\" (a string)";
        if (type(L, idx) == TNUMBER)
            return LuaToC.TryInteger(L, idx, out var i) ? i.ToString(CultureInfo.InvariantCulture)
                : LuaToC.TryNumber(L, idx, out var d) ? d.ToString("R", CultureInfo.InvariantCulture) : "a number";
        return LuaOps.TypeName(L, idx);
    }
}
