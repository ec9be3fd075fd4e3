-- Struct calls through a closed library, through lib:call's uncached path (type names too long
-- to cache) and from coroutines: errors name the function, the runtime keeps working.
-- exit: 0
-- expect: closed and uncached ok
local ffi = require('ffi')
ffi.cdef[[
  typedef struct { long long quot; long long rem; } lldiv_t;
  struct in_addr { unsigned int s_addr; };
]]
local c = ffi.open('libc.so.6')
local lldiv = c:wrap('lldiv_t', 'lldiv', 'i64', 'i64')
assert(lldiv(100, 7).rem == 2)
-- lib:call with a type name longer than Lua's short strings: never cached, every call from C#
local long = 'struct in_addr' .. string.rep(' ', 60)
for i = 1, 20 do
  assert(c:call('inet_ntoa', 'string', {long}, {s_addr = i}) == ('%d.0.0.0'):format(i))
  local ok, e = pcall(c.call, c, 'inet_ntoa', 'string', {long}, {s_addr = 'x'})
  assert(not ok and tostring(e):find("bad argument #1 to 'inet_ntoa'", 1, true), tostring(e))
end
-- errors inside coroutines, resumed again and again
local co = coroutine.wrap(function()
  while true do
    local ok, e = pcall(lldiv, 1, {})
    assert(not ok and tostring(e):find("bad argument #2 to 'lldiv'", 1, true), tostring(e))
    coroutine.yield(lldiv(9, 4).quot)
  end
end)
for _ = 1, 100 do assert(co() == 2) end
c:close()
for _ = 1, 3 do
  local ok, e = pcall(lldiv, 100, 7)
  assert(not ok and tostring(e):find("cannot call 'lldiv'", 1, true), tostring(e))
  ok, e = pcall(c.call, c, 'lldiv', 'lldiv_t', {'i64', 'i64'}, 100, 7)
  assert(not ok, tostring(e))
end
collectgarbage()
print('closed and uncached ok')
