-- The call stubs' own struct paths (instances copied, results made natively, typed pointers checked)
-- against tampered metatables, a replaced registry, forged and light userdata: errors or right values, never a crash.
-- exit: 0
-- expect: still standing
local ffi = require('ffi')
ffi.cdef[[
  struct in_addr { unsigned int s_addr; };
  struct other { unsigned int s_addr; };
  struct in_addr inet_makeaddr(unsigned int net, unsigned int host);
  size_t strlen(const struct in_addr *p);
]]
local ntoa = ffi.C:wrap('string', 'inet_ntoa', 'struct in_addr')
local a = ffi.new('struct in_addr', {s_addr = 0x0100007f})
assert(ntoa(a) == '127.0.0.1')
-- the metatable taken off, or replaced: the bytes are still an instance's
local mt = debug.getmetatable(a)
debug.setmetatable(a, nil)
assert(ntoa(a) == '127.0.0.1')
debug.setmetatable(a, {__index = function() error('not mine') end})
assert(ntoa(a) == '127.0.0.1')
debug.setmetatable(a, mt)
-- an instance of another struct of the same layout is refused, by value and by pointer
local o = ffi.new('struct other', {s_addr = 1})
local ok, e = pcall(ntoa, o)
assert(not ok and e:find("bad argument #1 to 'inet_ntoa' (struct in_addr expected", 1, true), e)
ok, e = pcall(ffi.C.strlen, o)
assert(not ok and e == "bad argument #1 to 'strlen' (struct in_addr* expected, got struct other)", e)
ok, e = pcall(ffi.C.strlen, ffi.new('struct other[3]'))
assert(not ok and e:find('got struct other[3]', 1, true), e)
assert(ffi.C.strlen(ffi.new('struct in_addr[2]', {{s_addr = 0x00414141}})) == 3)
assert(ffi.C.strlen(a) >= 1)
-- light userdata holding an instance's block address: never read as a block
local light = ffi.pointer(tonumber(string.format('%p', a):sub(3), 16))
ok, e = pcall(ntoa, light)
assert(not ok and e:find("bad argument #1 to 'inet_ntoa'", 1, true), e)
-- struct results while the registry's instance metatables are replaced by other values
local made = ffi.C.inet_makeaddr(127, 1)
assert(ntoa(made) == '127.0.0.1')
local reg = debug.getregistry()
local saved = {}
local imt = debug.getmetatable(made)
for k, v in pairs(reg) do
  if rawequal(v, imt) then saved[k] = v end
end
assert(next(saved), 'the instance metatable is in the registry')
for k in pairs(saved) do reg[k] = 42 end
for i = 1, 100 do
  local r = ffi.C.inet_makeaddr(10, i)
  assert(type(r) == 'userdata' and ntoa(r) == '10.0.0.' .. i, tostring(r))
end
for k, v in pairs(saved) do reg[k] = v end
-- many results, collected under a small step
collectgarbage('step', 0)
for i = 1, 20000 do
  local r = ffi.C.inet_makeaddr(1, i % 256)
  if i % 5000 == 0 then assert(ntoa(r) == '1.0.0.' .. (i % 256)) end
end
collectgarbage()
print('still standing')
