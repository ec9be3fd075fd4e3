using Lunet.Tests.Support;

namespace Lunet.Tests.Instances;

/// <summary>ffi.new and struct instances: zero-filled Lua-owned native memory, fields, views, arrays, initialisation, tostring.</summary>
public class InstanceTests
{
    const string Ffi = """
        local ffi = require('ffi')
        local Color = ffi.struct('struct Color { unsigned char r, g, b; }')
        local P = ffi.struct('struct P { int x; double y; struct Color col; char name[8]; int a[3]; void *p; unsigned f : 3; int s : 4; }')

        """;

    static object? Eval(string code) => Lua.Eval(Ffi + code);

    [Theory]
    [InlineData("ffi.new(Color)")]
    [InlineData("ffi.new('Color')")]
    [InlineData("ffi.new('struct Color')")]
    [InlineData("Color()")]
    [InlineData("Color:new()")]
    [InlineData("Color.new()")]
    public void EveryConstructorGivesAZeroFilledInstance(string make) =>
        Assert.Equal("0 0 0 3", Eval($"local c = {make} return c.r .. ' ' .. c.g .. ' ' .. c.b .. ' ' .. ffi.sizeof(c)"));

    [Theory]
    [InlineData("ffi.new(Color, { g = 7 })")]
    [InlineData("Color{ g = 7 }")]
    [InlineData("Color:new{ g = 7 }")]
    [InlineData("Color.new{ g = 7 }")]
    public void EveryConstructorTakesAnInitTable(string make) =>
        Assert.Equal("Color { r = 0, g = 7, b = 0 }", Eval($"return tostring({make})"));

    [Fact]
    public void ScalarFieldsReadAndWriteWithTheSharedConversions() =>
        Assert.Equal("-5 2.5 200 true", Eval("""
            local p = P()
            p.x = -5; p.y = 2.5; p.col.r = 200
            return p.x .. ' ' .. p.y .. ' ' .. p.col.r .. ' ' .. tostring(math.type(p.x) == 'integer')
            """));

    [Fact]
    public void NestedRecordsAreViewsIntoTheSameMemoryThatKeepTheOwnerAlive() =>
        Assert.Equal(9L, Eval("""
            local col = P{ col = { b = 9 } }.col
            collectgarbage(); collectgarbage()
            local other = P() -- reuses freed memory if the owner had been collected
            return col.b
            """));

    [Fact]
    public void AViewWritesThroughToItsOwner() =>
        Assert.Equal(4L, Eval("local p = P() local v = p.a v[1] = 4 return p.a[1]"));

    [Fact]
    public void ArraysIndexFromZeroAndHaveTheirCountAsLength() =>
        Assert.Equal("3 1 3 0", Eval("""
            local p = P{ a = { 1, 2, 3 } }
            local arr = ffi.new('int[4]', { 1, 2, 3 })
            return #p.a .. ' ' .. p.a[0] .. ' ' .. p.a[2] .. ' ' .. arr[3]
            """));

    [Fact]
    public void ArraysOfRecordsInitFromNestedTables() =>
        Assert.Equal("struct Color[2] { Color {...}, Color {...} } 2 5", Eval("""
            local cs = ffi.new('Color[2]', { { r = 1 }, { b = 5 } })
            return tostring(cs) .. ' ' .. #cs .. ' ' .. cs[1].b
            """));

    [Fact]
    public void ACharArrayTakesAStringNulPaddedAndFfiStringReadsIt() =>
        Assert.Equal("hi|hi\0\0\0\0\0\0|abcdefgh", Eval("""
            local p = P{ name = 'abcdefgh' }
            local full = ffi.string(p.name) -- no NUL: bounded by the array
            p.name = 'hi'
            return ffi.string(p.name) .. '|' .. ffi.string(p.name, 8) .. '|' .. full
            """));

