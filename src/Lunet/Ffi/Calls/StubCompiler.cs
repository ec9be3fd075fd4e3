using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.InteropServices;
using Lunet.Ffi.Abi;
using Lunet.Ffi.Conversion;
using Lunet.Ffi.Types;

namespace Lunet.Ffi.Calls;

/// <summary>
/// Emits the call stub for one signature: check the argument count, convert each
/// Lua argument into a local (branching to an error return on a bad one), calli
/// the target as an unmanaged cdecl function, push the result.
/// </summary>
internal static class StubCompiler
{
    static readonly MethodInfo HasArgCount = Method(typeof(CallSupport), nameof(CallSupport.HasArgCount));
    static readonly MethodInfo BadArgument = Method(typeof(CallSupport), nameof(CallSupport.BadArgument));
    static readonly MethodInfo BadArgCount = Method(typeof(CallSupport), nameof(CallSupport.BadArgCount));
    static readonly MethodInfo BeforeCall = Method(typeof(Callbacks.CallbackHooks), nameof(Callbacks.CallbackHooks.BeforeManagedCall));
    static readonly MethodInfo AfterCall = Method(typeof(Callbacks.CallbackHooks), nameof(Callbacks.CallbackHooks.AfterManagedCall));
    static readonly MethodInfo StoreRecord = Method(typeof(CallSupport), nameof(CallSupport.StoreRecord));
    static readonly MethodInfo PushRecord = Method(typeof(CallSupport), nameof(CallSupport.PushRecord));
    static readonly MethodInfo TypedPointer = Method(typeof(CallSupport), nameof(CallSupport.TryTypedPointer));
    static readonly MethodInfo RestoreErrno = Method(typeof(ErrnoCell), nameof(ErrnoCell.RestoreManaged));
    static readonly MethodInfo SaveErrno = Method(typeof(ErrnoCell), nameof(ErrnoCell.SaveManaged));
    static readonly FieldInfo TargetField = typeof(FunctionBinding).GetField(nameof(FunctionBinding.Target))!;

    public static CallStub Compile(FunctionType sig)
    {
        var dm = new DynamicMethod($"ffi_stub {sig}", typeof(int),
            [typeof(nint), typeof(FunctionBinding), typeof(int)], typeof(StubCompiler).Module, skipVisibility: true);
        var il = dm.GetILGenerator();
        var ps = sig.Parameters;

        var badCount = il.DefineLabel();
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ldarg_2);
        il.Emit(OpCodes.Ldc_I4, ps.Count);
        il.Emit(OpCodes.Call, HasArgCount);
        il.Emit(OpCodes.Brfalse, badCount);

