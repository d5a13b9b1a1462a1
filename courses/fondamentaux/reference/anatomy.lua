-- The teacher's reference computations for anatomy.lua (usine.reference "anatomy"); not installed.
-- They agree with p:totals on the presets; the checks use them on made-up factories too.
local R = {}

function R.gpus(part) return part.nodes * part.gpus_per_node end

function R.peak_pflops(part, prec)
  local acc = part.accelerator
  return R.gpus(part) * (acc and acc.peak_tflops[prec] or 0) / 1000
end

function R.power_mw(part) return part.nodes * part.node.power_w / 1e6 end

-- The fewest nodes of a partition's kind whose peak reaches `pflops` PFLOP/s in `prec` (nil when its
-- accelerator has no peak in that precision). A whole number of nodes, rounded up, the rounding of a
-- float put right.
function R.nodes_for(part, pflops, prec)
  local acc = part.accelerator
  local per_node = part.gpus_per_node * (acc and acc.peak_tflops[prec] or 0) / 1000
  if per_node <= 0 then return nil end
  local n = math.max(0, math.ceil(pflops / per_node))
  while n > 0 and (n - 1) * per_node >= pflops do n = n - 1 end
  while n * per_node < pflops do n = n + 1 end
  return n
end

return R
