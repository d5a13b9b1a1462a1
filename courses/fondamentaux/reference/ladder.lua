-- The teacher's reference computations for ladder.lua (usine.reference "ladder"); not installed.
local R = {}

-- An n x n matrix multiplication: n³ multiplies and n³ adds.
function R.flops(n) return 2 * n ^ 3 end
function R.gflops(n, seconds) return R.flops(n) / seconds / 1e9 end

-- The largest n whose multiplication at `gflops` GFLOP/s takes at most `seconds`: the cube root,
-- then the rounding of a float put right.
function R.largest_n(gflops, seconds)
  local budget = seconds * gflops * 1e9
  local n = math.max(0, math.floor((budget / 2) ^ (1 / 3)))
  while n > 0 and R.flops(n) > budget do n = n - 1 end
  while R.flops(n + 1) <= budget do n = n + 1 end
  return n
end

return R
