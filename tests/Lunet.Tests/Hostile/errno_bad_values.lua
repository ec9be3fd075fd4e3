-- ffi.errno given every wrong value, and called through a replaced metatable: each a Lua error naming the argument; errno is kept.
-- exit: 0
-- expect: all refused, errno kept
local ffi = require('ffi')
ffi.cdef[[ int open(const char *path, int flags); int abs(int); ]]
local refused = 0
ffi.C.open('/nonexistent-lunet-dir/missing', 0)
local enoent = ffi.errno()
assert(enoent ~= 0)
for _, v in ipairs({ 'x', 1.5, 1 << 40, -(1 << 40), math.mininteger, math.maxinteger, {}, print, true, 0/0, math.huge }) do
  local ok, err = pcall(ffi.errno, v)
  assert(not ok and tostring(err):find("bad argument #1 to 'errno'", 1, true), tostring(err))
  refused = refused + 1
end
local ok, err = pcall(ffi.errno, nil)
assert(not ok and err:find("number expected, got nil", 1, true), err)
assert(ffi.errno() == enoent, 'a refused value changed errno')
-- A negative errno and extreme int values round-trip.
for _, v in ipairs({ -1, 2147483647, -2147483648, 0 }) do
  ffi.errno(v)
  ffi.C.abs(1)
  assert(ffi.errno() == v, v)
end
-- Lua's own C library setting errno between calls does not show.
ffi.errno(42); ffi.C.abs(1)
for i = 1, 100 do io.open('/nonexistent-lunet-dir/' .. i) end
collectgarbage()
assert(ffi.errno() == 42)
-- From a coroutine, and with a hostile metatable on the ffi table.
local co = coroutine.wrap(function() ffi.errno(7); ffi.C.abs(1); return ffi.errno() end)
assert(co() == 7 and ffi.errno() == 7)
debug.setmetatable(ffi, { __index = function() error('hostile') end })
assert(ffi.errno() == 7)
print(refused == 11 and 'all refused, errno kept' or 'missed')
