-- Required by cli_basics.lua from the script's own directory (not a test itself).
local M = {}

M.name = "helper_module"

function M.greet(who)
  return "hello, " .. who
end

return M
