-- The runtime's callback store (a Lua thread holding the callbacks' functions) reached through
-- the debug library and resumed: callbacks fail cleanly, making and freeing them is refused.
-- expect: tampered callback store handled
local ffi = require("ffi")
local qsort = ffi.C:wrap("void", "qsort", "pointer", "size_t", "size_t", "pointer")
local buf = ffi.buffer(4 * 8)
for i = 0, 7 do buf:write(i * 4, "i32", 7 - i) end
local cmp = ffi.callback(function(a, b) return ffi.cast(a, "i32") - ffi.cast(b, "i32") end, "int", { "pointer", "pointer" })
local other = ffi.callback(function() return 0 end, "int", { "pointer", "pointer" })
qsort(buf, 8, 4, cmp)
assert(buf:read(0, "i32") == 0)
-- find the store: a thread in the user value of a userdata in the registry
local store
for k, v in pairs(debug.getregistry()) do
  if type(v) == "userdata" then
    local uv = debug.getuservalue(v, 1)
    if type(uv) == "thread" then store = uv end
  end
end
assert(store, "no store found")
print(coroutine.resume(store))       -- runs the top function with no arguments (it fails or returns)
print(coroutine.resume(store))
-- callbacks now fail with a Lua error, never a crash
local ok, err = pcall(qsort, buf, 8, 4, cmp)
print(ok, err)
ok, err = pcall(qsort, buf, 8, 4, other)
print(ok, err)
ok, err = pcall(ffi.callback, function() end, "void", {})
assert(not ok and err:find("tampered", 1, true), err)
ok, err = pcall(cmp.free, cmp)
assert(not ok and err:find("tampered", 1, true), err)
assert(cmp.isValid)
collectgarbage()
io.stderr:write("tampered callback store handled\n")
