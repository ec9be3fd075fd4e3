-- Under an allow-list no debug function reaches into closures, userdata or the registry, and no C loader is left.
-- args: --allow-lib /usr/lib/x86_64-linux-gnu/libz.so.1
-- expect: debug: traceback
-- expect: loadlib: nil 2
local names = {}
for k in pairs(debug) do names[#names + 1] = k end
print("debug: " .. table.concat(names, " "))
print("loadlib: " .. tostring(package.loadlib) .. " " .. #package.searchers)
-- Nothing a script can do brings them back.
for _, m in ipairs({ "getupvalue", "setupvalue", "upvaluejoin", "getuservalue", "setuservalue",
                     "getmetatable", "setmetatable", "getregistry", "getlocal", "setlocal" }) do
  assert(debug[m] == nil, m)
end
assert(require("debug") == debug and package.loaded.debug.getregistry == nil)
assert(not pcall(require, "ffi.so"))
