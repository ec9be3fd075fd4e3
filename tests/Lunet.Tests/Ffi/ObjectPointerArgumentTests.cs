using Lunet.Ffi.Calls;
using Lunet.Ffi.Memory;
using Lunet.Tests.Support;
using static Lunet.Interop.LuaApi;

namespace Lunet.Tests.Ffi;

/// <summary>
/// ffi memory objects (Buffers, slices, instances, views, arrays, callbacks) passed to pointer and
/// char* parameters: the native stub reads their address itself (Ffi/Calls/NativeStubCompiler.cs,
/// the NativeObject protocol), the managed stub through C#, and both must give C the same address and
/// refuse the same values with the same message. The C# helper's call count shows that the native
/// path, not the helper, handled each object.
/// </summary>
public class ObjectPointerArgumentTests
{
    const string Prelude = """
        local ffi = require('ffi')
        local lib = ffi.open(TESTLIB)
        local native = lib:wrap('pointer', 'id_ptr', 'pointer')
        local managed = MANAGED_ID_PTR -- the same function through a binding that never takes the native stub
        ffi.cdef('struct opa_point { int32_t x, y; }; struct opa_outer { int64_t tag; struct opa_point p; };')
        local function show(ok, v)
          if not ok then return 'error: ' .. tostring(v):gsub('^test:%d+: ', '') end
          return 'pointer ' .. ffi.address(v)
        end
        local function same(what, v, want)
          local a, b = show(pcall(native, v)), show(pcall(managed, v))
          if a ~= b then error(('%s: native %s, managed %s'):format(what, a, b), 2) end
          if want and a ~= want then error(('%s: %s, expected %s'):format(what, a, want), 2) end
          return a
        end
        """;

    /// <summary>A runtime whose global MANAGED_ID_PTR is id_ptr through the managed stub (the portable path).</summary>
    static unsafe LuaRuntime NewRuntime()
    {
        var rt = Lua.NewRuntime();
        var types = Lunet.Ffi.FfiContext.Of(rt.State).Types;
        var sig = new Lunet.Ffi.Types.FunctionType(types.Resolve("pointer"), [types.Resolve("pointer")]);
        var lib = System.Runtime.InteropServices.NativeLibrary.Load(Lua.TestLib);
        var b = new FunctionBinding("id_ptr", System.Runtime.InteropServices.NativeLibrary.GetExport(lib, "id_ptr"), sig, null, managedOnly: true);
        CallDispatcher.Push(rt.State, b);
        fixed (byte* g = "MANAGED_ID_PTR\0"u8) setglobal(rt.State, g);
        return rt;
    }

    /// <summary>Every kind of ffi object crosses as its address, natively, with no call of the C# helper.</summary>
    [Fact]
    public void EachKindOfObjectCrossesAsItsAddressWithoutCSharp()
    {
        if (!NativeStubCompiler.IsSupported) return;
        using var rt = NewRuntime();
        rt.DoString(Prelude + "\n" + """
            OBJECTS = {}
            local b = ffi.buffer(16)
            OBJECTS.buffer = {b, b.ptr}
            local empty = ffi.buffer(0)
            OBJECTS.empty = {empty, empty.ptr}
            local s = b:slice(4, 8)
            OBJECTS.slice = {s, s.ptr}
            local o = ffi.new('struct opa_outer')
            OBJECTS.instance = {o, ffi.pointer(ffi.address(o))}
            OBJECTS.view = {o.p, ffi.pointer(ffi.address(o) + 8)}
            local arr = ffi.new('int32_t[4]')
            OBJECTS.array = {arr, ffi.pointer(ffi.address(arr))}
            local cb = ffi.callback(function(x) return x end, 'i32', {'i32'})
            OBJECTS.callback = {cb, ffi.pointer(ffi.address(cb))}
            """, "=setup");
        foreach (var kind in new[] { "buffer", "empty", "slice", "instance", "view", "array", "callback" })
        {
            long before = NativeCallSupport.ObjectAddressCalls;
            var r = rt.DoString($$"""
                local o = OBJECTS.{{kind}}
                local f = require('ffi').open(TESTLIB):wrap('pointer', 'id_ptr', 'pointer')
                for i = 1, 100 do assert(f(o[1]) == o[2], '{{kind}}') end
                return require('ffi').address(f(o[1])) == require('ffi').address(o[2])
                """, "=test");
            Assert.True((bool)r[0]!);
            Assert.Equal(before, NativeCallSupport.ObjectAddressCalls);
        }
    }

    /// <summary>A char* parameter takes an ffi object's address natively too: C reads the bytes a Buffer holds.</summary>
    [Fact]
    public void ABufferPassedAsAStringIsReadByC()
    {
        if (!NativeStubCompiler.IsSupported) return;
        using var rt = NewRuntime();
        long before = NativeCallSupport.ObjectAddressCalls;
        var r = rt.DoString("""
            local ffi = require('ffi')
            local len = ffi.open(TESTLIB):wrap('i64', 'str_len', 'string')
            local b = ffi.buffer(16)
            b:writeBytes(0, 'hello')
            return len(b) + 100 * len(b:slice(1, 8)) + 10000 * len('abc')
            """, "=test");
        Assert.Equal(5L + 100 * 4 + 10000 * 3, r[0]);
        Assert.Equal(before, NativeCallSupport.ObjectAddressCalls);
    }

