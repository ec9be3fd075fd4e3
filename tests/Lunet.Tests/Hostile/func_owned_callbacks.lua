-- Callbacks owned by instance fields, with their guards and registry table tampered with: never a crash.
-- expect: owned callbacks survived
local ffi = require("ffi")
ffi.cdef[[struct func_owned { int (*f)(int); int (*g[2])(int); };]]
local s = ffi.new("struct func_owned")
s.f = function(x) return x + 1 end
s.g[1] = function(x) return x * 2 end
assert(s.f(1) == 2 and s.g[1](4) == 8 and s.g[0] == nil)
-- find the guards in the registry (a table of tables keyed by the owning instance) and abuse them
local reg = debug.getregistry()
for k, v in pairs(reg) do
  if type(k) == "userdata" and type(v) == "table" then
    for owner, fields in pairs(v) do
      if type(fields) == "table" then
        for addr, guard in pairs(fields) do
          local mt = debug.getmetatable(guard)
          if mt and mt.__gc then
            mt.__gc(guard)      -- by hand: the callback is released, the field still points at its slot
            mt.__gc(guard)      -- twice: nothing more
            pcall(mt.__gc, {})  -- not a guard
            pcall(mt.__gc)
          end
          fields[addr] = "junk"
        end
        v[owner] = 42
      end
    end
  end
end
-- the released slot returns 0 and the call raises; the runtime keeps working
local ok, err = pcall(s.f, 1)
assert(not ok and tostring(err):find("freed callback", 1, true), tostring(err))
s.f = function(x) return x + 10 end   -- over junk: a new guard
assert(s.f(1) == 11)
s.f = nil
assert(s.f == nil)
-- the whole table replaced by junk, then collected instances
for k, v in pairs(reg) do
  if type(k) == "userdata" and type(v) == "table" and rawlen(v) == 0 and next(v) ~= nil then reg[k] = "junk" end
end
for _ = 1, 1000 do ffi.new("struct func_owned").f = function(x) return x end end
collectgarbage(); collectgarbage()
s.f = function(x) return -x end
assert(s.f(3) == -3)
io.stderr:write("owned callbacks survived\n")
