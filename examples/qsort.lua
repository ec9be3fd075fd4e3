-- libc's qsort sorting C ints with a Lua comparator: ffi.callback makes the Lua function
-- a C function pointer; ffi.cast reads the int each pointer argument points at.
--   ./lunet examples/qsort.lua [count]
local ffi = require("ffi")

local n = math.tointeger(arg and tonumber(arg[1]) or 20)
assert(n and n > 0, "count must be a positive integer")

-- void qsort(void *base, size_t nmemb, size_t size, int (*compar)(const void *, const void *));
local qsort = ffi.C:wrap("void", "qsort", "pointer", "size_t", "size_t", "pointer")

local numbers = ffi.buffer(4 * n)
local seed = 12345
for i = 0, n - 1 do
  seed = (seed * 1103515245 + 12345) % 2147483648
  numbers:write(i * 4, "i32", seed % 1000 - 500)
end

local comparisons = 0
local ascending = ffi.callback(function(a, b)
  comparisons = comparisons + 1
  local x, y = ffi.cast(a, "i32"), ffi.cast(b, "i32")
  return x < y and -1 or (x > y and 1 or 0)
end, "int", { "const void*", "const void*" })

qsort(numbers, n, 4, ascending)
ascending:free()

local sorted = {}
for i = 0, n - 1 do
  sorted[#sorted + 1] = numbers:read(i * 4, "i32")
  if i > 0 then assert(sorted[i] <= sorted[i + 1], "not sorted") end
end
print(("%d numbers sorted by libc qsort with a Lua comparator (%d comparisons):"):format(n, comparisons))
print(table.concat(sorted, " ", 1, math.min(n, 20)) .. (n > 20 and " ..." or ""))
