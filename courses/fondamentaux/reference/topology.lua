-- The teacher's reference computations for topology.lua (usine.reference "topology"); not
-- installed.
local R = {}

-- Leaves of a fat tree, as the simulator and the platform totals count them (sim/net.c): a leaf's
-- ports split between nodes (down) and the level above in the ratio of the oversubscription.
function R.leaves(nodes, nics, radix, o)
  local down = math.floor(radix * o / (1 + o))
  if down < 1 then down = 1 end
  if down >= radix then down = radix - 1 end
  return math.ceil(nodes * nics / down)
end

-- One step of flows through a shared link: each flow is held by its own NIC, or the link carries
-- every byte of every flow; the slower wins, and the latency adds on.
function R.shared(flows, bytes, alpha, flow_Bps, link_Bps)
  return alpha + math.max(bytes / flow_Bps, flows * bytes / link_Bps)
end

-- The ring all-reduce's crossover: 2 (p - 1) alpha = 2 (p - 1) S / (p B) at S = alpha p B.
function R.ring_crossover(p, alpha, bw) return alpha * p * bw end

-- The bisection of a partition in TB/s, as the platform totals compute it (sim/plat_totals.c): the
-- whole network's injection halved, through the topology, then the partition's share of that
-- injection (never more than half its own).
function R.bisection_tbs(p, id)
  local part = p:partition(id)
  local net = part.network
  local nodes, injection = 0, 0
  for _, other in ipairs(p:partitions()) do
    local q = p:partition(other)
    if q.network.id == net.id then
      nodes = nodes + q.nodes
      injection = injection + q.nodes * q.node.nics * q.node.nic_gbit_s / 8 / 1000
    end
  end
  local half, whole = injection / 2, nil
  if net.topology == "fat-tree" then
    whole = net.levels > 1 and half / net.oversubscription or half
  elseif net.topology == "dragonfly" then
    local g = math.ceil(nodes / net.group_nodes)
    if g < 2 then
      whole = half
    else
      local crossing = (g // 2) * (g - g // 2) * net.global_links / (g - 1)
      whole = math.min(half, crossing * net.link_gbit_s / 8 / 1000)
    end
  else
    return nil
  end
  return whole * part.nodes * part.node.nics * part.node.nic_gbit_s / 8 / 1000 / injection
end

return R
