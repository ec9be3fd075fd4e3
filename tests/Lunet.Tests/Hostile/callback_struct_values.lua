-- Struct callbacks given bad results: each call raises an error naming the callback and the types,
-- the caller gets a zeroed struct, and the runtime keeps working. C calls them through ffi.func.
-- expect: struct callback values all checked
local ffi = require("ffi")
ffi.cdef([[
  typedef struct V2 { double x, y; } V2;
  typedef struct V3 { long long a, b, c; } V3;
  typedef struct Other { int i; } Other;
  typedef struct Huge { char bytes[32768]; } Huge;
  typedef struct Over { char bytes[65537]; } Over;
]])
local function call(ret, fn, value, ...)
  local cb = ffi.callback(function() return value end, ret, {})
  local ok, err = pcall(ffi.func(cb.ptr, ret .. " (*)(void)"), ...)
  cb:free()
  assert(not ok, "accepted: " .. tostring(value))
  return tostring(err)
end
local function refused(ret, value, pattern)
  local err = call(ret, nil, value)
  assert(err:find(pattern, 1, true), err)
  assert(err:find("C got a zeroed struct " .. ret, 1, true), err)
end
for _, ret in ipairs({ "V2", "V3" }) do
  refused(ret, "str", "bad result from callback 'struct " .. ret .. " ()' (struct " .. ret .. " expected (an instance or a table of fields), got string)")
  refused(ret, nil, "got nil")
  refused(ret, 42, "got number")
  refused(ret, ffi.new("Other"), "struct " .. ret .. " expected, got struct Other")
  refused(ret, { x = "no", a = "no" }, "has no field")
  refused(ret, { [1] = 5 }, "has no field (a number)")
  refused(ret, { [("k"):rep(5000)] = 1 }, "has no field (a long string)")
  refused(ret, ffi.buffer(64), "got Buffer")
  refused(ret, coroutine.create(print), "got thread")
  -- the table is read raw: its metatable never runs
  local trap = setmetatable({}, { __index = function() error("ran") end, __pairs = function() error("ran") end,
    __newindex = function() error("ran") end })
  local cb = ffi.callback(function() return trap end, ret, {})
  local r = ffi.func(cb.ptr, ret .. " (*)(void)")()
  cb:free()
  assert(tostring(r):find(ret, 1, true))
end
refused("V2", { x = 1, y = {} }, "cannot set struct V2.y")
refused("V3", { a = 1, b = 2, c = 1.5 }, "cannot set struct V3.c")
refused("V3", { a = 1, b = 2, c = math.huge }, "cannot set struct V3.c")
-- a struct argument is a copy: changing it changes nothing in the caller
local seen
local cb = ffi.callback(function(v) v.x = 99; seen = v; return v end, "V2", { "V2" })
local arg = ffi.new("V2", { x = 1, y = 2 })
local r = ffi.func(cb.ptr, "V2", "V2")(arg)
assert(arg.x == 1 and r.x == 99 and seen.x == 99)
cb:free()
-- 32 KiB structs by value in and out (64 KiB in all, the most a call passes); more is refused
local huge = ffi.callback(function(h) h.bytes[32767] = 7; return h end, "Huge", { "Huge" })
local got = ffi.func(huge.ptr, "Huge", "Huge")(ffi.new("Huge"))
assert(got.bytes[32767] == 7)
local okOver, errOver = pcall(ffi.callback, function() end, "void", { "Over" })
assert(not okOver and tostring(errOver):find("more than the 65536 a call may pass by value", 1, true), tostring(errOver))
huge:free()
-- errors and yields inside struct callbacks
local boom = ffi.callback(function() error("boom") end, "V3", { "V3", "V2" })
local ok, err = pcall(ffi.func(boom.ptr, "V3", "V3", "V2"), {}, {})
assert(not ok and tostring(err):find("boom", 1, true))
local co = coroutine.wrap(function() return pcall(ffi.func(boom.ptr, "V3", "V3", "V2"), {}, {}) end)
assert(not co())
local yields = ffi.callback(function() coroutine.yield() end, "V2", {})
ok, err = coroutine.wrap(function() return pcall(ffi.func(yields.ptr, "V2 (*)(void)")) end)()
assert(not ok and tostring(err):find("cannot yield inside callback", 1, true), tostring(err))
-- a freed struct callback: the caller gets zero and an error
local freed = ffi.callback(function() return { x = 1, y = 1 } end, "V2", {})
local fp = ffi.func(freed.ptr, "V2 (*)(void)")
freed:free()
ok, err = pcall(fp)
assert(not ok and tostring(err):find("freed callback", 1, true), tostring(err))
-- still working
local fine = ffi.callback(function(a, b) return { x = a.x + b.y, y = 0 } end, "V2", { "V2", "V2" })
assert(ffi.func(fine.ptr, "V2", "V2", "V2")({ x = 1 }, { y = 2 }).x == 3)
io.stderr:write("struct callback values all checked\n")
