-- Distinct type names (two million were once kept forever: 647 MB): the cache of parsed names is
-- bounded. Kept short enough for a loaded machine: after a warm-up, 300,000 more names may not
-- grow the process by the ~100 MB an unbounded cache would take.
-- expect: done
local ffi = require("ffi")
local function rss_kib()
  local f = assert(io.open("/proc/self/status"))
  local kib = tonumber(f:read("a"):match("VmRSS:%s*(%d+)"))
  f:close()
  return kib
end
local n = 0
local function names(count)
  for _ = 1, count do n = n + 1; assert(ffi.sizeof("struct S" .. n .. "*") == 8) end
end
names(100000)
local before = rss_kib()
names(300000)
local grown = rss_kib() - before
assert(grown < 40 * 1024, "300,000 distinct names grew the process by " .. grown .. " KiB")
print("done")
