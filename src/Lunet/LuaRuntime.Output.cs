using System.Text;
using Lunet.Interop;
using static Lunet.Interop.LuaApi;

namespace Lunet;

// print and io.write to a host's TextWriter (LuaRuntimeOptions.Output).
public sealed unsafe partial class LuaRuntime
{
    // Run once at start-up with the C# writer as argument: values become text in Lua (tostring,
    // __tostring and __name included, as print does; numbers as io.write writes them), so no
    // metamethod ever runs inside C#. io.stdout stays the process's standard output.
    static readonly byte[] OutputInstaller = """
        local write = ...
        local select, tostring, type, error = select, tostring, type, error
        local mtype = math and math.type
        local format = string and string.format
        local function number(v)
          if not (mtype and format) then return tostring(v) end
          return mtype(v) == "integer" and format("%d", v) or format("%.14g", v)
        end
        if print then
          print = function(...)
            local n = select("#", ...)
            for i = 1, n do
              if i > 1 then write("\t") end
              write(tostring((select(i, ...))))
            end
            write("\n")
          end
        end
        if io then
          local output = {}
          local function iowrite(first, ...)
            for i = 1, select("#", ...) do
              local v = select(i, ...)
              local t = type(v)
              if t == "string" then write(v)
              elseif t == "number" then write(number(v))
              else error(("bad argument #%d to 'write' (string expected, got %s)"):format(i + first, t), 2) end
            end
            return output
          end
          setmetatable(output, {
            __name = "host output",
            __index = {
              write = function(self, ...) return iowrite(0, ...) end,
              flush = function(self) return self end,
            },
            __tostring = function() return "file (host output)" end,
          })
          io.write = function(...) return iowrite(0, ...) end
        end
        """u8.ToArray();

    void InstallOutput()
    {
        var L = state;
        fixed (byte* code = OutputInstaller)
        fixed (byte* name = "=(lunet output)\0"u8)
        fixed (byte* mode = "t\0"u8)
        {
            if (loadbufferx(L, code, (nuint)OutputInstaller.Length, name, mode) != LUA_OK)
                throw new InvalidOperationException("the output functions did not load: " + LuaOps.ToStringOrNull(L, -1));
            CFunction.Push(L, &WriteOutput);
            if (pcallk(L, 1, 0, 0, 0, 0) != LUA_OK) // start-up: the memory limit does not apply yet
                throw new InvalidOperationException("the output functions did not install: " + LuaOps.ToStringOrNull(L, -1));
        }
    }

    /// <summary>Writes its string arguments to the host's writer; Lua strings are bytes, read as UTF-8.</summary>
    static int WriteOutput(nint L)
    {
        var writer = Of(L)?.Options.Output ?? throw new LuaException("write: the host's output is gone");
        int n = gettop(L);
        for (int i = 1; i <= n; i++)
        {
            if (type(L, i) != TSTRING) throw LuaException.BadArgument(i, "write", $"string expected, got {LuaOps.TypeName(L, i)}");
            nuint len;
            byte* s = tolstring(L, i, &len);
            string text = Encoding.UTF8.GetString(s, checked((int)len));
            try { writer.Write(text); }
            catch (Exception e) when (e is IOException or ObjectDisposedException or NotSupportedException)
            {
                throw new LuaException("write: the host's output writer failed");
            }
        }
        return 0;
    }
}
