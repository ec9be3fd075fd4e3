-- With only libz allowed, libc's system (a dependency of libz, which dlsym on libz's handle also searches) is not found.
-- args: --allow-lib /usr/lib/x86_64-linux-gnu/libz.so.1
-- expect: symbol 'system' not found in library '/usr/lib/x86_64-linux-gnu/libz.so.1': it is defined by '/lib/x86_64-linux-gnu/libc.so.6', which that library depends on
-- expect: hasSymbol: false
-- expect: zlib 1.
local ffi = require("ffi")
local z = ffi.open("/usr/lib/x86_64-linux-gnu/libz.so.1")
local ok, err = pcall(z.call, z, "system", "i32", { "string" }, "echo SHOULD-NOT-RUN")
assert(not ok)
print(err)
print("hasSymbol: " .. tostring(z:hasSymbol("system")))
for _, f in ipairs({ "getSymbol", "value" }) do
  assert(not pcall(z[f], z, f == "value" and "i32" or "system", "system"))
end
assert(not pcall(z.wrap, z, "i32", "system", "string"))
assert(not pcall(function() return ffi.C end))
print("zlib " .. z:call("zlibVersion", "string", {}))
