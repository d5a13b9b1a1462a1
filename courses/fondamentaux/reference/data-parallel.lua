-- The teacher's reference computations for data-parallel.lua (usine.reference "data-parallel");
-- not installed. The overlap model is sim/train.c's.
local R = {}

-- The per-GPU share of a node's NICs, bytes/s, when every GPU of the node reduces at once.
function R.share(p, id)
  local part = p:partition(id)
  return part.node.nics * part.node.nic_gbit_s * 1e9 / 8 * part.network.eff_bandwidth / part.gpus_per_node
end

-- The ring all-reduce (collectives' reference): 2 (dp - 1) steps of one dp-th of the bytes.
R.allreduce = usine.reference("collectives").ring_allreduce

-- The backward pass as twice the forward's 2 N T FLOPs.
function R.backward(params, tokens, tflops) return 4 * params * tokens / (tflops * 1e12) end

-- The last layer's share leaves at the end; the rest hides behind the backward, up to its length.
function R.exposed(t_ar, t_bwd, L) return t_ar - math.min(t_ar * (1 - 1 / L), t_bwd) end

-- The textbook form, which the checks accept for part of the points: nothing is always visible.
function R.exposed_textbook(t_ar, t_bwd) return math.max(0, t_ar - t_bwd) end

-- Smallest micro-batch whose backward window covers the part that can hide.
function R.min_batch(t_ar, w1, L)
  local b = math.max(1, math.ceil(t_ar * (1 - 1 / L) / w1))
  while b > 1 and (b - 1) * w1 >= t_ar * (1 - 1 / L) do b = b - 1 end
  while b * w1 < t_ar * (1 - 1 / L) do b = b + 1 end
  return b
end

return R
