-- Errors inside callbacks called by libc's qsort: raised when qsort returns, never unwinding through C.
-- expect: callback errors all reported
local ffi = require("ffi")
local qsort = ffi.C:wrap("void", "qsort", "pointer", "size_t", "size_t", "pointer")
local buf = ffi.buffer(4 * 64)
for i = 0, 63 do buf:write(i * 4, "i32", (i * 37) % 64) end
local function try(fn, ret)
  local cb = ffi.callback(fn, ret or "int", { "pointer", "pointer" })
  local ok, err = pcall(qsort, buf, 64, 4, cb)
  cb:free()
  assert(not ok, "no error")
  return tostring(err)
end
assert(try(function() error("plain") end):find("plain", 1, true))
assert(try(function() error({}) end):find("error object is a table value", 1, true))
assert(try(function() error(setmetatable({}, { __tostring = function() error("nested") end })) end))
assert(try(function() error() end))
assert(try(function() return "str" end):find("bad result from callback 'i32 (pointer, pointer)' (i32 expected, got string)", 1, true))
assert(try(function() return 0.5 end):find("number has no integer representation", 1, true))
assert(try(function() return {} end, "pointer"):find("(pointer expected, got table)", 1, true))
assert(try(function() return ffi.buffer end, "bool"):find("(bool expected, got function)", 1, true))
assert(try(function() local x = nil; return x.y end):find("attempt to index", 1, true))
-- running out of Lua stack inside a callback
assert(try(function() local function r() return 1 + r() end return r() end):find("stack overflow", 1, true))
-- yield inside a callback, in a coroutine and in the main thread
local co = coroutine.wrap(function() return try(function() coroutine.yield(1) end) end)
assert(co():find("cannot yield inside callback", 1, true))
assert(try(function() coroutine.yield(1) end):find("yield", 1, true))
-- nested past the C-call limit
local cb
cb = ffi.callback(function(a, b) qsort(buf, 64, 4, cb) return 0 end, "int", { "pointer", "pointer" })
local ok, err = pcall(qsort, buf, 64, 4, cb)
assert(not ok and tostring(err):find("nested too deep", 1, true), tostring(err))
-- callbacks still work afterwards
local sorted = ffi.callback(function(a, b) return ffi.cast(a, "i32") - ffi.cast(b, "i32") end, "int", { "pointer", "pointer" })
qsort(buf, 64, 4, sorted)
for i = 0, 63 do assert(buf:read(i * 4, "i32") == i) end
io.stderr:write("callback errors all reported\n")
