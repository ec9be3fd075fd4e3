using System.Runtime.InteropServices;
using Lunet.Ffi.Libraries;
using Lunet.Ffi.Libraries.Exports;
using Lunet.Interop;
using Lunet.Tests.Support;

namespace Lunet.Tests.Policy;

/// <summary>
/// Random lookups and calls under an allow-list of one library (libz, or the C library
/// through ffi.C), fixed seed: symbol names drawn from the exports of libc, libm, libz,
/// liblua, the dynamic loader and a spy library loaded into the process, through
/// hasSymbol/getSymbol/call/wrap/value, ffi.C, and ffi.open of random names and paths.
/// No unlisted symbol is ever found, every pointer obtained lies in a mapping of the
/// allowed file (read from /proc/self/maps, not from the loader the runtime asks), every
/// library opened is that file, and no spy function ran.
/// </summary>
public class PolicyFuzzTests
{
    const string LibZ = "/usr/lib/x86_64-linux-gnu/libz.so.1";

    static IEnumerable<string> ExportNames(string path) => ExportReader.Read(path).Select(e => e.Name);

    [Theory]
    [InlineData("z")]
    [InlineData("c")]
    public void RandomLookupsReachNoUnlistedSymbol(string kind)
    {
        var spyPath = NativeBuild.SharedLibrary("policy_spy.c");
        var spy = NativeLibrary.Load(spyPath);
        var spyCalls = NativeLibrary.GetExport(spy, "policy_spy_calls");
        var libc = LibC.FileOf(NativeLibrary.GetExport(LibC.Handle, "strlen"))!;
        var liblua = LibC.FileOf(NativeLibrary.GetExport(LuaApi.Handle, "lua_pushnil"))!;
        var allowedPath = kind == "z" ? LibZ : libc;
        var own = ExportNames(allowedPath).ToHashSet();
        var unlisted = new[] { libc, LibZ, "/lib/x86_64-linux-gnu/libm.so.6", liblua, "/lib64/ld-linux-x86-64.so.2", spyPath }
            .SelectMany(ExportNames).Where(n => !own.Contains(n)).Distinct().Order(StringComparer.Ordinal).ToList();
        Assert.Contains(kind == "z" ? "system" : "crc32", unlisted);
        Assert.Contains("policy_spy_hit", unlisted);

        var options = new LuaRuntimeOptions { Ffi = FfiAccess.AllowList };
        options.AllowedLibraries.Add(kind == "z" ? LibZ : "c");
        using var rt = Lua.NewRuntime(options);
        rt.SetGlobal("OWN", string.Join('\n', own.Order(StringComparer.Ordinal)));
        rt.SetGlobal("UNLISTED", string.Join('\n', unlisted));
        rt.SetGlobal("LIBZ", LibZ);
        rt.SetGlobal("KIND", kind);
        rt.SetGlobal("OTHERS", string.Join('\n', libc, liblua, spyPath, Lua.TestLib, "/lib/x86_64-linux-gnu/libm.so.6"));
        var r = rt.DoString("""
            local ffi = require('ffi')
            math.randomseed(20261201)
            local R = math.random
            local function lines(s) local t = {} for l in s:gmatch('[^\n]+') do t[#t + 1] = l end return t end
            local own, unlisted, others = lines(OWN), lines(UNLISTED), lines(OTHERS)
            local isOwn = {} for _, n in ipairs(own) do isOwn[n] = true end
            -- Unlisted functions safe to call without arguments (if the policy let them through):
            -- the spy's, which count their calls, and a few of libc's.
            local callable = { 'policy_spy_hit', 'policy_spy_add', 'policy_spy_ptr', 'getpid', 'getuid', 'getppid', 'rand' }
            local isCallable = {} for _, n in ipairs(callable) do isCallable[n] = true end
            -- (A NUL byte ends what the loader reads of a name: only unlisted names come before one here.)
            local garbage = { '', 'x', ('a'):rep(300), 'policy_spy_hit\0', 'policy_spy_hit\0crc32', 'zlibVersion ', 'CRC32', 'deflate@@ZLIB_1.2.0' }
            local function name()
              local k = R(10)
              if k <= 5 then return unlisted[R(#unlisted)] elseif k == 6 then return callable[R(#callable)]
              elseif k <= 9 then return own[R(#own)] end
              return garbage[R(#garbage)]
            end
            local up = ('../'):rep(40)
            local function libraryName()
              local k = R(12)
              if k == 1 then return LIBZ elseif k == 2 then return '/proc/self/root' .. LIBZ
              elseif k == 3 then return '/proc/self/cwd/' .. up .. LIBZ:sub(2) elseif k == 4 then return 'z'
              elseif k == 5 then return 'libz.so.1' elseif k == 6 then return ({ 'c', 'm', 'lua54', 'dl', 'pthread', 'testlib' })[R(6)]
              elseif k == 7 then return '/proc/self/cwd/' .. up .. others[R(#others)]:sub(2)
              elseif k == 8 then return ({ '/dev/zero', '/dev/null', '/tmp', '/', '', './libz.so.1', 'libz.so.1/' })[R(7)]
              elseif k == 9 then return '/proc/self/exe' end
              return others[R(#others)]
            end
            local libs = KIND == 'z' and { ffi.open(LIBZ) } or { ffi.C, ffi.open('c') }
            local addresses, opened, problems = {}, {}, {}
            local counts = { found = 0, refused = 0, calls = 0, opens = 0 }
            local function problem(text) if #problems < 20 then problems[#problems + 1] = text end end
            local function refused(what, ok, err)
              if ok then problem(what .. ' succeeded') return end
              counts.refused = counts.refused + 1
              if type(err) ~= 'string' or not (err:find('not found', 1, true) or err:find('NUL', 1, true) or err:find('name', 1, true)) then
                problem(what .. ': ' .. tostring(err))
              end
            end
            local ops = {
              function(lib, n)
                -- An own name may still be absent: the export table also lists compat-only
                -- versions (libc's xdr_*), which dlsym does not give.
                local ok, has = pcall(lib.hasSymbol, lib, n)
                if ok and has and not isOwn[n] then problem('hasSymbol ' .. n .. ' = true') end
              end,
              function(lib, n)
                local ok, p = pcall(lib.getSymbol, lib, n)
                if isOwn[n] then
                  if ok then addresses[ffi.address(p)] = n; counts.found = counts.found + 1
                  elseif p:find('depends on', 1, true) then problem('getSymbol ' .. n .. ': ' .. p) end
                else refused('getSymbol ' .. n, ok, p) end
              end,
              function(lib, n)
                if isOwn[n] then return end -- libz's own functions are not called with made-up arguments
                if isCallable[n] then refused('call ' .. n, pcall(lib.call, lib, n, 'i32', {}))
                -- Any other: an argument that fails to convert, so a symbol found by mistake is never called.
                else refused('call ' .. n, pcall(lib.call, lib, n, 'i32', { 'i32' }, 'not a number')) end
              end,
              function(lib, n)
                local ok, f = pcall(lib.wrap, lib, 'i32', n)
                if isOwn[n] then return end
                refused('wrap ' .. n, ok, f)
              end,
              function(lib, n)
                local ok, v = pcall(lib.value, lib, 'u8', n)
                if not isOwn[n] then refused('value ' .. n, ok, v) end
              end,
              function()
                local ok, C = pcall(function() return ffi.C end)
                if KIND == 'c' then
                  if ok then opened[C.path] = true else problem('ffi.C: ' .. tostring(C)) end
                elseif ok then problem('ffi.C reachable') end
              end,
              function()
                local ok, lib = pcall(ffi.open, libraryName())
                if ok then
                  counts.opens = counts.opens + 1
                  opened[lib.path] = true
                  if #libs < 8 then libs[#libs + 1] = lib end
                end
              end,
              KIND == 'c' and function(lib)
                counts.calls = counts.calls + 1
                if lib:call('strlen', 'size_t', { 'string' }, 'abc') ~= 3 or lib:call('abs', 'int', { 'int' }, -4) ~= 4
                  or lib:wrap('int', 'toupper', 'int')(97) ~= 65 then problem('libc call gave a wrong result') end
              end or function(lib)
                counts.calls = counts.calls + 1
                if lib:call('crc32', 'u32', { 'u32', 'pointer', 'u32' }, 0, nil, 0) ~= 0
                  or lib:call('adler32', 'u32', { 'u32', 'pointer', 'u32' }, 1, nil, 0) ~= 1
                  or not lib:wrap('string', 'zlibVersion')():find('^1%.') then problem('libz call gave a wrong result') end
              end,
            }
            for i = 1, 100000 do
              ops[R(#ops)](libs[R(#libs)], name())
              if i % 20000 == 0 then collectgarbage() end
            end
            local list = {}
            for a, n in pairs(addresses) do list[#list + 1] = a .. ' ' .. n end
            local paths = {}
            for p in pairs(opened) do paths[#paths + 1] = p end
            return table.concat(problems, '\n'), table.concat(list, '\n'), table.concat(paths, '\n'),
                   counts.found, counts.refused, counts.calls, counts.opens
            """);
        Assert.Equal("", r[0]);
        Assert.Equal(0, Marshal.ReadInt32(spyCalls));
        Assert.True((long)r[3]! > 2000 && (long)r[4]! > 20000 && (long)r[5]! > 5000 && (long)r[6]! > 500,
            $"found {r[3]}, refused {r[4]}, allowed calls {r[5]}, opens {r[6]}");

        // Every pointer lies in a mapping of the allowed file, by the kernel's account (or,
        // for an IFUNC of the C library such as time, in the vDSO the kernel maps for it).
        Assert.True(FileIdentity.TryOf(allowedPath, out var allowed, out _, out _));
        var mappings = MappingsOf(allowed);
        Assert.NotEmpty(mappings);
        var addresses = ((string)r[1]!).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(addresses.Length > 50, $"{addresses.Length} distinct addresses");
        foreach (var line in addresses)
        {
            var address = ulong.Parse(line.Split(' ')[0]);
            Assert.True(mappings.Any(m => address >= m.Start && address < m.End), $"{line} lies outside {allowedPath}");
        }
        // Every library opened, by whichever name or path, is the allowed one.
        foreach (var path in ((string)r[2]!).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            Assert.True(FileIdentity.TryOf(path, out var id, out _, out _), path);
            Assert.Equal(allowed, id);
        }
    }

    /// <summary>The address ranges /proc/self/maps shows for the file with <paramref name="file"/>'s inode, and the vDSO's.</summary>
    static List<(ulong Start, ulong End)> MappingsOf(FileIdentity file)
    {
        var result = new List<(ulong, ulong)>();
        foreach (var line in File.ReadLines("/proc/self/maps"))
        {
            // start-end perms offset dev inode path
            var f = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 5 || (ulong.Parse(f[4]) != file.Inode && !(f.Length == 6 && f[5].Trim() == "[vdso]"))) continue;
            var range = f[0].Split('-');
            result.Add((Convert.ToUInt64(range[0], 16), Convert.ToUInt64(range[1], 16)));
        }
        return result;
    }
}