    /// <summary>
    /// The native and managed stubs agree on objects whose metatable was taken off or replaced (still
    /// their memory: the cookie, not the metatable, says what a block is), on views kept alive by them alone after their owner was
    /// dropped, and on every other userdata, which both refuse with the same message.
    /// </summary>
    [Fact]
    public void NativeAndManagedStubsAgreeOnTamperedAndForeignUserdata()
    {
        using var rt = NewRuntime();
        Assert.Equal("agree", rt.DoString(Prelude + "\n" + """
            local b = ffi.buffer(32)
            local want = 'pointer ' .. ffi.address(b.ptr)
            local bufferMt = debug.getmetatable(b)
            debug.setmetatable(b, nil)
            same('Buffer without its metatable', b, want)
            debug.setmetatable(b, {__index = function() error('no') end, __name = 'forged'})
            same('Buffer with a replaced metatable', b, want)
            local o = ffi.new('struct opa_outer')
            local view = o.p
            local at = 'pointer ' .. (ffi.address(o) + 8)
            local whole = 'pointer ' .. ffi.address(o)
            debug.setmetatable(o, bufferMt)
            same('instance with the Buffer metatable (marked too)', o, whole)
            debug.setmetatable(b, debug.getmetatable(view))
            same('Buffer with the instance metatable', b, want)
            o = nil
            collectgarbage(); collectgarbage()
            same('view of a dropped instance', view, at)
            view.x, view.y = 20, 22
            local sum = lib:wrap('i64', 'cdef_point_sum', 'pointer')
            assert(sum(view) == 42, 'the view still reaches its bytes')
            local cb = ffi.callback(function(x) return x end, 'i32', {'i32'})
            local code = 'pointer ' .. ffi.address(cb)
            cb:free()
            same('freed callback', cb)
            for _, v in ipairs({io.stdout, coroutine.create(print), {}, 'x', 1, true, print}) do
              local got = same(tostring(v), v)
              assert(got:find('^error: bad argument #1 to \'id_ptr\''), got)
            end
            same('nil', nil, 'pointer 0')
            return 'agree'
            """, "=test")[0]);
    }

    /// <summary>
    /// Userdata made from C# that follow the protocol only in part: too short for the three words or
    /// without the cookie (even with an ffi metatable) are refused by both stubs; one with the cookie is
    /// taken as the protocol says, whatever its metatable.
    /// </summary>
    [Fact]
    public unsafe void ForgedUserdataAreJudgedByLengthAndCookieAlike()
    {
        if (!NativeStubCompiler.IsSupported) return;
        using var rt = NewRuntime();
        var L = rt.State;
        void Make(string name, int bytes, long third, long first)
        {
            var block = (long*)newuserdatauv(L, (nuint)bytes, 0);
            for (int i = 0; i < bytes / 8; i++) block[i] = 0;
            if (bytes >= 24) block[2] = third;
            if (bytes >= 8) block[0] = first;
            fixed (byte* g = System.Text.Encoding.UTF8.GetBytes(name + "\0")) setglobal(L, g);
        }
        Make("SHORT", 16, 0, 0x1000);
        Make("NOCOOKIE", 24, Lunet.Ffi.Memory.Buffer.Cookie ^ 1, 0x1000);
        Make("ODDLENGTH", 23, 0, 0x1000);
        Make("COOKIE", 32, Lunet.Ffi.Memory.Buffer.Cookie, 0x1000);
        long before = NativeCallSupport.ObjectAddressCalls;
        var r = rt.DoString(Prelude + "\n" + """
            for _, v in ipairs({SHORT, NOCOOKIE, ODDLENGTH}) do
              local got = same('forged', v)
              assert(got == "error: bad argument #1 to 'id_ptr' (pointer expected, got userdata)", got)
            end
            same('with the cookie, no metatable', COOKIE, 'pointer 4096')
            debug.setmetatable(NOCOOKIE, debug.getmetatable(ffi.buffer(0)))
            assert(same('an ffi metatable, without the cookie', NOCOOKIE):find('^error: bad argument #1'))
            return 'agree'
            """, "=test");
        Assert.Equal("agree", r[0]);
        // The four refused userdata went from the native stub to the helper: its fallback for what it does not recognise.
        // (Only when this shape has a native stub: tests that use up the process's stub budget may run first.)
        var shape = new Lunet.Ffi.Types.FunctionType(Lunet.Ffi.Types.ScalarType.Pointer, [Lunet.Ffi.Types.ScalarType.Pointer]);
        if (NativeStubCache.Get(shape) != 0) Assert.Equal(before + 4, NativeCallSupport.ObjectAddressCalls);
    }
}
