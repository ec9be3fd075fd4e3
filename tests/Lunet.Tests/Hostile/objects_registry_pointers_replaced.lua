-- With the debug library a script can rewrite the registry: every light-userdata entry
-- (keys and values) replaced by a forged pointer must leave the ffi raising or working.
-- expect: done
local ffi = require("ffi")
local libm = ffi.open("m")
local reg = debug.getregistry()
local keys = {}
for k, v in pairs(reg) do
  if type(k) == "userdata" or type(v) == "userdata" then keys[#keys + 1] = k end
end
for _, k in ipairs(keys) do reg[k] = ffi.pointer(8) end
for _, f in ipairs({
  function() return ffi.sizeof("int") end,
  function() return ffi.open("m") end,
  function() return libm:getSymbol("cos") end,
  function() return libm:wrap("double", "cos", "double")(0) end,
  function() return ffi.buffer(8):read(0, "i32") end,
  function() return ffi.C:call("strlen", "size_t", {"string"}, "abc") end,
}) do print(pcall(f)) end
assert(ffi.sizeof("int") == 4)
collectgarbage()
print("done")
