-- Under a memory limit: a callback that fills memory fails with "not enough memory" raised
-- when the ffi call returns; once the memory is released, callbacks work again.
-- args: --memory-limit 4000000
-- expect: not enough memory
-- expect: done
local ffi = require("ffi")
local qsort = ffi.C:wrap("void", "qsort", "pointer", "size_t", "size_t", "pointer")
local buf = ffi.buffer(4 * 32)
for i = 0, 31 do buf:write(i * 4, "i32", 31 - i) end
local keep = {}
local hog = ffi.callback(function(a, b)
  for i = 1, 1e9 do keep[#keep + 1] = string.rep("x", 1000) .. i end
  return 0
end, "int", { "pointer", "pointer" })
local ok, err = pcall(qsort, buf, 32, 4, hog)
assert(not ok)
print(err)
keep = nil
collectgarbage()
local cmp = ffi.callback(function(a, b) return ffi.cast(a, "i32") - ffi.cast(b, "i32") end, "int", { "pointer", "pointer" })
qsort(buf, 32, 4, cmp)
for i = 0, 31 do assert(buf:read(i * 4, "i32") == i) end
hog:free(); cmp:free()
print("done")
