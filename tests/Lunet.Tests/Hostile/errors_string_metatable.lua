-- The string metatable replaced by one whose __index raises: C# builds messages and
-- pushes strings without indexing anything.
-- expect: unknown C type 'no_such_type'
-- expect: done
local ffi = require("ffi")
local mt = getmetatable("")
mt.__index = function(_, k) error("string index " .. tostring(k)) end
mt.__name = "hijacked"
local ok, e = pcall(ffi.sizeof, "no_such_type")
io.stderr:write(e, "\n")
print(pcall(ffi.string, ffi.buffer(4).ptr, 4))
print(pcall(function() return ("x"):upper() end))
print("done")