    [Fact]
    public void InstancesPassAsPointerArgumentsSoCCanUseTheirAddress() =>
        Assert.Equal("5 65", Eval("""
            local lib = ffi.open(TESTLIB)
            local p = P{ name = 'hello' }
            local n = lib:call('str_len', 'u64', { 'pointer' }, p.name)
            ffi.C:call('memset', 'pointer', { 'pointer', 'i32', 'u64' }, p.col, 65, 3)
            return n .. ' ' .. p.col.g
            """));

    [Fact]
    public void PointerFieldsReadAsPointersAndTakeWhatAPointerArgumentTakes() =>
        Assert.Equal(true, Eval("""
            local p, c = P(), Color()
            p.p = c
            local same = p.p == ffi.pointer(ffi.address(c))
            p.p = nil
            return same and ffi.isNull(p.p)
            """));

    [Fact]
    public void BitfieldsReadAndWriteTheirBitsOnly() =>
        Assert.Equal("5 -3 7 -8 0", Eval("""
            local p = P{ f = 5, s = -3 }
            local a, b = p.f, p.s
            p.f = 15; p.s = 8 -- keep the low bits, as C does
            return a .. ' ' .. b .. ' ' .. p.f .. ' ' .. p.s .. ' ' .. p.x
            """));

    [Fact]
    public void AnInstanceAssignsToAFieldOfItsTypeByCopy() =>
        Assert.Equal("3 1", Eval("""
            local p, c = P(), Color{ r = 3 }
            p.col = c
            c.r = 1
            return p.col.r .. ' ' .. c.r
            """));

    [Fact]
    public void ToStringShowsTheTypeAndTheFieldsAbbreviatingNestedOnes() =>
        Assert.Equal("P { x = 1, y = 2.5, col = Color {...}, name = i8[8] {...}, a = i32[3] {...}, p = 0x0, f = 0, s = 0 }",
            Eval("return tostring(P{ x = 1, y = 2.5 })"));

    [Fact]
    public void SizeofAlignofOffsetofAcceptInstancesAndViews() =>
        Assert.Equal(true, Eval("""
            local p = P()
            return ffi.sizeof(p) == ffi.sizeof('struct P') and ffi.sizeof(p.col) == 3 and ffi.sizeof(p.a) == 12
               and ffi.alignof(p) == ffi.alignof(P) and ffi.offsetof(p, 'col') == ffi.offsetof('P', 'col')
            """));

    [Fact]
    public void AnonymousMembersAreReachedAsInC() =>
        Assert.Equal("7 2", Eval("""
            local U = ffi.struct('struct U { int tag; union { int i; float f; }; struct { unsigned lo : 4, hi : 4; }; }')
            local u = U{ i = 7, hi = 2 }
            return u.i .. ' ' .. u.hi
            """));

    [Fact]
    public void BufferReadOfAStructIsAViewAndWriteCopiesATableOrAnInstance() =>
        Assert.Equal("7 7 9 3", Eval("""
            local b = ffi.buffer(16)
            b:write(4, 'struct Color', { r = 7 })
            local v = b:read(4, 'Color')
            local first = v.r
            b = nil; collectgarbage(); collectgarbage() -- the view keeps the Buffer alive
            v.g = 9
            local b2 = ffi.buffer(3)
            b2:write(0, 'Color', Color{ b = 3 })
            return first .. ' ' .. v.r .. ' ' .. v.g .. ' ' .. b2:read(2, 'u8')
            """));

    [Fact]
    public void CastToAStructGivesAViewThatKeepsAnInstanceAlive() =>
        Assert.Equal("5 5", Eval("""
            local v = ffi.cast(Color{ g = 5 }, 'struct Color')
            collectgarbage(); collectgarbage()
            local p = P() -- would reuse the memory of a collected instance
            local raw = ffi.cast(ffi.pointer(ffi.address(v)), 'Color')
            return v.g .. ' ' .. raw.g
            """));

    [Fact]
    public void BufferReadOfAStructIsBoundsChecked()
    {
        using var rt = Lua.NewRuntime();
        Assert.Contains("out of bounds", Lua.Error(rt, Ffi + "return ffi.buffer(4):read(2, 'Color')"));
    }
}
