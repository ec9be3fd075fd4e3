using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Lunet.Ffi.Libraries;
using Lunet.Ffi.Memory;
using Lunet.Ffi.Types;
using Lunet.Interop;
using static Lunet.Interop.LuaApi;

namespace Lunet.Ffi.Calls;

/// <summary>
/// A declared variadic function (<c>int printf(const char *, ...)</c>) as Lua calls it. Each call's
/// extra arguments take a C type from their Lua type (integer → long long, float → double,
/// string → const char *, boolean → int, a pointer or ffi object → void *), which with the fixed
/// parameters makes the signature of this call; its binding is the library's, cached by that
/// signature (<see cref="LoadedLibrary.Bind"/>), and its native stub sets AL from the argument
/// plan. The function value's upvalue holds the bindings made so far by the kinds of the extras
/// (<see cref="VariadicCache"/>): a call whose kinds were seen runs their stub straight from the
/// native entry. The first call of new kinds comes here: the stub must run from native code (it
/// raises with lua_error), so the C# entry binds, puts the binding's slot at stack index 1 below the
/// arguments (a light userdata pointing into the cache, or a slot userdata once the cache is full)
/// and returns <see cref="NativeSlot.RunStubAtSelf"/>; the native entry then runs the stub with the
/// arguments from index 2.
/// </summary>
internal static unsafe class VariadicCall
{
    sealed class Declared(LoadedLibrary library, string symbol, FunctionType type, string what)
    {
        public readonly LoadedLibrary Library = library;
        public readonly string Symbol = symbol;
        public readonly FunctionType Type = type;
        public readonly string What = what;
        /// <summary>The bindings made so far, by the kinds of the extra arguments (a digit each, <see cref="VariadicCache.Kind"/>): a call site binds once.</summary>
        public readonly Dictionary<string, FunctionBinding> ByKinds = new();
    }

    static readonly long Tag = Metatables.NewTag();
    static readonly nint EntryThunk = NativeThunks.ErrorThunk((nint)(delegate* unmanaged[Cdecl]<nint, int>)&Entry);
    static nint nativeEntry;

    /// <summary>Pushes the callable for the variadic <paramref name="type"/> found as <paramref name="symbol"/> in <paramref name="library"/>.</summary>
    public static void Push(nint L, LoadedLibrary library, string symbol, FunctionType type, string what)
    {
        var block = Metatables.NewHandleUserdata(L, new Declared(library, symbol, type, what), Tag, VariadicCache.BlockWords);
        VariadicCache.SetFixedCount(block, type.Parameters.Count);
        Metatables.Push(L, "ffi.variadic", &BuildMetatable);
        setmetatable(L, -2);
        pushcclosure(L, NativeStubCompiler.IsSupported ? NativeEntry : EntryThunk, 1);
    }

    static void BuildMetatable(nint L) => CFunction.Set(L, -1, "__gc", &Free);

