-- Structs by value that are too large, incomplete, finalized by hand or recursive: errors, never a crash.
-- exit: 0
-- expect: still standing
local ffi = require('ffi')
ffi.cdef[[
  struct in_addr { unsigned int s_addr; };
  struct huge { char bytes[1048576]; };
  struct opaque;
]]
local ok, e = pcall(ffi.C.wrap, ffi.C, 'int', 'abs', 'struct huge')
assert(not ok and tostring(e):find('more than the', 1, true), tostring(e))
ok, e = pcall(ffi.C.wrap, ffi.C, 'struct huge', 'abs', 'int')
assert(not ok and tostring(e):find('more than the', 1, true), tostring(e))
ok, e = pcall(ffi.C.call, ffi.C, 'abs', 'int', {'struct huge'}, {})
assert(not ok and tostring(e):find('more than the', 1, true), tostring(e))
-- the largest record the ffi allows: sizes near 2^31 must not wrap around in the frame arithmetic
ffi.cdef('struct biggest { char a[0x7fffffff]; };')
ok, e = pcall(ffi.C.wrap, ffi.C, 'struct biggest', 'abs', 'struct biggest', 'struct biggest')
assert(not ok and tostring(e):find('more than the', 1, true), tostring(e))
ok, e = pcall(ffi.C.wrap, ffi.C, 'int', 'abs', 'struct opaque')
assert(not ok and tostring(e):find('incomplete', 1, true), tostring(e))
ok, e = pcall(ffi.C.wrap, ffi.C, 'struct opaque', 'abs')
assert(not ok and tostring(e):find('incomplete', 1, true), tostring(e))

local ntoa = ffi.C:wrap('string', 'inet_ntoa', 'struct in_addr')
-- an instance whose __gc was called by hand
local a = ffi.new('struct in_addr', {s_addr = 0x0100007f})
local gc = getmetatable(a)
if type(gc) == 'table' and type(gc.__gc) == 'function' then
  pcall(gc.__gc, a)
  ok, e = pcall(ntoa, a)
  assert(not ok and tostring(e):find("bad argument #1 to 'inet_ntoa'", 1, true), tostring(e))
end
-- a view into a Buffer of that struct
local buf = ffi.buffer(8)
buf:write(0, 'u32', 0x0403020a)
local v = ffi.cast(buf, 'struct in_addr')
assert(ntoa(v) == '10.2.3.4')
-- deep recursion of calls with struct arguments inside coroutines and pcall
local function deep(n)
  if n == 0 then return ntoa({s_addr = n}) end
  return coroutine.wrap(function() return deep(n - 1) end)()
end
assert(deep(50) == '0.0.0.0')
collectgarbage()
print('still standing')
