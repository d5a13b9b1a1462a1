-- Reference solution of courses/fondamentaux/topology.lua (not installed).
function leaves(nodes, nics, radix, oversubscription)
  local down = math.floor(radix * oversubscription / (1 + oversubscription))
  down = math.max(1, math.min(down, radix - 1))
  return math.ceil(nodes * nics / down)
end

function bisection_tbs(p, id)
  local part = p:partition(id)
  local net = part.network
  -- every partition on this network: its nodes and their injection bandwidth (TB/s, one way)
  local nodes, injection = 0, 0
  for _, other in ipairs(p:partitions()) do
    local q = p:partition(other)
    if q.network.id == net.id then
      nodes = nodes + q.nodes
      injection = injection + q.nodes * q.node.nics * q.node.nic_gbit_s / 8 / 1000
    end
  end
  local half = injection / 2
  local whole
  if net.topology == "fat-tree" then
    whole = net.levels > 1 and half / net.oversubscription or half
  elseif net.topology == "dragonfly" then
    local g = math.ceil(nodes / net.group_nodes)
    if g < 2 then
      whole = half
    else
      local per_pair = net.global_links / (g - 1)
      local crossing = (g // 2) * (g - g // 2) * per_pair
      whole = math.min(half, crossing * net.link_gbit_s / 8 / 1000)
    end
  else
    return nil
  end
  return whole * (part.nodes * part.node.nics * part.node.nic_gbit_s / 8 / 1000) / injection   -- its share of the injection
end

-- The ring's time, 2 (p - 1) (alpha + S / (p B)): its latency and bandwidth terms meet at S = alpha p B.
local function ring_allreduce_s(gpus, bytes, alpha_s, bw_Bps)
  return 2 * (gpus - 1) * (alpha_s + bytes / gpus / bw_Bps)
end

function ring_crossover_bytes(gpus, alpha_s, bw_Bps)
  return alpha_s * gpus * bw_Bps
end

function shared_s(flows, bytes, alpha_s, flow_Bps, link_Bps)
  return alpha_s + math.max(bytes / flow_Bps, flows * bytes / link_Bps)
end

-- The alpha-beta time without contention: the ring pays the pair between nodes once it leaves the
-- first node; rhd pays, at each step, the pair of wherever the partner is.
local function closed_form_s(algo, gpus, bytes, sim)
  local g = sim.gpus_per_node
  if algo == "ring" then
    local a, b = sim.alpha_intra_s, sim.bw_intra_Bps
    if gpus > g then a, b = sim.alpha_inter_s, sim.bw_inter_Bps end
    return ring_allreduce_s(gpus, bytes, a, b)
  end
  local t, d = 0, 1
  while d < gpus do
    local a, b = sim.alpha_intra_s, sim.bw_intra_Bps
    if d >= g then a, b = sim.alpha_inter_s, sim.bw_inter_Bps end
    t = t + 2 * (a + bytes / (2 * d) / b)       -- the halving step and its doubling twin
    d = 2 * d
  end
  return t
end

function slowdown(algo, gpus, bytes, sim)
  return sim.simulated_s / closed_form_s(algo, gpus, bytes, sim)
end
