namespace Lunet.Tests.Support;

/// <summary>
/// The Lua side of the checksum tests over tests/native/abi_test.c and callback_structs.c: <c>fnv(fmt, ...)</c>
/// is FNV-1a over the bytes string.pack gives the values (what the C side hashes member by member),
/// and <c>check(what, got, want)</c> raises naming the case.
/// </summary>
public static class LuaChecksums
{
    public const string Functions = """
        local function fnv(fmt, ...)
          local s = string.pack('<' .. fmt, ...)
          local h = -3750763034362895579
          for i = 1, #s do h = (h ~ s:byte(i)) * 1099511628211 end
          return h
        end
        local function check(what, got, want)
          if got ~= want then error(('%s: got %s, expected %s'):format(what, tostring(got), tostring(want)), 2) end
        end
        """ + "\n";
}
