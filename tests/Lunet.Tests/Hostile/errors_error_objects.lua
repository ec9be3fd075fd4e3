-- An uncaught error object that is not a string, with a __tostring that raises: the
-- message handler runs it in a protected call and falls back to lua.c's text.
-- exit: 1
-- expect: (error object is a table value)
local mt = { __tostring = function() error("tostring raises") end }
local ok, e = pcall(error, setmetatable({}, mt))
assert(not ok and getmetatable(e) == mt)
error(setmetatable({}, mt))
