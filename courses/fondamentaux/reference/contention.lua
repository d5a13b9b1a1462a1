-- The teacher's reference computations for contention.lua (usine.reference "contention"); not
-- installed. A message is { from =, to =, bytes = }, GPUs from 0; a net is { gpus_per_node,
-- nvlink_gbs, nic_gbs, alpha_nvlink_s, alpha_nic_s }: inside a node a message leaves its GPU on
-- its NVLink and enters the other's; between nodes it leaves on the sender's own NIC (one per
-- GPU, its rail) and enters on the receiver's, through one switch that never limits. Each
-- direction of each link is its own capacity.
local R = {}

-- The links a message crosses: two keys, the capacity in GB/s and the latency of that kind.
function R.links(m, net)
  local g = net.gpus_per_node
  if m.from // g == m.to // g then
    return { "nvlink-out:" .. m.from, "nvlink-in:" .. m.to }, net.nvlink_gbs, net.alpha_nvlink_s
  end
  return { "nic-up:" .. m.from, "nic-down:" .. m.to }, net.nic_gbs, net.alpha_nic_s
end

-- No schedule ends before its busiest link has carried its bytes: the largest, over links, of
-- the latency plus the bytes crossing it over its capacity. Exact when every message has the
-- same size (under fair sharing the flows of the busiest link never go faster than its share).
function R.bound_s(messages, net)
  local load, cap, alpha = {}, {}, {}
  for _, m in ipairs(messages) do
    local keys, c, a = R.links(m, net)
    for _, k in ipairs(keys) do
      load[k], cap[k], alpha[k] = (load[k] or 0) + m.bytes, c, a
    end
  end
  local t = 0
  for k, b in pairs(load) do t = math.max(t, alpha[k] + b / (cap[k] * 1e9)) end
  return t
end

-- Max-min fair rates (GB/s), as a flow-level simulator shares links: progressive filling. Every
-- flow not yet fixed grows at the same pace; the link whose remaining capacity per such flow is
-- the smallest fills first and fixes its flows at that share; repeat.
function R.fair_rates(messages, net)
  local on, cap = {}, {}
  local paths = {}
  for i, m in ipairs(messages) do
    local keys, c = R.links(m, net)
    paths[i] = keys
    for _, k in ipairs(keys) do
      on[k] = on[k] or {}
      on[k][#on[k] + 1] = i
      cap[k] = c
    end
  end
  local rate, left = {}, #messages
  while left > 0 do
    local best, share = nil, math.huge
    for k, flows in pairs(on) do
      local used, free = 0, 0
      for _, i in ipairs(flows) do
        if rate[i] then used = used + rate[i] else free = free + 1 end
      end
      if free > 0 then
        local s = (cap[k] - used) / free
        if not best or s < share * (1 - 1e-12) or (s <= share * (1 + 1e-12) and k < best) then best, share = k, s end
      end
    end
    for _, i in ipairs(on[best]) do
      if not rate[i] then rate[i], left = share, left - 1 end
    end
  end
  return rate
end

-- When the last message arrives if the links are shared fairly all along: the flow-level
-- simulation of one step. Rates are the max-min fair rates of the messages still in flight;
-- at each finish the others speed up. A message arrives its link's latency after its last byte.
function R.makespan_s(messages, net)
  local left, live, t, last = {}, {}, 0, 0
  for i, m in ipairs(messages) do left[i], live[#live + 1] = m.bytes, i end
  while #live > 0 do
    local now = {}
    for j, i in ipairs(live) do now[j] = messages[i] end
    local rates = R.fair_rates(now, net)
    local dt = math.huge
    for j, i in ipairs(live) do dt = math.min(dt, left[i] / (rates[j] * 1e9)) end
    t = t + dt
    local still = {}
    for j, i in ipairs(live) do
      left[i] = left[i] - rates[j] * 1e9 * dt
      if left[i] <= 1e-9 * messages[i].bytes then
        local _, _, alpha = R.links(messages[i], net)
        last = math.max(last, t + alpha)
      else
        still[#still + 1] = i
      end
    end
    live = still
  end
  return last
end

-- The most GPUs of `nodes` nodes that can each send `bytes` to GPU 0 within `seconds`: the other
-- GPUs of its node share its NVLink in, the GPUs of other nodes its NIC down, two links that work
-- at once.
function R.incast_senders(bytes, seconds, net, nodes)
  local function fit(alpha, gbs, most)
    if seconds <= alpha then return 0 end
    return math.max(0, math.min(most, math.floor((seconds - alpha) * gbs * 1e9 / bytes + 1e-9)))
  end
  local g = net.gpus_per_node
  return fit(net.alpha_nvlink_s, net.nvlink_gbs, g - 1) + fit(net.alpha_nic_s, net.nic_gbs, (nodes - 1) * g)
end

return R
