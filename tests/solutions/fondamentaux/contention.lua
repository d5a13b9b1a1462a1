-- Reference solution of courses/fondamentaux/contention.lua (not installed).

-- The two links a message takes, their capacity (GB/s) and latency (s).
local function path(m, net)
  if m.from // net.gpus_per_node == m.to // net.gpus_per_node then
    return { "nvout" .. m.from, "nvin" .. m.to }, net.nvlink_gbs, net.alpha_nvlink_s
  end
  return { "up" .. m.from, "down" .. m.to }, net.nic_gbs, net.alpha_nic_s
end

function bound_s(messages, net)
  local load, worst = {}, 0
  for _, m in ipairs(messages) do
    local links, gbs, alpha = path(m, net)
    for _, l in ipairs(links) do
      load[l] = (load[l] or 0) + m.bytes
      worst = math.max(worst, alpha + load[l] / (gbs * 1e9))
    end
  end
  return worst
end

-- Progressive filling: the link with the least capacity left per unfixed message fills first.
function fair_rates(messages, net)
  local rate, fixed = {}, 0
  while fixed < #messages do
    local used, free, cap = {}, {}, {}
    for i, m in ipairs(messages) do
      local links, gbs = path(m, net)
      for _, l in ipairs(links) do
        cap[l] = gbs
        if rate[i] then used[l] = (used[l] or 0) + rate[i] else free[l] = (free[l] or 0) + 1 end
      end
    end
    local share = math.huge
    for l, n in pairs(free) do share = math.min(share, (cap[l] - (used[l] or 0)) / n) end
    for i, m in ipairs(messages) do
      if not rate[i] then
        local links, gbs = path(m, net)
        for _, l in ipairs(links) do
          if free[l] and (gbs - (used[l] or 0)) / free[l] <= share * (1 + 1e-12) then
            rate[i], fixed = share, fixed + 1
            break
          end
        end
      end
    end
  end
  return rate
end

-- From one end to the next, at the max-min rates of the messages still in flight.
function makespan_s(messages, net)
  local left, t, last = {}, 0, 0
  for i, m in ipairs(messages) do left[i] = m.bytes end
  while true do
    local live, index = {}, {}
    for i, m in ipairs(messages) do
      if left[i] > 0 then live[#live + 1], index[#index + 1] = m, i end
    end
    if #live == 0 then return last end
    local rates, dt = fair_rates(live, net), math.huge
    for j, i in ipairs(index) do dt = math.min(dt, left[i] / (rates[j] * 1e9)) end
    t = t + dt
    for j, i in ipairs(index) do
      left[i] = left[i] - rates[j] * 1e9 * dt
      if left[i] <= 1e-9 * messages[i].bytes then
        left[i] = 0
        local _, _, alpha = path(messages[i], net)
        last = math.max(last, t + alpha)
      end
    end
  end
end

function incast_senders(bytes, seconds, net, nodes)
  local function fit(alpha, gbs, most)
    local n = math.floor((seconds - alpha) * gbs * 1e9 / bytes + 1e-9)
    return math.max(0, math.min(most, n))
  end
  local g = net.gpus_per_node
  return fit(net.alpha_nvlink_s, net.nvlink_gbs, g - 1) + fit(net.alpha_nic_s, net.nic_gbs, (nodes - 1) * g)
end
