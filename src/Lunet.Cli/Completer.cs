namespace Lunet.Cli;

/// <summary>
/// Tab completion for the REPL: the globals, the fields of a table reached by a dotted
/// name (<c>string.fo</c>, <c>ffi.ca</c>), the methods after <c>:</c> (a string's come from
/// its metatable's __index), tables behind an __index table included. Run as Lua in a
/// protected call: what a script did to its globals can at worst give no candidates.
/// </summary>
sealed class Completer(LuaRuntime runtime)
{
    const string Code = """
        local word = ...
        local prefix, sep, name = word:match("^(.-)([.:]?)([%w_]*)$")
        if prefix == nil then return "" end
        local t = _G
        if sep ~= "" then
          for part in prefix:gmatch("[^.:]+") do
            if type(t) == "string" then t = string end
            if type(t) ~= "table" then return "" end
            t = t[part]
          end
        elseif prefix ~= "" then return "" end
        if type(t) == "string" then t = string end
        local seen, out = {}, {}
        local function add(k)
          if type(k) == "string" and not seen[k] and k:sub(1, #name) == name and k:match("^[%a_][%w_]*$") then
            seen[k] = true
            out[#out + 1] = prefix .. sep .. k
          end
        end
        local depth = 0
        while type(t) == "table" and depth < 8 do
          for k in next, t do add(k) end
          local mt = getmetatable(t)
          t = type(mt) == "table" and rawget(mt, "__index") or nil
          depth = depth + 1
        end
        table.sort(out)
        return table.concat(out, "\n")
        """;

    public IReadOnlyList<string> Complete(string word)
    {
        try
        {
            var r = runtime.DoString(Code, "=(completion)", word);
            return r.Length > 0 && r[0] is string s && s.Length > 0 ? s.Split('\n') : [];
        }
        catch (LuaScriptException) { return []; }
    }
}
