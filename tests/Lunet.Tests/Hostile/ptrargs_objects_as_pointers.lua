-- ffi objects and other userdata as pointer and char* arguments, read natively by the call stub:
-- objects with their metatable taken off or replaced, empty Buffers, views outliving their owner,
-- freed callbacks, foreign userdata (a FILE*, a coroutine's), and huge or odd values around them.
-- expect: done
local ffi = require("ffi")
local lib = ffi.open(os.getenv("LUNET_TESTLIB"))
local id = lib:wrap("pointer", "id_ptr", "pointer")
local len = lib:wrap("i64", "str_len", "string")
local isnull = lib:wrap("i32", "is_null", "pointer")
ffi.cdef("struct pa_point { int32_t x, y; }; struct pa_outer { int64_t tag; struct pa_point p; };")

local b = ffi.buffer(0)
assert(id(b) == b.ptr)
local full = ffi.buffer(64)
full:writeBytes(0, "abc")
-- the cookie, not the metatable, makes an ffi object: taken off or replaced, the memory is still the Buffer's
for _, mt in ipairs({ false, {}, { __index = function() error("no") end, __name = "forged" }, debug.getmetatable(ffi.new("struct pa_point")) }) do
  debug.setmetatable(full, mt or nil)
  assert(ffi.address(id(full)) ~= 0 and len(full) == 3)
end
-- a metatable with every key of ours (the marker that used to be checked included) makes nothing one
local copy = {}
for k, v in pairs(debug.getmetatable(ffi.buffer(1))) do copy[k] = v end
local fileMt = debug.getmetatable(io.stdout)
debug.setmetatable(io.stdout, copy)
assert(not pcall(id, io.stdout) and not pcall(len, io.stdout))
debug.setmetatable(io.stdout, fileMt)

local view
do
  local o = ffi.new("struct pa_outer")
  view = o.p
end
collectgarbage(); collectgarbage()
view.x = 7
assert(lib:wrap("i64", "cdef_point_sum", "pointer")(view) == 7)

local cb = ffi.callback(function() return 0 end, "i32", {})
cb:free()
pcall(id, cb)

for _, v in ipairs({ io.stdout, coroutine.create(print), {}, print, "x", 2^63, math.mininteger, true }) do
  local ok, err = pcall(id, v)
  assert(not ok and tostring(err):find("bad argument #1 to 'id_ptr'"), tostring(err))
  local ok2, err2 = pcall(len, v)
  assert(type(v) == "string" or not ok2, tostring(err2))
end
assert(isnull(nil) == 1 and isnull(ffi.nullptr) == 1 and isnull(full) == 0)
print("done")
