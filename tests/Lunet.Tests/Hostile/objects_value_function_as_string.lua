-- lib:value of a function's name as a char*: machine code would be read as a string pointer.
-- expect: is a function, not a variable
local ffi = require("ffi")
local m = ffi.open("m")
local ok, err = pcall(m.value, m, "string", "cos")
assert(not ok)
io.stderr:write(tostring(err), "\n")
assert(m:call("cos", "double", {"double"}, 0) == 1)
