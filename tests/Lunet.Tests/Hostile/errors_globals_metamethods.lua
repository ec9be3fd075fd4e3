-- _G with raising __index and __newindex, debug and print gone: the command's own
-- error reporting, flush and exit read nothing through them.
-- exit: 1
-- expect: survived
-- expect: errors_globals_metamethods.lua:11: last words
-- expect: stack traceback:
io.write("survived\n")
local error = error
debug, print, tostring, io, package = nil, nil, nil, nil, nil
setmetatable(_G, { __index = function(_, k) error("no global " .. k) end, __newindex = function() error("read-only") end })
error("last words")
