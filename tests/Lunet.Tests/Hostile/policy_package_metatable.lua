-- The host adds the script's directory to package.path with raw access: metatables on _G and package do not run.
-- args: -e package.path=nil;setmetatable(package,{__index=error,__newindex=error});setmetatable(_G,{__index=error})
-- expect: ran
print("ran")
