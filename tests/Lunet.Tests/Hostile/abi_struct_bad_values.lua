-- Structs by value given every wrong value: each a Lua error naming the argument and the function; the runtime keeps working.
-- exit: 0
-- expect: all refused
local ffi = require('ffi')
ffi.cdef[[
  typedef struct { int quot; int rem; } div_t;
  typedef struct { long long quot; long long rem; } lldiv_t;
  struct in_addr { unsigned int s_addr; };
]]
local div = ffi.C:wrap('div_t', 'div', 'int', 'int')
local lldiv = ffi.C:wrap('lldiv_t', 'lldiv', 'i64', 'i64')
local ntoa = ffi.C:wrap('string', 'inet_ntoa', 'struct in_addr')
local r = div(17, 5)
assert(r.quot == 3 and r.rem == 2)
local l = lldiv(-(2^40), 7)
assert(l.quot == -(2^40) // 7 + 1 and l.rem == -(2^40) % 7 - 7)
assert(ntoa({s_addr = 0x0100007f}) == '127.0.0.1')

local values = {
  nil, true, 0, -1, 2^63, 0/0, '', 'x', string.rep('k', 100000), print, coroutine.create(print),
  ffi.nullptr, ffi.buffer(4), {s_addr = 'no'}, {s_addr = {}}, {s_addr = 2^40}, {other = 1}, {[1] = 5},
  {[string.rep('f', 10000)] = 1}, {[true] = 1}, {[{}] = 1}, ffi.new('div_t'), r, l,
  setmetatable({}, {__index = function() error('must not run') end, __pairs = function() error('must not run') end}),
}
local refused = 0
for i = 1, 25 do
  local ok, e = pcall(ntoa, values[i])
  if not ok then
    assert(tostring(e):find("bad argument #1 to 'inet_ntoa'", 1, true), tostring(e))
    refused = refused + 1
  end
end
-- accepted: 2^40 (wraps to the field's width, as a field write does) and the table with a metatable (an empty table: s_addr 0)
assert(refused == 23, refused)
-- too many and too few
assert(not pcall(ntoa))
assert(not pcall(ntoa, {}, {}))
-- the same through lib:call, first call and cached
for _ = 1, 3 do
  local ok, e = pcall(ffi.C.call, ffi.C, 'inet_ntoa', 'string', {'struct in_addr'}, r)
  assert(not ok and tostring(e):find('struct in_addr expected, got div_t', 1, true), tostring(e))
end
-- and it still works
assert(ntoa({s_addr = 0x0201a8c0}) == '192.168.1.2')
assert(div(-17, 5).rem == -2)
print('all refused')
