-- A path through /proc/self/cwd/.. passes any textual check; the allow-list compares the file itself.
-- args: --allow-lib /usr/lib/x86_64-linux-gnu/libz.so.1
-- expect: refused: ffi.open: library '/proc/self/cwd/
-- expect: is not allowed by this runtime's ffi policy
-- expect: same file: true
local ffi = require("ffi")
local up = ("../"):rep(40)
local ok, err = pcall(ffi.open, "/proc/self/cwd/" .. up .. "lib/x86_64-linux-gnu/libm.so.6")
assert(not ok)
print("refused: " .. err)
assert(not pcall(ffi.open, "/proc/self/cwd/" .. up .. "usr/lib/x86_64-linux-gnu/libm.so.6"))
print("same file: " .. tostring(ffi.open("/proc/self/cwd/" .. up .. "usr/lib/x86_64-linux-gnu/libz.so.1"):hasSymbol("crc32")))
