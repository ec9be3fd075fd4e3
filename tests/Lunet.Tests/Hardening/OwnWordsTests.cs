using Lunet.Ffi;
using Lunet.Ffi.Types;
using Lunet.Tests.Support;

namespace Lunet.Tests.Hardening;

/// <summary>Errors that once surfaced as a .NET exception's text are messages in the ffi's own words.</summary>
public class OwnWordsTests
{
    sealed class Aggregate : CType
    {
        public override string Name => "struct Pair";
        public override TypeKind Kind => TypeKind.Record;
        public override int Size => 8;
        public override int Alignment => 4;
    }

    [Fact]
    public void ADeclaredAggregateByValueIsRefusedBeforeAStubIsCompiled()
    {
        using var rt = Lua.NewRuntime();
        FfiContext.Of(rt.State).Types.Define("Pair", new Aggregate());
        Assert.Contains("wrap: struct Pair cannot be passed by value",
            Lua.Error(rt, "return require('ffi').open(TESTLIB):wrap('i32', 'add', 'Pair', 'i32')"));
        Assert.Contains("call: struct Pair cannot be returned by value",
            Lua.Error(rt, "return require('ffi').open(TESTLIB):call('add', 'Pair', {'i32', 'i32'}, 1, 2)"));
        Assert.Equal(8L, rt.DoString("return require('ffi').sizeof('Pair*')")[0]);
    }
}
