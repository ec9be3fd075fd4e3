using Lunet.Ffi.Calls;
using Lunet.Ffi.Types;
using Lunet.Interop;
using Lunet.Tests.Abi;

namespace Lunet.Tests.Ffi;

/// <summary>
/// The variadic functions' native entry (Calls/VariadicCache.cs): on this machine it reads the extra
/// arguments' tags from the Lua stack, whose layout is checked against the running liblua first;
/// both of its forms (tags, and lua_type / lua_isinteger where the layout is not verified) decode
/// cleanly with the reference decoder.
/// </summary>
public class VariadicEntryTests
{
    [Fact]
    public void TheStackLayoutIsVerifiedHere()
    {
        if (!NativeStubCompiler.IsSupported) return;
        Assert.True(LuaStackLayout.IsVerified);
    }

    [Fact]
    public void BothFormsOfTheEntryDisassembleCleanly()
    {
        if (!NativeStubCompiler.IsSupported) return;
        var name = new FunctionType(ScalarType.Void, []);
        foreach (var readTags in new[] { true, false })
            StubDisassemblyTests.AssertClean(name, VariadicCache.EntryCode(0x1000, readTags));
    }
}
