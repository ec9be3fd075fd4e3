-- A C thread calling a threads = "queue" callback faster than Lua drains it never holds an ffi call
-- hostage: the drain at the end of a call runs what was queued when it began, then returns. Before,
-- the first call below returned only when the thread stopped (after 20 s).
-- expect: the queue held no call hostage
local ffi = require("ffi")
local lib = ffi.open(assert(os.getenv("LUNET_CBLIB")))
local busy = lib:wrap("i32", "busy", "i32")
local ran, stopping = 0, false
local cb = ffi.callback(function(x)
  if stopping then return 0 end
  ran = ran + 1
  local s = 0
  for i = 1, 100 do s = s + i end -- slower than the thread that queues it
  return 1
end, "i32", { "i32" }, { threads = "queue" })
-- a queue that overflows reports the calls it refused, as in "error" mode
local function call(f, ...)
  local ok, err = pcall(f, ...)
  assert(ok or err:find("called from a foreign thread", 1, true), err)
end
assert(lib:call("start_flood", "i32", { "pointer", "i32" }, cb, 20) == 1)
local started = os.time()
while ran == 0 and os.time() - started < 5 do call(busy, 1) end
for _ = 1, 3 do call(busy, 1) end
local took = os.time() - started
stopping = true
local made = 0
call(function() made = lib:call("stop_flood", "i64", {}) end)
call(ffi.poll)
assert(ran > 0, "no queued call ran")
assert(took < 12, "the calls took " .. took .. " s while the thread kept queueing")
print(("the queue held no call hostage: %d calls made, %d ran, %d s"):format(made, ran, took))
cb:free()
