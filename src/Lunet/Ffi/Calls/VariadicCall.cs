using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Lunet.Ffi.Libraries;
using Lunet.Ffi.Memory;
using Lunet.Ffi.Types;
using Lunet.Interop;
using static Lunet.Interop.LuaApi;
using static Lunet.Interop.X64Assembler;

namespace Lunet.Ffi.Calls;

/// <summary>
/// A declared variadic function (<c>int printf(const char *, ...)</c>) as Lua calls it. Each call's
/// extra arguments take a C type from their Lua type (integer → long long, float → double,
/// string → const char *, boolean → int, a pointer or ffi object → void *), which with the fixed
/// parameters makes the signature of this call; its binding is the library's, cached by that
/// signature (<see cref="LoadedLibrary.Bind"/>), and its native stub sets AL from the argument
/// plan. The stub must run from native code (it raises with lua_error): the C# entry binds, puts
/// the binding's slot at stack index 1 below the arguments and returns
/// <see cref="NativeSlot.RunStubAtSelf"/>; the native entry then runs the stub with the
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
        /// <summary>The bindings made so far, by the kinds of the extra arguments ("ids"): a call site binds once.</summary>
        public readonly Dictionary<string, FunctionBinding> ByKinds = new();
    }

    static readonly long Tag = Metatables.NewTag();
    static readonly nint EntryThunk = NativeThunks.ErrorThunk((nint)(delegate* unmanaged[Cdecl]<nint, int>)&Entry);
    static nint nativeEntry;

    /// <summary>Pushes the callable for the variadic <paramref name="type"/> found as <paramref name="symbol"/> in <paramref name="library"/>.</summary>
    public static void Push(nint L, LoadedLibrary library, string symbol, FunctionType type, string what)
    {
        Metatables.NewHandleUserdata(L, new Declared(library, symbol, type, what), Tag);
        Metatables.Push(L, "ffi.variadic", &BuildMetatable);
        setmetatable(L, -2);
        pushcclosure(L, NativeStubCompiler.IsSupported ? NativeEntry : EntryThunk, 1);
    }

    static void BuildMetatable(nint L) => CFunction.Set(L, -1, "__gc", &Free);

    static int Free(nint L)
    {
        Metatables.FreeHandle(L, Tag);
        return 0;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    static int Entry(nint L)
    {
        using var frame = ProtectedCall.Enter(L);
        try
        {
            var block = Metatables.HandleBlock(L, UpvalueIndex(1), Tag);
            if (block == null || block[0] == 0) throw new LuaException("this variadic function was collected");
            var f = Unsafe.As<Declared>(GCHandle.FromIntPtr(block[0]).Target!);
            var binding = Binding(L, f);
            if (binding.IsClosed) return CallSupport.Closed(L, binding);
            if (binding.NativeStub == 0) return binding.Stub(L, binding, 1);
            LuaOps.EnsureStack(L, 2);
            CallDispatcher.PushNativeSlot(L, binding);
            rotate(L, 1, 1);
            return NativeSlot.RunStubAtSelf;
        }
        catch (Exception e)
        {
            return CFunction.PushError(L, e);
        }
    }

    /// <summary>The binding for this call: the declared parameters, then a C type for each extra argument from its Lua type.</summary>
    static FunctionBinding Binding(nint L, Declared f)
    {
        int n = gettop(L), fixedCount = f.Type.Parameters.Count;
        if (n < fixedCount)
            throw new LuaException($"{f.What}: expected at least {fixedCount} argument{(fixedCount == 1 ? "" : "s")}, got {n}");
        FfiLimits.CheckParameterCount(n, f.What);
        Span<char> kinds = n - fixedCount <= 64 ? stackalloc char[n - fixedCount] : new char[n - fixedCount];
        var names = new string[n - fixedCount];
        for (int i = fixedCount + 1; i <= n; i++)
        {
            names[i - fixedCount - 1] = ExtraType(L, i, f.What);
            kinds[i - fixedCount - 1] = names[i - fixedCount - 1][0];
        }
        var key = new string(kinds);
        if (f.ByKinds.TryGetValue(key, out var cached) && cached.Library == f.Library) return cached;
        var types = FfiContext.Of(L).Types;
        var parameters = new List<CType>(n);
        parameters.AddRange(f.Type.Parameters);
        foreach (var name in names) parameters.Add(types.Resolve(name));
        var binding = f.Library.Bind(f.Symbol, LibraryObject.MakeSignature(f.Type.Returns, parameters, f.What));
        if (f.ByKinds.Count >= 64) f.ByKinds.Clear();   // kinds are the script's choice: bounded
        f.ByKinds[key] = binding;
        return binding;
    }

    /// <summary>The C type an extra argument takes from its Lua value, as C's default promotions would give it.</summary>
    static string ExtraType(nint L, int i, string what)
    {
        switch (type(L, i))
        {
            case TNUMBER: return isinteger(L, i) != 0 ? "long long" : "double";
            case TSTRING: return "const char *";
            case TBOOLEAN: return "bool";
            case TLIGHTUSERDATA: return "void *";
            case TUSERDATA:
                if (Instance.TryType(L, i) is { Kind: TypeKind.Record } record)
                    throw LuaException.BadArgument(i, what, $"{record.Name} cannot be passed as a variadic argument (pass a pointer to it)");
                if (NativeObject.TryGetAddress(L, i, out _)) return "void *";
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
                return nativeEntry != 0 ? nativeEntry : nativeEntry = ExecutableMemory.Write(EntryCode());
        }
    }

    static byte[] EntryCode()
    {
        var a = new X64Assembler();
        a.Push(Rbx);                                   // keeps the calls 16-byte aligned
        a.MovRR(Rbx, Rdi);
        NativeSlot.EmitCallAndRunStub(a, Rbx, EntryThunk, 2, x => x.Pop(Rbx));
        return a.ToArray();
    }
}
