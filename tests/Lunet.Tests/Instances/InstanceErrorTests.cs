using Lunet.Tests.Support;

namespace Lunet.Tests.Instances;

/// <summary>Every bad use of an instance is a Lua error naming the struct, the field and the value; the runtime keeps working.</summary>
public class InstanceErrorTests
{
    const string Ffi = """
        local ffi = require('ffi')
        local P = ffi.struct('struct P { int x; double y; char name[4]; int a[3]; char *s; int data[]; }')

        """;

    static string Error(string code)
    {
        using var rt = Lua.NewRuntime();
        return Lua.Error(rt, Ffi + code);
    }

    [Theory]
    [InlineData("return P().nope", "struct P has no field 'nope'")]
    [InlineData("P().nope = 1", "struct P has no field 'nope'")]
    [InlineData("return P()[1]", "struct P has no field 1")]
    [InlineData("return P()[string.rep('x', 100000)]", "struct P has no field 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...'")]
    [InlineData("P{ [string.rep('y', 100000)] = 1 }", "struct P has no field 'yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy...'")]
    [InlineData("P().x = 'abc'", "cannot set struct P.x to \"abc\" (a string): i32 expected, got string")]
    [InlineData("P().x = 1.5", "cannot set struct P.x to 1.5: number has no integer representation")]
    [InlineData("P().y = {}", "cannot set struct P.y to table: f64 expected, got table")]
    [InlineData("P{ x = true }", "cannot set struct P.x to boolean: i32 expected, got boolean")]
    [InlineData("P{ nope = 1 }", "cannot set struct P: struct P has no field 'nope'")]
    [InlineData("P{ 1 }", "cannot set struct P: struct P has no field 1")]
    [InlineData("P().name = 'abcde'", "cannot set struct P.name to a string of 5 bytes: it holds 4")]
    [InlineData("P().a = 'abc'", "cannot set struct P.a to \"abc\" (a string): i32[3] expected")]
    [InlineData("P{ a = { 1, 2, 3, 4 } }", "cannot set struct P.a: 4 values given for 3 elements")]
    [InlineData("P{ a = { 1, 'x' } }", "cannot set struct P.a[1] to \"x\" (a string): i32 expected, got string")]
    [InlineData("return P().a[3]", "i32[3]: index 3 is out of bounds (0..2)")]
    [InlineData("return P().a[-1]", "i32[3]: index -1 is out of bounds (0..2)")]
    [InlineData("return P().a[math.mininteger]", "out of bounds")]
    [InlineData("P().a[3] = 1", "i32[3]: index 3 is out of bounds (0..2)")]
    [InlineData("return P().a.x", "i32[3]: index must be an integer, got \"x\" (a string)")]
    [InlineData("return P().a[0.5]", "i32[3]: index must be an integer, got 0.5")]
    [InlineData("P().s = 'text'", "cannot store a Lua string as a char*")]
    [InlineData("return P().data", "cannot read a value of type i32[]")]
    [InlineData("return #P()", "attempt to get length of a struct P (only arrays have one)")]
    [InlineData("P().a = ffi.new('int[4]')", "cannot set struct P.a to a i32[4]: i32[3] expected")]
    public void BadUsesNameTheStructTheFieldAndTheValue(string code, string expected) =>
        Assert.Contains(expected, Error(code));

    [Theory]
    [InlineData("ffi.new('int')", "ffi.new: i32 is not a struct, union or array type")]
    [InlineData("ffi.new('struct Later')", "ffi.new: struct Later is incomplete")]
    [InlineData("ffi.new('int[]')", "ffi.new: i32[] is incomplete")]
    [InlineData("ffi.new(42)", "bad argument #1 to 'new' (type name expected, got number)")]
    [InlineData("ffi.new('void')", "ffi.new: void is not a struct")]
    [InlineData("ffi.new(P, 42)", "cannot set struct P to 42: struct P expected")]
    public void FfiNewRefusesWhatHasNoInstance(string code, string expected) =>
        Assert.Contains(expected, Error("ffi.cdef('struct Later;')\n" + code));

    [Fact]
    public void TheMetamethodsRefuseAnythingButAnInstance()
    {
        foreach (var (call, expected) in new[]
        {
            ("mt.__index(ffi.buffer(64), 'x')", "index: struct or array instance expected, got Buffer"),
            ("mt.__newindex({}, 'x', 1)", "newindex: struct or array instance expected, got table"),
            ("mt.__tostring(nil)", "tostring: struct or array instance expected, got nil"),
            ("mt.__len(1)", "len: struct or array instance expected, got number"),
        })
        {
            var code = $"local mt = debug.getmetatable(P()) {call}";
            if (expected == null) Assert.Equal(0L, Lua.Eval(Ffi + code));
            else Assert.Contains(expected, Error(code));
        }
    }

    /// <summary>An instance owns nothing but its bytes (its type block is the runtime's): no finalizer a script could call by hand.</summary>
    [Fact]
    public void InstancesHaveNoFinalizer() =>
        Assert.Equal(true, Lua.Eval(Ffi + "return debug.getmetatable(P()).__gc == nil and debug.getmetatable(P().name).__gc == nil"));

    [Fact]
    public void TheInstanceMetatableOnAnotherUserdataGivesNoAccess() =>
        Assert.Contains("struct or array instance expected", Error("""
            local b = ffi.buffer(64)
            debug.setmetatable(b, debug.getmetatable(P()))
            return b.x
            """));

    [Fact]
    public void FfiStringAndCastAreBoundedByTheViewsSize()
    {
        Assert.Contains("5 bytes asked of an object of 4 bytes", Error("return ffi.string(P().name, 5)"));
        Assert.Contains("does not fit in the 4 bytes given", Error("return ffi.cast(P().name, 'i64')"));
    }

    [Fact]
    public void TheRuntimeKeepsWorkingAfterTheErrors() =>
        Assert.Equal(3L, Lua.Eval(Ffi + "pcall(function() return P().nope end) pcall(function() P{ a = { 1, 2, 3, 4 } } end) return P{ x = 3 }.x"));
}
