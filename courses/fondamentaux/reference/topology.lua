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

return R
