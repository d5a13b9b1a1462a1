-- Reference solution of courses/fondamentaux/anatomy.lua (not installed).
function gpus(p, id)
  local part = p:partition(id)
  return part.nodes * part.gpus_per_node
end

function peak_pflops(p, id, precision)
  local acc = p:partition(id).accelerator
  local tflops = acc and acc.peak_tflops[precision] or 0
  return gpus(p, id) * tflops / 1000
end

function power_mw(p, id)
  local part = p:partition(id)
  return part.nodes * part.node.power_w / 1e6
end

-- The peak of one node in that precision; enough whole nodes to reach the target.
function nodes_for(p, id, pflops, precision)
  local part = p:partition(id)
  local per_node = part.gpus_per_node * part.accelerator.peak_tflops[precision] / 1000
  local n = math.ceil(pflops / per_node)
  while n > 0 and (n - 1) * per_node >= pflops do n = n - 1 end
  while n * per_node < pflops do n = n + 1 end
  return n
end
