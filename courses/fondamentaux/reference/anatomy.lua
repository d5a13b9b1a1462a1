-- The teacher's reference computations for anatomy.lua (usine.reference "anatomy"); not installed.
-- They agree with p:totals on the presets; the checks use them on made-up factories too.
local R = {}

function R.gpus(part) return part.nodes * part.gpus_per_node end

function R.peak_pflops(part, prec)
  local acc = part.accelerator
  return R.gpus(part) * (acc and acc.peak_tflops[prec] or 0) / 1000
end

function R.power_mw(part) return part.nodes * part.node.power_w / 1e6 end

return R
