-- POST /api/v1/cases as a resident: a report in a random grid, routed and
-- given its deadline by the server; each request with its own
-- Idempotency-Key, so that none is taken for a retry.
-- wrk ... -s submit.lua -- TOKEN GRIDS_FILE RUN_TAG
local token, grids, n, tag = nil, {}, 0, ""

local texts = {
   {"06028", "夜间噪声扰民", "楼下商铺每天晚上音响开到很晚，噪音影响休息。"},
   {"09009", "机动车乱停放", "小区门口车辆乱停乱放，停车占道，早晚高峰出不去。"},
   {"06010", "路边暴露垃圾", "小区东门外路边堆着一堆生活垃圾，气味很大。"},
   {"06042", "垃圾箱满溢", "公交站旁的两个垃圾箱已经满了，垃圾掉了一地。"},
   {"01037", "路灯不亮", "小区外的路灯连续好几天晚上不亮，走夜路不安全。"},
}

local threads = 0

-- Numbers the threads, so that each draws its own numbers.
function setup(thread)
   threads = threads + 1
   thread:set("tid", threads)
end

function init(args)
   token = args[1]
   for line in io.lines(args[2]) do
      grids[#grids + 1] = line
   end
   tag = args[3] .. "-" .. tid
   math.randomseed(os.time() * 100 + tid)
end

function request()
   n = n + 1
   local t = texts[math.random(1, #texts)]
   local body = string.format(
      '{"category":"%s","area":"%s","title":"%s","description":"%s",' ..
      '"channel":"app"}', t[1], grids[math.random(1, #grids)], t[2], t[3])
   return wrk.format("POST", "/api/v1/cases", {
      ["Authorization"] = "Bearer " .. token,
      ["Content-Type"] = "application/json",
      ["Idempotency-Key"] = "bench-" .. tag .. "-" .. n,
   }, body)
end
