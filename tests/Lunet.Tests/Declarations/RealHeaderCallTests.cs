using Lunet.Tests.Support;

namespace Lunet.Tests.Declarations;

/// <summary>The preprocessed system headers (cc -E -P) declared whole with cdef, then used: their functions called, their structs filled by C.</summary>
public class RealHeaderCallTests
{
    const string Ffi = "local ffi = require('ffi'); ";

    public static TheoryData<string> Headers() => [.. SystemHeaders.All];

    [Theory]
    [MemberData(nameof(Headers))]
    public void EachHeaderDeclaresAsAWholeInAFreshRuntime(string header)
    {
        using var rt = Lua.NewRuntime();
        rt["header"] = SystemHeaders.Preprocessed(header);
        rt.DoString(Ffi + "ffi.cdef(header)", "=test");
    }

    [Fact]
    public void AllHeadersDeclareInOneRuntimeInEitherOrder()
    {
        foreach (var order in new[] { SystemHeaders.All, SystemHeaders.All.Reverse().ToArray() })
        {
            using var rt = Lua.NewRuntime();
            foreach (var header in order)
            {
                rt["header"] = SystemHeaders.Preprocessed(header);
                try { rt.DoString(Ffi + "ffi.cdef(header)", "=test"); }
                catch (LuaScriptException e) { Assert.Fail($"<{header}> after [{string.Join(", ", order.TakeWhile(h => h != header))}]: {e.Message}"); }
            }
            // And once more: every declaration again means the same.
            rt["header"] = SystemHeaders.Preprocessed("stdio.h");
            rt.DoString(Ffi + "ffi.cdef(header)", "=test");
        }
    }

    [Fact]
    public void ZlibCompressAndUncompressRoundTripThroughZlibH()
    {
        using var rt = Lua.NewRuntime();
        rt["zlib_h"] = SystemHeaders.Preprocessed("zlib.h");
        Assert.Equal("true|0|0|true|true", rt.DoString(Ffi + """
            local z = ffi.open('z')
            z:cdef(zlib_h)
            local text = string.rep('the quick brown fox jumps over the lazy dog ', 200)
            local source = ffi.buffer(#text); source:writeBytes(0, text)
            local bound = z.compressBound(#text)
            local packed = ffi.buffer(bound)
            local packedLen = ffi.new('uLongf[1]', { bound })
            local rc1 = z.compress(packed, packedLen, source, #text)
            local out = ffi.buffer(#text)
            local outLen = ffi.new('uLongf[1]', { #text })
            local rc2 = z.uncompress(out, outLen, packed, packedLen[0])
            return table.concat({ tostring(packedLen[0] < #text), rc1, rc2, tostring(outLen[0] == #text), tostring(out:readBytes(0, outLen[0]) == text) }, '|')
            """, "=test")[0]);
        Assert.Equal(rt.DoString(Ffi + "return ffi.open('z'):call('zlibVersion', 'string', {})")[0],
            rt.DoString(Ffi + "local z = ffi.open('z'); z:cdef(zlib_h); return z.zlibVersion()")[0]);
    }

    [Fact]
    public void LocaltimeRFillsTheStructTmOfTimeHAsOsDateReadsIt()
    {
        using var rt = Lua.NewRuntime();
        rt["time_h"] = SystemHeaders.Preprocessed("time.h");
        // Times in winter and summer (daylight saving differs), and now.
        foreach (var when in new[] { "1700000000", "1720000000", "os.time()" })
        {
            var r = (string)rt.DoString(Ffi + $$"""
                local c = ffi.open('c')
                c:cdef(time_h)
                local t = {{when}}
                local tm = ffi.new('struct tm')
                local result = c.localtime_r(ffi.new('time_t[1]', { t }), tm)
                local d = os.date('*t', t)
                local mine = { tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, tm.tm_wday + 1, tm.tm_yday + 1, tostring(tm.tm_isdst > 0), ffi.string(tm.tm_zone) }
                local lua = { d.year, d.month, d.day, d.hour, d.min, d.sec, d.wday, d.yday, tostring(d.isdst), os.date('%Z', t) }
                return table.concat(mine, ',') .. ' = ' .. table.concat(lua, ',') .. ' ' .. tostring(result ~= nil)
                """, "=test")[0]!;
            var sides = r[..r.LastIndexOf(' ')].Split(" = ");
            Assert.Equal(sides[1], sides[0]);
            Assert.EndsWith("true", r);
        }
    }

