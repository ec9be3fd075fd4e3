-- uname(2) into a struct utsname: the layout is declared with ffi.cdef, the bytes
-- live in a Buffer of sizeof(struct utsname), each field is read at its offsetof.
--   ./lunet examples/uname.lua
local ffi = require("ffi")

-- Linux (glibc and musl) has six fields of 65 bytes; macOS five of 256.
local width = os.platform == "macos" and 256 or 65
local names = { "sysname", "nodename", "release", "version", "machine" }
if os.platform ~= "macos" then names[#names + 1] = "domainname" end
local members = {}
for i, name in ipairs(names) do members[i] = ("char %s[%d];"):format(name, width) end
ffi.cdef("struct utsname { " .. table.concat(members, " ") .. " };")

local uname = ffi.C:wrap("int", "uname", "struct utsname*")
local info = ffi.buffer(ffi.sizeof("struct utsname"))
assert(uname(info) == 0, "uname failed")

-- A char[N] field holds a C string: read it from a slice of the field's bytes.
local function field(name)
  return ffi.string(info:slice(ffi.offsetof("struct utsname", name), width))
end

print(("struct utsname: %d bytes, machine at offset %d"):format(
  ffi.sizeof("struct utsname"), ffi.offsetof("struct utsname", "machine")))
for _, name in ipairs({ "sysname", "release", "machine" }) do
  print(("%-8s %s"):format(name, field(name)))
end
