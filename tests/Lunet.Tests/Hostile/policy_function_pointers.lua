-- Under an allow-list of libz, libc's system is found as a script finds it (its base in
-- /proc/self/maps, its offset in libc's own symbol table) and made callable every way a script
-- can: each is refused before any call, naming the address and the rule; libz's own code and a
-- live callback stay callable.
-- args: --allow-lib /usr/lib/x86_64-linux-gnu/libz.so.1
-- expect: ffi.func: cannot call 0x
-- expect: a function pointer may reach only the code of a library it opened from its allow-list
-- expect: function pointer 'i32 (string)': cannot call 0x
-- expect: all calls to system refused
local ffi = require("ffi")
local LIBZ = "/usr/lib/x86_64-linux-gnu/libz.so.1"

local function libc()
  for line in io.lines("/proc/self/maps") do
    local lo, off, path = line:match("^(%x+)%-%x+ %S+ (%x+) %S+ %S+%s+(/%S*libc%.so%.6)$")
    if lo and tonumber(off, 16) == 0 then return tonumber(lo, 16), path end
  end
  error("libc not found in /proc/self/maps")
end

-- The offset of a dynamic symbol, from the ELF file's section headers and .dynsym.
local function offset_of(path, name)
  local f = assert(io.open(path, "rb"))
  local elf = f:read("a")
  f:close()
  local shoff, shentsize, shnum = string.unpack("<I8", elf, 0x28 + 1), string.unpack("<I2", elf, 0x3A + 1), string.unpack("<I2", elf, 0x3C + 1)
  local function section(i)
    local at = shoff + i * shentsize + 1
    local stype = string.unpack("<I4", elf, at + 4)
    local offset, size = string.unpack("<I8I8", elf, at + 24)
    local link = string.unpack("<I4", elf, at + 40)
    return stype, offset, size, link
  end
  for i = 0, shnum - 1 do
    local stype, offset, size, link = section(i)
    if stype == 11 then -- SHT_DYNSYM
      local _, stroff = section(link)
      for s = offset, offset + size - 24, 24 do
        local nameoff = string.unpack("<I4", elf, s + 1)
        if string.unpack("z", elf, stroff + nameoff + 1) == name then
          return string.unpack("<I8", elf, s + 8 + 1)
        end
      end
    end
  end
  error(name .. " not found in " .. path)
end

local base, path = libc()
local system = base + offset_of(path, "system")
local z = ffi.open(LIBZ)

local function refused(f, ...)
  local ok, err = pcall(f, ...)
  assert(not ok, "system became callable")
  err = tostring(err)
  assert(err:find(string.format("cannot call 0x%x", system), 1, true), err)
  print(err)
end

-- ffi.func, with an integer, a pointer value, and the spelled-out signature
refused(ffi.func, system, "int (*)(const char *)")
refused(ffi.func, ffi.pointer(system), "int", "string")
-- a function-pointer field of a struct view over a Buffer, an element of an array of them
ffi.cdef[[struct policy_w { int (*run)(const char *); int (*many[2])(const char *); };]]
local b = ffi.buffer(24)
b:write(0, "u64", system)
b:write(16, "u64", system)
local w = ffi.cast(b, "struct policy_w")
refused(function() return w.run end)
refused(function() return w.many[1] end)
-- an instance's field, given the address as a pointer value
local inst = ffi.new("struct policy_w")
inst.run = ffi.pointer(system)
refused(function() return inst.run end)

-- libz's own code stays callable through a pointer, and so does a live callback
local version = ffi.func(z:getSymbol("zlibVersion"), "const char *(*)(void)")
assert(version():find("^1%."))
local cb = ffi.callback(function(x) return x + 1 end, "int", { "int" })
assert(ffi.func(cb, "int (*)(int)")(41) == 42)
-- closed, libz's code is not a target any more: refused at creation, and the one made before is closed
local kept = ffi.func(z:getSymbol("zlibVersion"), "const char *(*)(void)")
local address = z:getSymbol("zlibVersion")
z:close()
local ok, err = pcall(kept)
assert(not ok and tostring(err):find("is closed", 1, true), tostring(err))
ok, err = pcall(ffi.func, address, "const char *(*)(void)")
assert(not ok and tostring(err):find("cannot call", 1, true), tostring(err))
-- a freed callback is no target either
local f = ffi.callback(function() return 1 end, "int", {})
local code = ffi.address(f)
f:free()
ok, err = pcall(ffi.func, code, "int (*)(void)")
assert(not ok and tostring(err):find("cannot call", 1, true), tostring(err))
print("all calls to system refused")
