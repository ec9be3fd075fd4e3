using Iced.Intel;
using Lunet.Ffi.Calls;
using Lunet.Ffi.Types;
using IcedCode = Iced.Intel.Code;

namespace Lunet.Tests.Abi;

/// <summary>
/// Every native stub the compiler makes for a list of signatures decodes cleanly with the
/// reference decoder: no invalid instruction, no byte left over, every branch landing on an
/// instruction boundary inside the stub, a ret on the way out.
/// </summary>
public class StubDisassemblyTests
{
    static readonly CType[] Scalars =
    [
        ScalarType.Bool, ScalarType.I8, ScalarType.U8, ScalarType.I16, ScalarType.U16, ScalarType.I32, ScalarType.U32,
        ScalarType.I64, ScalarType.U64, ScalarType.F32, ScalarType.F64, ScalarType.Pointer, ScalarType.CString,
    ];

    public static IEnumerable<FunctionType> ScalarSignatures()
    {
        yield return new FunctionType(ScalarType.Void, []);
        foreach (var t in Scalars)
        {
            yield return new FunctionType(t, [t]);
            yield return new FunctionType(ScalarType.Void, [t, t]);
        }
        // Enough arguments of each class to run out of registers and spill.
        foreach (var t in Scalars)
            yield return new FunctionType(t, Enumerable.Repeat(t, 12).ToArray());
        var rng = new Random(9);
        for (int n = 0; n < 60; n++)
        {
            var ps = Enumerable.Range(0, rng.Next(0, 16)).Select(_ => Scalars[rng.Next(Scalars.Length)]).ToArray();
            yield return new FunctionType(rng.Next(4) == 0 ? ScalarType.Void : Scalars[rng.Next(Scalars.Length)], ps);
        }
    }

    [Fact]
    public void EveryScalarStubDisassemblesCleanly()
    {
        if (!NativeStubCompiler.IsSupported) return; // the native stubs exist on x86-64 System V only
        foreach (var sig in ScalarSignatures()) AssertClean(sig, NativeStubCompiler.Compile(sig));
    }

    /// <summary>Every record of abi_test.c as an argument among scalars and as a result, and mixes that spill.</summary>
    public static IEnumerable<FunctionType> RecordSignatures()
    {
        var types = new TypeRegistry();
        types.Declare(StructCallTests.Declarations);
        var records = StructCallTests.Declarations.Split('\n')
            .Select(l => System.Text.RegularExpressions.Regex.Match(l, @"\}\s*(\w+);").Groups[1].Value).Select(n => types.Resolve(n)).ToArray();
        foreach (var r in records)
        {
            yield return new FunctionType(r, [r]);
            yield return new FunctionType(ScalarType.U64, [ScalarType.I32, r, ScalarType.F64, r, ScalarType.I8]);
            yield return new FunctionType(r, [.. Enumerable.Repeat<CType>(ScalarType.I64, 6), r, ScalarType.F64, r]);
        }
        var rng = new Random(90);
        for (int n = 0; n < 40; n++)
        {
            var ps = Enumerable.Range(0, rng.Next(0, 12)).Select(_ => rng.Next(3) == 0 ? records[rng.Next(records.Length)] : Scalars[rng.Next(Scalars.Length)]).ToArray();
            yield return new FunctionType(records[rng.Next(records.Length)], ps);
        }
    }

    [Fact]
    public void EveryStructStubDisassemblesCleanly()
    {
        if (!NativeStubCompiler.IsSupported) return;
        foreach (var sig in RecordSignatures()) AssertClean(sig, NativeStubCompiler.Compile(sig));
    }

    internal static void AssertClean(FunctionType sig, byte[] code)
    {
        var list = EncoderSweepTests.Decode(code);
        var starts = new HashSet<ulong>(list.Select(i => i.IP));
        Assert.True(list.All(i => i.Code != IcedCode.INVALID), $"{sig.Name}: an invalid instruction at {list.FirstOrDefault(i => i.Code == IcedCode.INVALID).IP}");
        Assert.Equal((ulong)code.Length, list[^1].NextIP);
        foreach (var i in list)
        {
            if (i.FlowControl is not (FlowControl.ConditionalBranch or FlowControl.UnconditionalBranch) || i.Op0Kind != OpKind.NearBranch64) continue;
            Assert.True(starts.Contains(i.NearBranch64), $"{sig.Name}: the branch at {i.IP} lands at {i.NearBranch64}, not on an instruction");
        }
        Assert.Contains(list, i => i.Code == IcedCode.Retnq);
        // The stub ends in ret (the call path) or in the call of lua_error that ends an error path (it never returns).
        Assert.True(list[^1].Code is IcedCode.Retnq or IcedCode.Call_rm64, $"{sig.Name}: the stub ends in {list[^1].Code}");
    }
}
