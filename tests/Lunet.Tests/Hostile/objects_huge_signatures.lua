-- 1.1 million parameters for lib:wrap and 65,000 argument types for lib:call: refused before any code is made.
-- expect: too many parameters (1100000; the limit is 255)
-- expect: too many parameters (65000; the limit is 255)
local ffi = require("ffi")
local t = {}
for i = 1, 1100000 do t[i] = "int" end
local ok, err = pcall(ffi.C.wrap, ffi.C, "int", "abs", t)
assert(not ok)
io.stderr:write(tostring(err), "\n")
for i = 65001, #t do t[i] = nil end
ok, err = pcall(ffi.C.call, ffi.C, "abs", "int", t, 1)
assert(not ok)
io.stderr:write(tostring(err), "\n")
assert(ffi.C:call("abs", "int", {"int"}, -3) == 3)
