-- The teacher's reference computations for collectives.lua (usine.reference "collectives"); not
-- installed. data-parallel and topology use the same ring.
local R = {}

-- The ring all-reduce in the alpha-beta model: reduce-scatter then all-gather, 2 (p - 1) steps,
-- each sending one p-th of the bytes. One GPU has nothing to reduce.
function R.ring_allreduce(p, bytes, alpha, bw)
  if p <= 1 then return 0 end
  return 2 * (p - 1) * (alpha + bytes / (p * bw))
end

-- NCCL's double binary tree, pipelined in K chunks: D = ceil(log2 p) levels, K rounded from
-- sqrt((D - 1) S / (alpha B)) within [1, min(1024, S)]; sim/coll.c's closed form.
function R.tree_allreduce(p, bytes, alpha, bw)
  local D = 0
  while (1 << D) < p do D = D + 1 end
  local K = 1
  if D > 1 and alpha > 0 then
    local k = math.min(math.sqrt((D - 1) * bytes / (alpha * bw)), 1024, bytes)
    K = math.max(1, math.floor(k + 0.5))
  end
  return 2 * (K + D - 1) * (alpha + bytes / (K * bw))
end

-- Which of the two is faster at these inputs; nil within 1e-9 of a tie, where either is fair.
function R.faster(p, bytes, alpha, bw)
  local ring, tree = R.ring_allreduce(p, bytes, alpha, bw), R.tree_allreduce(p, bytes, alpha, bw)
  if math.abs(ring - tree) <= 1e-9 * math.max(ring, tree) then return nil end
  return ring < tree and "ring" or "tree"
end

return R
