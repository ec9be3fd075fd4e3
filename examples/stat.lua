-- stat(2) through the real <sys/stat.h>: the C compiler's preprocessor (cc -E -P) turns the
-- header into plain declarations, lib:cdef declares them and binds libc's functions, and
-- ffi.new gives the struct stat that glibc fills, laid out as the compiler lays it out.
--   ./lunet examples/stat.lua [file]        (the script itself by default)
local ffi = require("ffi")

local path = arg[1] or arg[0]

-- The header, preprocessed. Only a C compiler can do that: say so if there is none.
local function preprocessed(header)
  if not os.execute("command -v cc >/dev/null 2>&1") then
    error("stat.lua needs a C compiler: no 'cc' on PATH to preprocess <" .. header .. ">", 0)
  end
  local cc = io.popen(("printf '#include <%s>\\n' | cc -E -P - 2>/dev/null"):format(header), "r")
  local text = cc:read("a")
  local ok = cc:close()
  if not ok or text == "" then error("stat.lua: 'cc -E -P' could not preprocess <" .. header .. ">", 0) end
  return text
end

local libc = ffi.open("c")
libc:cdef(preprocessed("sys/stat.h"))

local st = ffi.new("struct stat")
if libc.stat(path, st) ~= 0 then
  error(("stat.lua: cannot stat %s"):format(path), 0)
end

-- The file type is in the top bits of st_mode (POSIX's S_IFMT values).
local kinds = { [0x8000] = "regular file", [0x4000] = "directory", [0xA000] = "symbolic link",
                [0x2000] = "character device", [0x6000] = "block device", [0x1000] = "fifo", [0xC000] = "socket" }
local mtime = st.st_mtim.tv_sec

print(("file   %s"):format(path))
print(("size   %d bytes"):format(st.st_size))
print(("mode   %o (%s)"):format(st.st_mode, kinds[st.st_mode & 0xF000] or "unknown type"))
print(("mtime  %s (%d)"):format(os.date("%Y-%m-%d %H:%M:%S", mtime), mtime))
print(("struct stat: %d bytes, st_size at offset %d"):format(ffi.sizeof("struct stat"), ffi.offsetof("struct stat", "st_size")))
