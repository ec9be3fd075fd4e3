-- The ffi table's __index, reached through debug.getmetatable, called with a number as the table.
-- expect: table expected, got number
local ffi = require("ffi")
assert(getmetatable(ffi) == "ffi.table")
local ok, err = pcall(debug.getmetatable(ffi).__index, 12345, "C")
assert(not ok)
io.stderr:write(tostring(err), "\n")
assert(ffi.C:call("strlen", "size_t", {"string"}, "abc") == 3)
