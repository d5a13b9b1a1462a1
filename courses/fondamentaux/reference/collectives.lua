-- The teacher's reference computations for collectives.lua (usine.reference "collectives"); not
-- installed. data-parallel and topology use the same ring.
local R = {}

-- The ring all-reduce in the alpha-beta model: reduce-scatter then all-gather, 2 (p - 1) steps,
-- each sending one p-th of the bytes. One GPU has nothing to reduce.
function R.ring_allreduce(p, bytes, alpha, bw)
  if p <= 1 then return 0 end
  return 2 * (p - 1) * (alpha + bytes / (p * bw))
end

return R
