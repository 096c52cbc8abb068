-- GET /api/v1/cases/{id} for ids drawn at random from 1..MAX_ID.
-- wrk ... -s read_case.lua -- TOKEN MAX_ID
local token, max_id

local threads = 0

-- Numbers the threads, so that each draws its own numbers.
function setup(thread)
   threads = threads + 1
   thread:set("tid", threads)
end

function init(args)
   token = args[1]
   max_id = tonumber(args[2])
   math.randomseed(os.time() * 100 + tid)
end

function request()
   return wrk.format("GET", "/api/v1/cases/" .. math.random(1, max_id),
                     {["Authorization"] = "Bearer " .. token})
end
