using Lunet.Tests.Support;

namespace Lunet.Tests.Memory;

/// <summary>
/// Over-aligned types (aligned to 32, 64, 4096): every instance, array and view into a Buffer
/// has the type's alignment, which C checks (tests/native/aligned_test.c) and relies on with an
/// aligned vector load; past <c>FfiLimits.MaxAlignment</c> ffi.new refuses, and a view into a
/// Buffer at a misaligned address is refused.
/// </summary>
public class AlignmentTests
{
    const string Prelude = """
        local ffi = require('ffi')
        local lib = ffi.open(ALIGNEDLIB)
        local aligned_to = lib:wrap('i32', 'aligned_to', 'pointer', 'u64')
        local sum4 = lib:wrap('f64', 'sum4_aligned', 'pointer')
        ffi.cdef[[
          typedef struct { _Alignas(32) double v[4]; } A32;
          struct A64 { double v[4]; } __attribute__((aligned(64)));
          struct A4096 { int x; } __attribute__((aligned(4096)));
          struct A8192 { int x; } __attribute__((aligned(8192)));
          struct Holder { char c; A32 inner; };
        ]]

        """;

    internal static object?[] Run(string code)
    {
        using var rt = Lua.NewRuntime();
        rt.SetGlobal("ALIGNEDLIB", NativeBuild.SharedLibrary("aligned_test.c"));
        return rt.DoString(Prelude + code, "=test");
    }

    [Fact]
    public void InstancesHaveTheirTypesAlignment()
    {
        Assert.Equal("ok", Run("""
            local keep = {}
            for i = 1, 200 do
              local a = ffi.new('A32', { v = { i, 2, 3, 4 } })
              assert(aligned_to(a, 32) == 1, 'A32 ' .. i)
              assert(sum4(a) == i + 9)
              local b = ffi.new('struct A64')
              assert(aligned_to(b, 64) == 1, 'A64 ' .. i)
              keep[#keep + 1] = a
              keep[#keep + 1] = b
            end
            for i = 1, 20 do
              local p = ffi.new('struct A4096', { x = i })
              assert(aligned_to(p, 4096) == 1, 'A4096 ' .. i)
              assert(p.x == i)
              keep[#keep + 1] = p
            end
            local h = ffi.new('struct Holder')
            assert(aligned_to(h, 32) == 1 and aligned_to(h.inner, 32) == 1)
            h.inner.v[3] = 5
            assert(sum4(h.inner) == 5)
            return 'ok'
            """)[0]);
    }

    [Fact]
    public void ArraysOfThemHaveEveryElementAligned()
    {
        Assert.Equal("ok", Run("""
            for n = 1, 9 do
              local arr = ffi.new('A32[' .. n .. ']')
              for i = 0, n - 1 do
                arr[i].v[0] = i
                assert(aligned_to(arr[i], 32) == 1, n .. ': element ' .. i)
                assert(sum4(arr[i]) == i)
              end
              local big = ffi.new('struct A64[' .. n .. ']')
              assert(aligned_to(big, 64) == 1 and aligned_to(big[n - 1], 64) == 1)
            end
            local pages = ffi.new('struct A4096[3]')
            assert(aligned_to(pages, 4096) == 1 and aligned_to(pages[2], 4096) == 1)
            return 'ok'
            """)[0]);
    }

    [Fact]
    public void PastTheLimitIsRefused()
    {
        var r = Run("""
            local ok, err = pcall(ffi.new, 'struct A8192')
            local ok2, err2 = pcall(ffi.new, 'struct A8192[2]')
            return ok, err, ok2, err2
            """);
        Assert.Equal(false, r[0]);
        Assert.Contains("ffi.new: struct A8192 is aligned to 8192 bytes; instances can be aligned to at most 4096", (string)r[1]!);
        Assert.Equal(false, r[2]);
        Assert.Contains("aligned to 8192 bytes", (string)r[3]!);
    }

    [Fact]
    public void ViewsIntoABufferMustBeAligned()
    {
        Assert.Equal("ok", Run("""
            local buf = ffi.buffer(256)
            local base = ffi.address(buf)
            local at = (32 - base % 32) % 32           -- the first offset whose address is 32-aligned
            buf:write(at, 'f64', 1); buf:write(at + 8, 'f64', 2); buf:write(at + 16, 'f64', 3); buf:write(at + 24, 'f64', 4)
            local v = buf:read(at, 'A32')
            assert(aligned_to(v, 32) == 1 and sum4(v) == 10)
            local s = buf:slice(at + 64, 32)
            assert(aligned_to(ffi.cast(s, 'A32'), 32) == 1)
            for _, off in ipairs({ at + 8, at + 16, at + 1 }) do
              local ok, err = pcall(buf.read, buf, off, 'A32')
              assert(not ok and err:find('Buffer:read: a A32 must be at an address aligned to 32 bytes', 1, true), err)
              ok, err = pcall(ffi.cast, buf:slice(off, 32), 'A32')
              assert(not ok and err:find('ffi.cast: a A32 must be at an address aligned to 32 bytes', 1, true), err)
            end
            -- an instance cast to an over-aligned type at a misaligned address: refused too
            local small = ffi.new('struct { double d[8]; }')
            if ffi.address(small) % 32 ~= 0 then
              local ok, err = pcall(ffi.cast, small, 'A32')
              assert(not ok and err:find('aligned to 32', 1, true), err)
            end
            -- scalars at any offset stay fine
            buf:write(at + 1, 'i32', 7)
            assert(buf:read(at + 1, 'i32') == 7)
            return 'ok'
            """)[0]);
    }
}
