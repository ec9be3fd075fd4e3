-- Type objects and struct declarations handled by hand: metamethods called on other values,
-- a collected type object's metatable moved onto a buffer, huge and deep records.
-- exit: 0
-- expect: survived
local ffi = require('ffi')
local function try(f, ...) local ok, e = pcall(f, ...); assert(not ok and type(e) == 'string', tostring(e)); return e end
local Color = ffi.struct('struct Color { unsigned char r, g, b; float alpha; }')
local mt = debug.getmetatable(Color)
for _, v in ipairs({ ffi.buffer(16), ffi.C, 1, 'x', {}, ffi.nullptr }) do
  pcall(mt.__tostring, v); pcall(mt.__gc, v)
  try(ffi.sizeof, ffi.buffer(1) == v and {} or (type(v) == 'userdata' and {} or v) )
end
mt.__gc(Color); mt.__gc(Color)            -- freed twice by hand: the second does nothing
try(ffi.sizeof, Color)                     -- a freed type object is no type
debug.setmetatable(ffi.buffer(8), mt)
try(ffi.offsetof, ffi.buffer(8), 'r')
try(ffi.cdef, 'struct Deep ' .. string.rep('{ struct ', 250) .. string.rep('}', 250) .. ';')
try(ffi.cdef, 'struct Big { char a[0x7fffffff]; char b[0x7fffffff]; char c[0x7fffffff]; };')
try(ffi.cdef, 'struct Bad { int a : -1; };')
try(ffi.cdef, 'struct Bad2 { int a __attribute__((aligned(3))); };')
try(ffi.cdef, 'struct Self { struct Self inner; };')
try(ffi.cdef, 'union U { int x; }; struct U *p;')
try(ffi.offsetof, 'struct Color', string.rep('a.', 2000) .. 'a')
try(ffi.struct, string.rep('x', 17 * 1024 * 1024))
for i = 1, 2000 do ffi.struct('struct S' .. i .. ' { int a; char b[' .. i .. ']; }') end
assert(ffi.sizeof('struct S2000') == 2004)
collectgarbage()
assert(ffi.sizeof('struct Color') == 8)
print('survived')
