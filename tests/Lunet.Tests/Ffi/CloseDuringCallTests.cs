using Lunet.Tests.Support;

namespace Lunet.Tests.Ffi;

/// <summary>
/// lib:close() while one of the library's functions is running (it called a callback that
/// closed it) takes effect when the last such call returns: the library's code stays mapped
/// until then, so the function returns into it; calls through the library are errors at once;
/// the file is unmapped once the outermost ffi call has returned (seen in /proc/self/maps).
/// The library (tests/native/close_during_call.c) is opened by these tests only.
/// </summary>
public class CloseDuringCallTests
{
    const string Prelude = """
        ffi = require('ffi')
        lib = ffi.open(CLOSELIB)
        lib:cdef[[int close_call_through(int (*hook)(int), int x); int close_call_twice(int (*hook)(int), int x); int close_answer(void);]]
        function mapped()
          for line in io.lines('/proc/self/maps') do
            if line:find(CLOSELIB, 1, true) then return true end
          end
          return false
        end

        """;

    static LuaRuntime NewRuntime(FfiAccess access)
    {
        var path = NativeBuild.SharedLibrary("close_during_call.c");
        var options = new LuaRuntimeOptions { Ffi = access };
        if (access == FfiAccess.AllowList) options.AllowedLibraries.Add(path);
        var rt = Lua.NewRuntime(options);
        rt.SetGlobal("CLOSELIB", path);
        rt.DoString(Prelude, "=prelude");
        return rt;
    }

    [Theory]
    [InlineData(FfiAccess.Full)]
    [InlineData(FfiAccess.AllowList)]
    public void CloseInACallbackTakesEffectWhenTheCallReturns(FfiAccess access)
    {
        using var rt = NewRuntime(access);
        var r = rt.DoString("""
            assert(mapped())
            local during, inner
            local result = lib.close_call_through(function(x)
              lib:close()
              during = mapped()
              inner = select(2, pcall(lib.close_answer))
              return x + 1
            end, 20)
            return result, during, inner, mapped(), select(2, pcall(lib.close_answer)), tostring(lib)
            """);
        Assert.Equal(43L, r[0]);                                  // the library's code ran after the callback
        Assert.Equal(true, r[1]);                                 // still mapped inside the callback
        Assert.Contains("is closed", (string)r[2]!);              // but closed for new calls at once
        Assert.Equal(false, r[3]);                                // unmapped once the call returned
        Assert.Contains("is closed", (string)r[4]!);
        Assert.EndsWith("(closed)", (string)r[5]!);
    }

    [Fact]
    public void NestedCallsAfterTheCloseAndASecondCallbackKeepItMappedUntilTheOutermostReturns()
    {
        using var rt = NewRuntime(FfiAccess.Full);
        var r = rt.DoString("""
            ffi.cdef[[int abs(int);]]
            local seen = {}
            local result = lib.close_call_twice(function(x)
              if x == 5 then lib:close() end
              seen[#seen + 1] = ffi.C.abs(-x)     -- an ffi call returning inside the callback: not the outermost
              seen[#seen + 1] = mapped()
              return x + 1
            end, 5)
            return result, seen[1], seen[2], seen[3], seen[4], mapped()
            """);
        Assert.Equal([6L + 7L, 5L, true, 6L, true, false], r);
    }

    [Fact]
    public void CloseOutsideAnyCallUnmapsAtOnce()
    {
        using var rt = NewRuntime(FfiAccess.Full);
        Assert.Equal([42L, false], rt.DoString("local a = lib.close_answer() lib:close() return a, mapped()"));
    }
}
