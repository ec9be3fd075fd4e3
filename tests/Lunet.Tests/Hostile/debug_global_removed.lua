-- The runtime's own traceback must not be looked up in globals a script can change.
-- exit: 0
debug = nil
print = nil
tostring = nil
