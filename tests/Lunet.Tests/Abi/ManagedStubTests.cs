using Lunet.Ffi.Calls;
using Lunet.Ffi.Types;
using Lunet.Tests.Support;
namespace Lunet.Tests.Abi;

/// <summary>
/// The managed stubs (the portable path) with structs by value, run on this machine by bindings that
/// never take the native stub: each result is checked against the same call through lib:wrap (the
/// native stub); shapes a carrier cannot reproduce are refused when bound, with the reason.
/// </summary>
public class ManagedStubTests
{
    [Theory]
    [InlineData("u64", "sum_vec2", "Vec2", "f({x=1,y=2})")]
    [InlineData("u64", "sum_big", "Big", "f({a=1,b=2,c=3})")]
    [InlineData("u64", "sum_cic", "CIC", "f({a=1,i=2,b=3})")]
    [InlineData("u64", "sum_f3", "F3", "f({a=1,b=2,c=3})")]
    [InlineData("Vec2", "vec2_add", "Vec2,Vec2", "f({x=1,y=2},{x=3,y=4}).y")]
    [InlineData("Big", "big_make", "i64,i64,i64", "f(1,2,3).c")]
    [InlineData("F3", "f3_scale", "F3,f32", "f({a=1,b=2,c=3}, 2).c")]
    [InlineData("ID", "id_make", "i32,f64", "f(4, 3).d")]
    public unsafe void AgreesWithTheNativeStub(string ret, string name, string ps, string call)
    {
        if (!NativeStubCompiler.IsSupported) return;
        using var rt = Lua.NewRuntime();
        rt.SetGlobal("DECLS", StructCallTests.Declarations);
        rt.DoString("require('ffi').cdef(DECLS)", "=d");
        var types = Lunet.Ffi.FfiContext.Of(rt.State).Types;
        var h = System.Runtime.InteropServices.NativeLibrary.Load(StructCallTests.AbiLib);
        var sig = new FunctionType(types.Resolve(ret), ps.Split(',').Select(types.Resolve).ToArray());
        var b = new FunctionBinding(name, System.Runtime.InteropServices.NativeLibrary.GetExport(h, name), sig, null, managedOnly: true);
        CallDispatcher.Push(rt.State, b);
        fixed (byte* g = "f\0"u8) Lunet.Interop.LuaApi.setglobal(rt.State, g);
        rt.SetGlobal("ABILIB", StructCallTests.AbiLib);
        var types_ = string.Join(", ", ps.Split(',').Select(p => $"'{p}'"));
        var r = rt.DoString($"local managed = f; f = require('ffi').open(ABILIB):wrap('{ret}', '{name}', {types_}); local native = {call}; f = managed; return native, {call}", "=t");
        Assert.NotNull(r[0]);
        Assert.Equal(r[0], r[1]);
    }

    [Fact]
    public unsafe void ShapesACarrierCannotReproduceAreRefusedWhenBound()
    {
        if (!NativeStubCompiler.IsSupported) return;
        using var rt = Lua.NewRuntime();
        rt.SetGlobal("DECLS", StructCallTests.Declarations);
        rt.DoString("require('ffi').cdef(DECLS)", "=d");
        var types = Lunet.Ffi.FfiContext.Of(rt.State).Types;
        // A packed record with a misaligned member is returned through memory although it is 5 bytes.
        var sig = new FunctionType(types.Resolve("PCI"), [ScalarType.I8, ScalarType.I32]);
        var e = Assert.Throws<Lunet.Interop.LuaException>(() => new FunctionBinding("pci_make", 1, sig, null, managedOnly: true));
        Assert.Contains("cannot call 'pci_make'", e.Message);
        Assert.Contains("struct PCI goes to memory in a way the portable call path cannot reproduce", e.Message);
    }
}
