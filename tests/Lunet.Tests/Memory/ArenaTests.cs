using Lunet.Tests.Support;

namespace Lunet.Tests.Memory;

/// <summary>
/// ffi.arena(): allocations are Buffers at the absolute alignment asked for (C checks the
/// addresses, tests/native/aligned_test.c, and loads an over-aligned struct with an aligned vector
/// load), zero-filled and disjoint; the counters count what was asked for until reset(); Buffers
/// handed out before a reset stay valid, and what nobody holds is freed.
/// </summary>
public class ArenaTests
{
    // The over-aligned types and the C checks of the alignment tests.
    static object?[] Run(string code) => AlignmentTests.Run(code);

    [Fact]
    public void AllocAlignsTheAbsoluteAddress()
    {
        Assert.Equal("ok", Run("""
            local arena = ffi.arena()
            local keep = {}
            for round = 1, 3 do
              local align = 1
              while align <= 4096 do
                for size = 1, 37, 9 do
                  local b = arena:alloc(size, align)
                  assert(#b == size)
                  assert(aligned_to(b, align) == 1, 'align ' .. align .. ' size ' .. size .. ' round ' .. round)
                  keep[#keep + 1] = b
                end
                align = align * 2
              end
              -- a request larger than a block gets a block of its own, aligned too
              local big = arena:alloc(100000 * round, 4096)
              assert(aligned_to(big, 4096) == 1 and #big == 100000 * round)
              keep[#keep + 1] = big
            end
            for i = 1, 100 do
              local b = arena:alloc(i)
              assert(aligned_to(b, 16) == 1, 'default alignment, size ' .. i)   -- 16 without an align
              keep[#keep + 1] = b
            end
            return 'ok'
            """)[0]);
    }

    [Fact]
    public void AllocArrayOfAnOverAlignedStruct()
    {
        Assert.Equal("ok", Run("""
            local arena = ffi.arena()
            arena:alloc(1, 1)                                   -- the next free byte is misaligned
            for n = 1, 9 do
              local arr = arena:allocArray('A32', n)
              assert(#arr == 32 * n and ffi.sizeof(arr) == 32 * n)
              for i = 0, n - 1 do
                local a = arr:read(i * 32, 'A32')                -- refused at a misaligned address
                a.v[0] = i; a.v[3] = 1
                assert(aligned_to(a, 32) == 1, n .. ': element ' .. i)
                assert(sum4(a) == i + 1)
              end
              arena:alloc(3, 1)
            end
            local pages = arena:allocArray('struct A4096', 3)
            assert(aligned_to(pages, 4096) == 1 and #pages == 3 * 4096)
            assert(pages:read(2 * 4096, 'struct A4096').x == 0)
            local typeobj = ffi.struct('struct P { char c; double d; }')
            local ps = arena:allocArray(typeobj, 5)
            assert(#ps == 5 * 16 and aligned_to(ps, 8) == 1)
            local ints = arena:allocArray('int', 0)
            assert(#ints == 0)
            return 'ok'
            """)[0]);
    }

    [Fact]
    public void AllocationsAreZeroFilledAndDisjoint()
    {
        Assert.Equal("ok", Run("""
            local arena = ffi.arena()
            local bufs = {}
            for i = 1, 2000 do
              local b = arena:alloc(i % 97 + 1, 1 << (i % 8))
              assert(b:readBytes(0, #b) == string.rep('\0', #b), 'allocation ' .. i .. ' is not zeroed')
              b:writeBytes(0, string.rep(string.char(i % 256), #b))
              bufs[i] = b
            end
            for i = 1, 2000 do
              local b = bufs[i]
              assert(b:readBytes(0, #b) == string.rep(string.char(i % 256), #b), 'allocation ' .. i .. ' was overwritten')
            end
            return 'ok'
            """)[0]);
    }

    [Fact]
    public void CountersCountWhatWasAskedForUntilReset()
    {
        var r = Run("""
            local arena = ffi.arena()
            local t0, c0 = arena.totalAllocated, arena.allocationCount
            arena:alloc(10)
            arena:alloc(1, 4096)
            arena:allocArray('double', 4)
            arena:alloc(200000)
            local t1, c1 = arena.totalAllocated, arena.allocationCount
            arena:reset()
            return t0, c0, t1, c1, arena.totalAllocated, arena.allocationCount, tostring(arena)
            """);
        Assert.Equal([0L, 0L, 10L + 1 + 32 + 200000, 4L, 0L, 0L, "Arena(0 allocations, 0 bytes)"], r);
    }

