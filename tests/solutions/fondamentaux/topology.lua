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
  return whole * part.nodes / nodes
end

function ring_allreduce_s(gpus, bytes, alpha_s, bw_Bps)
  return 2 * (gpus - 1) * (alpha_s + bytes / gpus / bw_Bps)
end

function shared_s(flows, bytes, alpha_s, flow_Bps, link_Bps)
  return alpha_s + math.max(bytes / flow_Bps, flows * bytes / link_Bps)
end

function slowdown(p, id, gpus, bytes, algo)
  local r = usine.collective { platform = p, partition = id, op = "allreduce", algo = algo, gpus = gpus, bytes = bytes }
  return r.simulated_s / r.closed_form_s
end
