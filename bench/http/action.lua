-- POST /api/v1/cases/{id}/actions: a supervisor presses (督办) an open
-- case drawn at random from a list of ids; escalate keeps the state, so
-- the same cases can be pressed again and again.
-- wrk ... -s action.lua -- TOKEN IDS_FILE RUN_TAG
local token, ids, n, tag = nil, {}, 0, ""

local threads = 0

-- Numbers the threads, so that each draws its own numbers.
function setup(thread)
   threads = threads + 1
   thread:set("tid", threads)
end

function init(args)
   token = args[1]
   for line in io.lines(args[2]) do
      ids[#ids + 1] = line
   end
   tag = args[3] .. "-" .. tid
   math.randomseed(os.time() * 100 + tid)
end

function request()
   n = n + 1
   return wrk.format("POST",
      "/api/v1/cases/" .. ids[math.random(1, #ids)] .. "/actions", {
      ["Authorization"] = "Bearer " .. token,
      ["Content-Type"] = "application/json",
      ["Idempotency-Key"] = "bench-act-" .. tag .. "-" .. n,
   }, '{"action":"escalate","note":"请加快办理，按期反馈。"}')
end
