-- A script that runs out of memory without pcall: the command reports Lua's message.
-- args: --memory-limit 2000000
-- exit: 1
-- expect: lunet: not enough memory
local t = {}
for i = 1, 1e8 do t[i] = i end
