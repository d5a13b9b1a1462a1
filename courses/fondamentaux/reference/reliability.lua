-- The teacher's reference computations for reliability.lua (usine.reference "reliability"); not
-- installed. The training model's (sim/train.c) interval between checkpoints.
local R = {}

-- Young's first-order optimum less the writing time; once writing takes half the MTBF or more, one
-- checkpoint per MTBF (Usine's rule, not Daly's: Daly's expansion holds up to delta < 2M).
function R.interval(d, M)
  if d < M / 2 then return math.sqrt(2 * d * M) - d end
  return M
end

-- A job's MTBF in hours: the failure rates of its GPUs and of the nodes that hold them add up.
function R.job_mtbf_h(part, gpus)
  local rate = 0
  if part.accelerator.mtbf_h > 0 then rate = rate + gpus / part.accelerator.mtbf_h end
  if part.node.mtbf_h > 0 then rate = rate + math.ceil(gpus / part.gpus_per_node) / part.node.mtbf_h end
  return rate > 0 and 1 / rate or 0
end

-- A checkpoint: bf16 weights, and the optimizer's fp32 copy and two moments.
function R.checkpoint_bytes(params) return params * (2 + 12) end

-- The largest job (1 to the partition's GPUs) whose goodput stays at least g, by bisection (the
-- loss grows with the GPUs), and how far the goodputs at the edge are from g (the checks leave out
-- cases closer than 1e-6).
function R.max_gpus(part, d, restart, g)
  local function goodput(n) return 1 - R.lost(d, restart, R.job_mtbf_h(part, n) * 3600) end
  if goodput(1) < g then return 0, math.abs(goodput(1) - g) end
  local lo, hi = 1, part.gpus
  if goodput(hi) >= g then return hi, math.abs(goodput(hi) - g) end
  while hi - lo > 1 do
    local mid = (lo + hi) // 2
    if goodput(mid) >= g then lo = mid else hi = mid end
  end
  return lo, math.min(math.abs(goodput(lo) - g), math.abs(goodput(hi) - g))
end

-- Young's own interval, which the checks accept for part of the points.
function R.young(d, M) return math.sqrt(2 * d * M) end

-- Time lost: the share of each cycle spent writing, and at each failure half an interval of work
-- redone plus the restart. The wall time is the useful time over the share that is useful.
function R.lost(d, restart, M)
  local tau = R.interval(d, M)
  return d / (tau + d) + (tau / 2 + restart) / M
end

function R.wall(T, d, restart, M) return T / (1 - R.lost(d, restart, M)) end

return R
