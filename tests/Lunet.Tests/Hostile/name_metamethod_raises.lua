-- C# reads __name of a metatable to build a message: a raising __index there must not
-- unwind through .NET (metatables are read with raw access), so the ffi's own message wins.
-- expect: done
local ffi = require("ffi")
local mt = getmetatable(io.stdout)
mt.__name = nil
setmetatable(mt, { __index = function() error("boom from __index") end })
for _ = 1, 3 do
  local ok, err = pcall(ffi.isNull, io.stdout)
  assert(not ok and err:find("pointer expected, got userdata", 1, true), err)
end
collectgarbage()
print("done")
