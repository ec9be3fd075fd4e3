-- Strings a callback receives count against the memory limit: a callback that keeps every 1 MiB
-- string C hands it stops at the limit with "not enough memory", and the runtime goes on.
-- args: --memory-limit 16000000
-- expect: not enough memory
-- expect: held under the limit
local ffi = require("ffi")
local keep = {}
local cb = ffi.callback(function(s) keep[#keep + 1] = s; return 1 end, "int", { "string" })
local give = ffi.func(cb, "int", "string")   -- C (the call stub) calls the callback with a C string
local err
for i = 1, 200 do
  local ok, e = pcall(give, string.rep("m", (1 << 20) - 16) .. string.format("%16d", i))
  if not ok then err = e break end
  collectgarbage()
end
print(err)
assert(err and err:find("not enough memory", 1, true))
assert(collectgarbage("count") < 16000000 / 1024, collectgarbage("count"))
keep = nil
collectgarbage()
local t = {}
for i = 1, 1000 do t[i] = ("x"):rep(100) .. i end
print("held under the limit")
