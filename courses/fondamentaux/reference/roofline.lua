-- The teacher's reference computations for roofline.lua (usine.reference "roofline"). This folder
-- is not installed: students' copies of the course do not hold it.
local R = {}

-- FLOPs over the minimal traffic: each operand read once, the result written once.
function R.intensity(op, n, b)
  if op == "gemm" then return 2 * n ^ 3 / (3 * n * n * b) end
  if op == "gemv" then return 2 * n * n / ((n * n + 2 * n) * b) end
  return 2 * n / (3 * n * b)
end

function R.ridge(m) return m.peak_tflops / m.bandwidth_tbs end

function R.attainable(i, peak, bw) return math.min(peak, i * bw) end

function R.bound(op, n, m)
  return R.intensity(op, n, m.bytes) >= R.ridge(m) and "compute" or "memory"
end

-- Smallest n for which GEMM is compute-bound, and whether the real-valued bound sits so close to
-- an integer that rounding may fairly go either way.
function R.min_gemm_n(m)
  local x = 1.5 * m.bytes * R.ridge(m)
  local n = math.max(1, math.ceil(x))
  while R.intensity("gemm", n, m.bytes) < R.ridge(m) do n = n + 1 end
  while n > 1 and R.intensity("gemm", n - 1, m.bytes) >= R.ridge(m) do n = n - 1 end
  return n, math.abs(x - math.floor(x + 0.5)) < 1e-6
end

return R