    [Fact]
    public void StatOfSysStatHGivesTheSizeAndModeThatStatPrints()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"lunet-stat-{Environment.ProcessId}");
        Directory.CreateDirectory(dir);
        var file = Path.Combine(dir, "data.bin");
        File.WriteAllBytes(file, new byte[12345]);
        try
        {
            foreach (var path in new[] { file, dir, "/dev/null" })
            {
                var expected = NativeBuild.Run("stat", $"-c \"%s %f\" \"{path}\"").Trim();
                using var rt = Lua.NewRuntime();
                rt["stat_h"] = SystemHeaders.Preprocessed("sys/stat.h");
                rt["path"] = path;
                Assert.Equal(expected, rt.DoString(Ffi + """
                    local c = ffi.open('c')
                    c:cdef(stat_h)
                    local st = ffi.new('struct stat')
                    assert(c.stat(path, st) == 0, 'stat failed')
                    return ('%d %x'):format(st.st_size, st.st_mode)
                    """, "=test")[0]);
            }
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void TheOtherHeadersFunctionsAreCalledThroughTheirDeclarations()
    {
        using var rt = Lua.NewRuntime();
        foreach (var h in new[] { "stdio.h", "stdlib.h", "string.h", "math.h", "pthread.h", "sqlite3.h" })
            rt[h.Replace('.', '_')] = SystemHeaders.Preprocessed(h);
        var file = Path.Combine(Path.GetTempPath(), $"lunet-stdio-{Environment.ProcessId}.txt");
        rt["file"] = file;
        try
        {
            Assert.Equal("true|written|255|true|5|hello|true|true|true|true", rt.DoString(Ffi + """
                local c = ffi.open('c')
                c:cdef(stdio_h); c:cdef(stdlib_h); c:cdef(string_h); c:cdef(pthread_h)
                local m = ffi.open('m')
                m:cdef(math_h)
                local sqlite = ffi.open('sqlite3')
                sqlite:cdef(sqlite3_h)
                -- stdio.h: FILE* from fopen, written with fputs, closed with fclose.
                local f = c.fopen(file, 'w')
                local wrote = c.fputs('written', f) >= 0 and c.fclose(f) == 0
                local back = io.open(file):read('a')
                -- stdlib.h and string.h: strtol, strlen, memcpy between Buffers.
                local src, dst = ffi.buffer(6), ffi.buffer(6)
                src:writeString(0, 'hello')
                c.memcpy(dst, src, 6)
                local results = { tostring(wrote), back, c.strtol('ff', nil, 16), tostring(c.getenv('PATH') == os.getenv('PATH')),
                  c.strlen('hello'), dst:readString(0),
                  -- math.h: libm's own functions; its long double ones are refused when read.
                  tostring(m.cos(0.5) == math.cos(0.5) and m.ldexp(3, 4) == 48),
                  tostring(not pcall(function() return m.sinl end)),
                  -- pthread.h: the calling thread, as a direct call sees it.
                  tostring(c.pthread_self() == ffi.C:call('pthread_self', 'unsigned long', {})),
                  -- sqlite3.h: the library's version through its declarations.
                  tostring(sqlite.sqlite3_libversion() == sqlite:call('sqlite3_libversion', 'string', {}) and sqlite.sqlite3_libversion_number() > 3000000) }
                return table.concat(results, '|')
                """, "=test")[0]);
            Assert.Contains("sinl: returning a value of type long double is not supported",
                Lua.Error(rt, Ffi + "local m = ffi.open('m'); m:cdef(math_h); return m.sinl"));
            // stdio.h's variadic snprintf, through its real declaration.
            Assert.Equal("7 and seven", rt.DoString(Ffi + "local c = ffi.open('c'); c:cdef(stdio_h); local b = ffi.buffer(32); c.snprintf(b, 32, '%d and %s', 7, 'seven') return b:readString(0)", "=test")[0]);
        }
        finally { File.Delete(file); }
    }
}
