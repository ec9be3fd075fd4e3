-- Two million distinct type names (once kept forever: 647 MB): the cache of parsed names is bounded.
-- expect: done
local ffi = require("ffi")
for i = 1, 2000000 do assert(ffi.sizeof("struct S" .. i .. "*") == 8) end
print("done")
