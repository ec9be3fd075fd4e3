-- 60,000 stars in a type name (once 6 s and 3.6 GB), and names at the length limit: quick errors or answers.
-- expect: type name is 60003 bytes long; the limit is 4096
local ffi = require("ffi")
local ok, err = pcall(ffi.sizeof, "int" .. string.rep("*", 60000))
assert(not ok)
io.stderr:write(tostring(err), "\n")
for i = 1, 200 do
  pcall(ffi.sizeof, "int" .. string.rep("*", 4093))
  pcall(ffi.buffer(8).read, ffi.buffer(8), 0, "char" .. string.rep(" *", 2046))
end
assert(ffi.sizeof("int" .. string.rep(" ", 4000) .. "*") == 8)
