-- The teacher's reference computations for parallelism.lua (usine.reference "parallelism"); not
-- installed.
local R = {}

-- The share of a 1F1B step the pipeline spends filling and draining: pp - 1 stage times beside
-- v m micro-batch stage times (v virtual stages per GPU make each stage time v times shorter).
function R.bubble(pp, m, v) return (pp - 1) / (v * m + pp - 1) end

-- The fewest micro-batches whose bubble is at most target: the inequality solved, then the
-- rounding of a ratio that comes out whole put right.
function R.min_micro_batches(pp, v, target)
  local m = math.max(1, math.ceil((pp - 1) * (1 - target) / (v * target)))
  while m > 1 and R.bubble(pp, m - 1, v) <= target do m = m - 1 end
  while R.bubble(pp, m, v) > target do m = m + 1 end
  return m
end

-- The same with the bubble over the ideal time, (pp - 1) / (v m) (Narayanan et al.): the textbook
-- form, worth part of a case.
function R.min_micro_batches_ideal(pp, v, target) return math.max(1, math.ceil((pp - 1) / (v * target) - 1e-9)) end

return R
