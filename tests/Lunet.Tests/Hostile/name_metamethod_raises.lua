-- C# reads __name of a metatable to build a message: a raising __index there must not
-- unwind through .NET (metatables are read with raw access).
-- expect: done
local ffi = require("ffi")
local mt = getmetatable(io.stdout)
mt.__name = nil
setmetatable(mt, { __index = function() error("boom from __index") end })
for _ = 1, 3 do print(pcall(ffi.isNull, io.stdout)) end
collectgarbage()
print("done")
