-- The first callback of an ffi call keeps its message handler and function on that call's stack,
-- where the debug library can reach them as the C function's temporaries. Overwriting them from
-- inside the callback is an error of that call, never a crash, and the next calls are whole.
-- expect: kept callback tampering all contained
local ffi = require("ffi")
local qsort = ffi.C:wrap("void", "qsort", "pointer", "size_t", "size_t", "pointer")
local buf = ffi.buffer(4 * 64)
local function fill() for i = 0, 63 do buf:write(i * 4, "i32", (i * 37) % 64) end end
local function sorted()
  for i = 1, 63 do if buf:read((i - 1) * 4, "i32") > buf:read(i * 4, "i32") then return false end end
  return true
end
local function cmp(a, b) return ffi.cast(a, "i32") - ffi.cast(b, "i32") end
-- overwrite every temporary of the qsort call's frame (level 2) with each kind of value
for _, value in ipairs({ 42, "str", {}, print, function() return 0 end, function() error("planted") end, false }) do
  local first = true
  local cb = ffi.callback(function(a, b)
    if first then
      first = false
      for i = 1, 16 do
        local name = debug.getlocal(2, i)
        if not name then break end
        debug.setlocal(2, i, value)
      end
    end
    return cmp(a, b)
  end, "int", { "pointer", "pointer" })
  fill()
  local ok, err = pcall(qsort, buf, 64, 4, cb)
  assert(ok or type(err) == "string", tostring(err))
  -- the same callback in a fresh call works
  first = false
  fill()
  qsort(buf, 64, 4, cb)
  assert(sorted(), "not sorted after tampering with " .. tostring(value))
  cb:free()
end
-- read them too: nothing there names more than the handler and the callback's own function
local seen = 0
local cb = ffi.callback(function(a, b)
  for i = 1, 16 do
    local name, v = debug.getlocal(2, i)
    if not name then break end
    seen = seen + 1
  end
  return cmp(a, b)
end, "int", { "pointer", "pointer" })
fill()
qsort(buf, 64, 4, cb)
assert(sorted() and seen > 0)
io.stderr:write("kept callback tampering all contained\n")