    static int Free(nint L)
    {
        var block = Metatables.FreeHandle(L, Tag, VariadicCache.BlockWords);
        if (block != null) VariadicCache.Clear(block);
        return 0;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    static int Entry(nint L)
    {
        using var frame = ProtectedCall.Enter(L);
        try
        {
            var block = Metatables.HandleBlock(L, UpvalueIndex(1), Tag, VariadicCache.BlockWords);
            if (block == null || block[0] == 0) throw new LuaException("this variadic function was collected");
            var f = Unsafe.As<Declared>(GCHandle.FromIntPtr(block[0]).Target!);
            var binding = Binding(L, f, out var key);
            if (binding.IsClosed) return CallSupport.Closed(L, binding);
            if (binding.NativeStub == 0) return binding.Stub(L, binding, 1);
            LuaOps.EnsureStack(L, 2);
            // Kinds the native entry does not take itself (an array instance) can still be cached.
            nint* slot = null;
            if (key != 0 && (slot = VariadicCache.Find(block, key)) == null) slot = VariadicCache.Add(L, block, key, binding);
            if (slot != null) pushlightuserdata(L, (nint)slot);
            else CallDispatcher.PushNativeSlot(L, binding);
            rotate(L, 1, 1);
            return NativeSlot.RunStubAtSelf;
        }
        catch (Exception e)
        {
            return CFunction.PushError(L, e);
        }
    }

    /// <summary>
    /// The binding for this call: the declared parameters, then a C type for each extra argument from
    /// its Lua type; <paramref name="key"/> is those kinds as <see cref="VariadicCache"/> codes them (0: too many to code).
    /// </summary>
    static FunctionBinding Binding(nint L, Declared f, out ulong key)
    {
        int n = gettop(L), fixedCount = f.Type.Parameters.Count;
        key = 0;
        if (n < fixedCount)
            throw new LuaException($"{f.What}: expected at least {fixedCount} argument{(fixedCount == 1 ? "" : "s")}, got {n}");
        FfiLimits.CheckParameterCount(n, f.What);
        Span<char> kinds = n - fixedCount <= 64 ? stackalloc char[n - fixedCount] : new char[n - fixedCount];
        var names = new string[n - fixedCount];
        key = n - fixedCount <= VariadicCache.MaxExtras ? VariadicCache.EmptyKey : 0;
        for (int i = fixedCount + 1; i <= n; i++)
        {
            var kind = ExtraKind(L, i, f.What);
            names[i - fixedCount - 1] = TypeNames[(int)kind];
            kinds[i - fixedCount - 1] = (char)('0' + (int)kind);
            if (key != 0) key = VariadicCache.Append(key, kind);
        }
        var text = new string(kinds);
        if (f.ByKinds.TryGetValue(text, out var cached) && cached.Library == f.Library) return cached;
        var types = FfiContext.Of(L).Types;
        var parameters = new List<CType>(n);
        parameters.AddRange(f.Type.Parameters);
        foreach (var name in names) parameters.Add(types.Resolve(name));
        var binding = f.Library.Bind(f.Symbol, LibraryObject.MakeSignature(f.Type.Returns, parameters, f.What));
        if (f.ByKinds.Count >= 64) f.ByKinds.Clear();   // kinds are the script's choice: bounded
        f.ByKinds[text] = binding;
        return binding;
    }

    /// <summary>The C type of each kind, as C's default promotions would give it.</summary>
    static readonly string[] TypeNames = ["", "long long", "double", "const char *", "bool", "void *"];

    /// <summary>The kind of an extra argument from its Lua value (the native entry reads the same, <see cref="VariadicCache.EntryCode"/>).</summary>
    static VariadicCache.Kind ExtraKind(nint L, int i, string what)
    {
        switch (type(L, i))
        {
            case TNUMBER: return isinteger(L, i) != 0 ? VariadicCache.Kind.Integer : VariadicCache.Kind.Float;
            case TSTRING: return VariadicCache.Kind.String;
            case TBOOLEAN: return VariadicCache.Kind.Boolean;
            case TLIGHTUSERDATA: return VariadicCache.Kind.Pointer;
            case TUSERDATA:
                if (Instance.TryType(L, i) is { Kind: TypeKind.Record } record)
                    throw LuaException.BadArgument(i, what, $"{record.Name} cannot be passed as a variadic argument (pass a pointer to it)");
                if (NativeObject.TryGetAddress(L, i, out _)) return VariadicCache.Kind.Pointer;
                break;
        }
        throw LuaException.BadArgument(i, what, $"a variadic argument must be a number, string, boolean or pointer, got {LuaOps.TypeName(L, i)}");
    }

    /// <summary>The Lua C function of every variadic callable: the C# entry, then the stub it handed back.</summary>
    static nint NativeEntry
    {
        get
        {
            lock (typeof(VariadicCall))
                return nativeEntry != 0 ? nativeEntry : nativeEntry = ExecutableMemory.Write(VariadicCache.EntryCode(EntryThunk, LuaStackLayout.IsVerified));
        }
    }

}
