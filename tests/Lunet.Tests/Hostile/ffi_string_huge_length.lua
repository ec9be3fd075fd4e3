-- A length past what Lua can hold is an error in the ffi's words, raised from native code.
-- expect: ffi.string
local ffi = require("ffi")
local b = ffi.buffer(8)
local ok, err = pcall(ffi.string, b.ptr, math.maxinteger)
assert(not ok)
io.stderr:write(tostring(err), "\n")
