-- Under a memory limit: filling memory is a catchable "not enough memory", also when the
-- limit is crossed while C# runs (ffi functions pushing strings and messages), and
-- the runtime goes on once the memory is released.
-- args: --memory-limit 3000000
-- expect: not enough memory
-- expect: done
local ffi = require("ffi")
local buf = ffi.buffer(128)
local pcall, rep = pcall, string.rep
local keep, first
for round = 1, 100 do
  keep = {}
  local ok, e = pcall(function() for i = 1, 1e7 do keep[i] = rep("m", 40) .. i end end)
  first = first or e
  pcall(function()
    for _ = 1, 100 do pcall(ffi.sizeof, "no_such_type"); pcall(ffi.string, buf, 100); pcall(ffi.buffer, 64) end
  end)
end
keep = nil
collectgarbage()
print(first)
print(pcall(ffi.buffer, 16 * 1024 * 1024))
print("done")
