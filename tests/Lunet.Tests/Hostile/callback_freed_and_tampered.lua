-- Freed callbacks, replaced metatables and forged objects: errors, never a crash or another callback's code.
-- expect: freed and tampered callbacks handled
local ffi = require("ffi")
local qsort = ffi.C:wrap("void", "qsort", "pointer", "size_t", "size_t", "pointer")
local buf = ffi.buffer(4 * 8)
local cb = ffi.callback(function(a, b) return 0 end, "int", { "pointer", "pointer" })
local ptr = cb.ptr
cb:free()
assert(not cb.isValid)
local ok, err = pcall(cb.free, cb)
assert(not ok and err:find("was freed", 1, true), err)
ok, err = pcall(cb.getPtr, cb)
assert(not ok and err:find("was freed", 1, true), err)
ok, err = pcall(function() return cb.ptr end)
assert(not ok and err:find("was freed", 1, true), err)
assert(tostring(cb):find("(freed)", 1, true))
-- the freed pointer, called by C: zero, then an error
ok, err = pcall(qsort, buf, 8, 4, ptr)
assert(not ok and err:find("freed callback was called", 1, true), err)
ok, err = pcall(qsort, buf, 8, 4, cb)
assert(not ok and err:find("freed callback was called", 1, true), err)
-- many frees later the slot may serve another callback; until then it stays freed
local ran = false
for i = 1, 100 do ffi.callback(function() ran = true; return 0 end, "int", { "pointer", "pointer" }):free() end
ok = pcall(qsort, buf, 8, 4, ptr)
assert(not ok and not ran)
-- methods with a bad self
local live = ffi.callback(function() return 0 end, "int", {})
ok, err = pcall(live.free, 42)
assert(not ok and err:find("bad self to 'free'", 1, true), err)
ok, err = pcall(live.getPtr, ffi.buffer(8))
assert(not ok and err:find("bad self to 'getPtr'", 1, true), err)
-- the metatable, got and replaced
assert(getmetatable(live) == "FfiCallback")
local mt = debug.getmetatable(live)
ok, err = pcall(mt.__index, ffi.buffer(64), "ptr")
assert(not ok and err:find("FfiCallback expected", 1, true), err)
ok, err = pcall(mt.__tostring, {})
assert(not ok)
mt.__gc(ffi.buffer(64))          -- someone else's userdata: left alone
debug.setmetatable(live, nil)       -- still the callback's code as a pointer (the cookie tells, not the metatable)
ok, err = pcall(qsort, buf, 0, 4, live)
assert(ok, err)
debug.setmetatable(live, debug.getmetatable(ffi.buffer(1)))   -- a Buffer's metatable: an empty Buffer
ok, err = pcall(live.read, live, 0, "i64")
assert(not ok, "read past an empty buffer")
debug.setmetatable(live, mt)
assert(live.isValid)
mt.__gc(live)                    -- __gc by hand: the object is gone, the callback (held by C) is not
ok, err = pcall(function() return live.free end)
assert(not ok and err:find("was finalized", 1, true), err)
collectgarbage()
io.stderr:write("freed and tampered callbacks handled\n")