    [Fact]
    public void BuffersHandedOutBeforeResetStayValid()
    {
        Assert.Equal("ok", Run("""
            local arena = ffi.arena()
            local old = arena:alloc(64)
            old:writeString(0, 'still here')
            local oldArray = arena:allocArray('A32', 2)
            oldArray:write(32, 'f64', 7)
            arena:reset()
            collectgarbage(); collectgarbage()
            -- new allocations never land on memory a Buffer still holds
            for i = 1, 5000 do
              local b = arena:alloc(64)
              b:writeBytes(0, string.rep('\255', 64))
            end
            arena:reset()
            collectgarbage(); collectgarbage()
            assert(old:readString(0) == 'still here')
            assert(sum4(oldArray:read(32, 'A32')) == 7)
            return 'ok'
            """)[0]);
    }

    [Fact]
    public void ResetFreesWhatNobodyHolds()
    {
        using var rt = Lua.NewRuntime();
        const string Cycles = """
            local ffi = require('ffi')
            local n = ...
            local arena = ffi.arena()
            for i = 1, n do
              arena:alloc(1 << 20)
              for j = 1, 4 do arena:alloc(100, 64) end
              arena:reset()
            end
            """;
        rt.DoString(Cycles, "=warm", 200L);
        rt.DoString("collectgarbage()");
        GC.Collect();
        long before = ProcessMemory.ResidentKiB();
        rt.DoString(Cycles, "=cycles", 10_000L);
        rt.DoString("collectgarbage()");
        long grown = ProcessMemory.ResidentKiB() - before;
        // 10,000 MiB went through the arena; what stays is what Lua's collector had not reached yet.
        Assert.True(grown < 64 * 1024, $"RSS grew by {grown} KiB");
    }

    [Theory]
    [InlineData("arena:alloc(1, 3)", "bad argument #2 to 'alloc' (align must be a power of two from 1 to 4096, got 3)")]
    [InlineData("arena:alloc(1, 0)", "bad argument #2 to 'alloc' (align must be a power of two from 1 to 4096, got 0)")]
    [InlineData("arena:alloc(1, -16)", "bad argument #2 to 'alloc' (align must be a power of two from 1 to 4096, got -16)")]
    [InlineData("arena:alloc(1, 8192)", "bad argument #2 to 'alloc' (align 8192 is larger than the limit of 4096)")]
    [InlineData("arena:alloc(1, 1.5)", "bad argument #2 to 'alloc' (align must be an integer, got 1.5)")]
    [InlineData("arena:alloc(1, 'x')", "bad argument #2 to 'alloc' (align expected, got string)")]
    [InlineData("arena:alloc(-1)", "bad argument #1 to 'alloc' (size must not be negative, got -1)")]
    [InlineData("arena:alloc(math.maxinteger)", "bad argument #1 to 'alloc' (size 9223372036854775807 is larger than the limit of 1099511627776 bytes (2^40))")]
    [InlineData("arena:alloc(2^62)", "bad argument #1 to 'alloc' (size 4611686018427387904 is larger than the limit")]
    [InlineData("arena:alloc()", "bad argument #1 to 'alloc' (size expected, got no value)")]
    [InlineData("arena.alloc(16)", "bad self to 'alloc' (Arena expected, got number; call it with a colon: arena:alloc(...))")]
    [InlineData("arena.reset(ffi.buffer(8))", "bad self to 'reset' (Arena expected, got Buffer; call it with a colon: arena:reset(...))")]
    [InlineData("arena:allocArray('int', math.maxinteger // 2)", "bad argument #2 to 'allocArray' (4611686018427387903 elements of i32 (4 bytes each) are more than the limit of 1099511627776 bytes (2^40))")]
    [InlineData("arena:allocArray('int', -1)", "bad argument #2 to 'allocArray' (count must not be negative, got -1)")]
    [InlineData("arena:allocArray('struct A8192', 1)", "bad argument #1 to 'allocArray' (struct A8192 is aligned to 8192 bytes; arenas align to at most 4096)")]
    [InlineData("arena:allocArray('void', 1)", "bad argument #1 to 'allocArray' (a type with a size expected, got void)")]
    [InlineData("arena:allocArray('struct Undefined', 1)", "bad argument #1 to 'allocArray' (struct Undefined is incomplete (declared, not defined))")]
    [InlineData("arena:allocArray(42, 1)", "bad argument #1 to 'allocArray' (type name expected, got number)")]
    [InlineData("arena.size = 1", "cannot set 'size' on an Arena: its members are read-only")]
    public void BadInputIsAClearError(string code, string message)
    {
        var r = Run($"local arena = ffi.arena()\nlocal ok, err = pcall(function() {code} end)\nreturn ok, err");
        Assert.Equal(false, r[0]);
        Assert.Contains(message, (string)r[1]!);
    }
}