        // Structs by value ride in carriers built from the argument plan (see RecordCarriers).
        var plan = HasRecords(sig) ? ArgumentPlans.Of(sig) : null;
        var clrParams = new Type[ps.Count];
        var raw = new LocalBuilder[ps.Count];
        var bad = new Label[ps.Count];
        for (int i = 0; i < ps.Count; i++)
        {
            if (ps[i].Kind == TypeKind.Record)
            {
                var v = plan!.Parameters[i];
                raw[i] = il.DeclareLocal(RecordCarriers.For(v, isResult: false));
                clrParams[i] = v.Kind == PassKind.Reference ? typeof(nint) : raw[i].LocalType;
                il.Emit(OpCodes.Ldarg_0);
                il.Emit(OpCodes.Ldarg_2);
                il.Emit(OpCodes.Ldarg_1);
                il.Emit(OpCodes.Ldc_I4, i);
                il.Emit(OpCodes.Ldloca, raw[i]);
                il.Emit(OpCodes.Conv_U);
                il.Emit(OpCodes.Call, StoreRecord); // throws the Lua error for a bad value
                continue;
            }
            clrParams[i] = ClrTypes.For(ps[i]);
            var (convert, rawType) = Reader(ps[i]);
            raw[i] = il.DeclareLocal(rawType);
            bad[i] = il.DefineLabel();
            il.Emit(OpCodes.Ldarg_0);
            il.Emit(OpCodes.Ldarg_2);
            il.Emit(OpCodes.Ldc_I4, i);
            il.Emit(OpCodes.Add);
            if (ps[i] is PointerType { Target: StructType })
            {
                // A pointer to a struct or union also checks an instance's type.
                il.Emit(OpCodes.Ldarg_1);
                il.Emit(OpCodes.Ldc_I4, i);
                convert = TypedPointer;
            }
            il.Emit(OpCodes.Ldloca, raw[i]);
            il.Emit(OpCodes.Call, convert);
            if (ps[i].Scalar == ScalarKind.Pointer) EmitTemporaryCallback(il, i, raw[i], bad[i]);
            else il.Emit(OpCodes.Brfalse, bad[i]);
        }

        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Call, BeforeCall);
        for (int i = 0; i < ps.Count; i++)
        {
            if (ps[i].Kind == TypeKind.Record && plan!.Parameters[i].Kind == PassKind.Reference)
            {
                // By reference: the address of the copy (a local: it does not move).
                il.Emit(OpCodes.Ldloca, raw[i]);
                il.Emit(OpCodes.Conv_U);
                continue;
            }
            il.Emit(OpCodes.Ldloc, raw[i]);
            Narrow(il, ps[i]);
        }
        // errno: a value ffi.errno(v) set goes in last, and errno is read back first.
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Call, RestoreErrno);
        il.Emit(OpCodes.Ldarg_1);
        il.Emit(OpCodes.Ldfld, TargetField);
        var ret = plan != null && sig.Returns.Kind == TypeKind.Record ? RecordCarriers.For(plan.Result, isResult: true) : ClrTypes.For(sig.Returns);
        il.EmitCalli(OpCodes.Calli, CallingConvention.Cdecl, ret, clrParams);
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Call, SaveErrno);
        // A callback's error (or a foreign-thread call) is raised as the call returns: -1, message pushed.
        var result = ret == typeof(void) ? null : il.DeclareLocal(ret);
        if (result != null) il.Emit(OpCodes.Stloc, result);
        var noError = il.DefineLabel();
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Call, AfterCall);
        il.Emit(OpCodes.Brfalse, noError);
        il.Emit(OpCodes.Ldc_I4_M1);
        il.Emit(OpCodes.Ret);
        il.MarkLabel(noError);
        if (sig.Returns.Kind == TypeKind.Record)
        {
            il.Emit(OpCodes.Ldarg_0);
            il.Emit(OpCodes.Ldarg_1);
            il.Emit(OpCodes.Ldloca, result!);
            il.Emit(OpCodes.Conv_U);
            il.Emit(OpCodes.Call, PushRecord);
            il.Emit(OpCodes.Ret);
        }
        else
        {
            if (result != null) il.Emit(OpCodes.Ldloc, result);
            EmitPushResult(il, sig.Returns, ret);
        }

        il.MarkLabel(badCount);
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ldarg_1);
        il.Emit(OpCodes.Ldarg_2);
        il.Emit(OpCodes.Call, BadArgCount);
        il.Emit(OpCodes.Ret);

        for (int i = 0; i < ps.Count; i++)
        {
            if (ps[i].Kind == TypeKind.Record) continue;
            il.MarkLabel(bad[i]);
            il.Emit(OpCodes.Ldarg_0);
            il.Emit(OpCodes.Ldarg_1);
            il.Emit(OpCodes.Ldc_I4, i);
            il.Emit(OpCodes.Ldarg_2);
            il.Emit(OpCodes.Call, BadArgument);
            il.Emit(OpCodes.Ret);
        }
        return dm.CreateDelegate<CallStub>();
    }

    static bool HasRecords(FunctionType sig) => NativeStubCache.PassesRecords(sig);

    /// <summary>Why the managed stubs cannot call <paramref name="sig"/> (null: they can).</summary>
    public static string? Refusal(FunctionType sig)
    {
        if (!HasRecords(sig)) return null;
        // The carriers are checked against the C compiler on x86-64 System V only; elsewhere the
        // runtime's own placement of them (HFAs on AArch64, say) is unverified: refuse rather than guess.
        if (ArgumentPlans.Current is not SysVX64Convention) return "structs by value are not supported on this platform yet";
        if (CallSignature.TooLarge(sig) is { } tooLarge) return tooLarge;
        var plan = ArgumentPlans.Of(sig);
        return plan.Parameters.Where(p => p.IsAggregate).Select(p => RecordCarriers.Refusal(p, isResult: false))
            .Append(plan.Result.IsAggregate ? RecordCarriers.Refusal(plan.Result, isResult: true) : null)
            .FirstOrDefault(r => r != null);
    }

    /// <summary>A pointer argument that is no pointer may be a Lua function for a function-pointer parameter (<see cref="Callbacks.TemporaryCallbacks.TryFunction"/>).</summary>
    static void EmitTemporaryCallback(ILGenerator il, int i, LocalBuilder raw, Label bad)
    {
        var ok = il.DefineLabel();
        il.Emit(OpCodes.Brtrue, ok);
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ldarg_2);
        il.Emit(OpCodes.Ldc_I4, i);
        il.Emit(OpCodes.Add);
        il.Emit(OpCodes.Ldarg_1);
        il.Emit(OpCodes.Ldc_I4, i);
        il.Emit(OpCodes.Ldloca, raw);
        il.Emit(OpCodes.Call, Method(typeof(Callbacks.TemporaryCallbacks), nameof(Callbacks.TemporaryCallbacks.TryFunction)));
        il.Emit(OpCodes.Brfalse, bad);
        il.MarkLabel(ok);
    }

    /// <summary>The LuaToC.Try* method that reads a parameter, and the type of its out value.</summary>
    static (MethodInfo, Type) Reader(CType t) => t.Scalar switch
    {
        var k when k.IsInteger() => (Method(typeof(LuaToC), nameof(LuaToC.TryInteger)), typeof(long)),
        var k when k.IsFloat() => (Method(typeof(LuaToC), nameof(LuaToC.TryNumber)), typeof(double)),
        ScalarKind.Bool => (Method(typeof(LuaToC), nameof(LuaToC.TryBool)), typeof(byte)),
        ScalarKind.Pointer => (Method(typeof(LuaToC), nameof(LuaToC.TryPointer)), typeof(nint)),
        ScalarKind.CString => (Method(typeof(LuaToC), nameof(LuaToC.TryCString)), typeof(nint)),
        _ => throw new NotSupportedException($"parameter type {t.Name} is not supported"),
    };

    /// <summary>Converts the read value to the parameter's width, as a C cast would (wrapping).</summary>
    static void Narrow(ILGenerator il, CType t)
    {
        switch (t.Scalar)
        {
            case ScalarKind.I8: il.Emit(OpCodes.Conv_I1); break;
            case ScalarKind.U8: il.Emit(OpCodes.Conv_U1); break;
            case ScalarKind.I16: il.Emit(OpCodes.Conv_I2); break;
            case ScalarKind.U16: il.Emit(OpCodes.Conv_U2); break;
            case ScalarKind.I32: il.Emit(OpCodes.Conv_I4); break;
            case ScalarKind.U32: il.Emit(OpCodes.Conv_U4); break;
            case ScalarKind.F32: il.Emit(OpCodes.Conv_R4); break;
        }
    }

    static void EmitPushResult(ILGenerator il, CType t, Type clr)
    {
        if (t.Scalar == ScalarKind.Void)
        {
            il.Emit(OpCodes.Ldc_I4_0);
            il.Emit(OpCodes.Ret);
            return;
        }
        var result = il.DeclareLocal(clr);
        il.Emit(OpCodes.Stloc, result);
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ldloc, result);
        string push;
        switch (t.Scalar)
        {
            case ScalarKind.I8 or ScalarKind.I16 or ScalarKind.I32 or ScalarKind.I64:
                il.Emit(OpCodes.Conv_I8); push = nameof(CallSupport.PushInteger); break;
            case ScalarKind.U8 or ScalarKind.U16 or ScalarKind.U32 or ScalarKind.U64:
                il.Emit(OpCodes.Conv_U8); push = nameof(CallSupport.PushInteger); break;
            case ScalarKind.F32 or ScalarKind.F64:
                il.Emit(OpCodes.Conv_R8); push = nameof(CallSupport.PushNumber); break;
            case ScalarKind.Bool: push = nameof(CallSupport.PushBool); break;
            case ScalarKind.Pointer: push = nameof(CallSupport.PushPointer); break;
            case ScalarKind.CString: push = nameof(CallSupport.PushCString); break;
            default: throw new NotSupportedException($"return type {t.Name} is not supported");
        }
        il.Emit(OpCodes.Call, Method(typeof(CallSupport), push));
        il.Emit(OpCodes.Ldc_I4_1);
        il.Emit(OpCodes.Ret);
    }

    static MethodInfo Method(Type t, string name) =>
        t.GetMethod(name, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)!;
}
