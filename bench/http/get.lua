-- GET one of a list of paths in turn, signed in.
-- wrk ... -s get.lua -- TOKEN PATH [PATH ...]
local token, paths, i = nil, {}, 0

local threads = 0

-- Numbers the threads, so that each draws its own numbers.
function setup(thread)
   threads = threads + 1
   thread:set("tid", threads)
end

function init(args)
   token = args[1]
   for k = 2, #args do
      paths[#paths + 1] = args[k]
   end
   math.randomseed(os.time() * 100 + tid)
   i = math.random(0, #paths - 1)
end

function request()
   i = i % #paths + 1
   return wrk.format("GET", paths[i],
                     {["Authorization"] = "Bearer " .. token})
end
