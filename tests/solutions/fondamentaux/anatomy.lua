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
