-- The teacher's reference computations for extrapolate.lua (usine.reference "extrapolate"); not
-- installed. A machine m is { peak_tflops, bandwidth_tbs } in one precision.
local R = {}

-- The roofline's ceiling at intensity i (FLOPs per byte), TFLOP/s.
function R.attainable(i, m) return math.min(m.peak_tflops, i * m.bandwidth_tbs) end

-- The share of that ceiling a measured rate (GFLOP/s) reaches: the kernel's calibration.
function R.fraction(gflops, i, m) return gflops / 1000 / R.attainable(i, m) end

-- A kernel measured in `seconds` here takes this long there if it reaches the same fraction of
-- the roofline there.
function R.extrapolate(seconds, i, here, there) return seconds * R.attainable(i, here) / R.attainable(i, there) end

-- Which ratio the extrapolation follows: both compute-bound (the peaks'), both memory-bound (the
-- bandwidths'), or compute-bound on one and memory-bound on the other. nil on a ridge point, where
-- either answer is fair.
function R.kind(i, here, there)
  local r1, r2 = here.peak_tflops / here.bandwidth_tbs, there.peak_tflops / there.bandwidth_tbs
  if math.abs(i - r1) <= 1e-9 * r1 or math.abs(i - r2) <= 1e-9 * r2 then return nil end
  if i >= r1 and i >= r2 then return "peak" end
  if i < r1 and i < r2 then return "bandwidth" end
  return "mixed"
end

-- flops spread evenly over `gpus` accelerators m, each at `fraction` of its roofline, in seconds.
function R.partition_s(flops, i, fraction, m, gpus) return flops / (gpus * fraction * R.attainable(i, m) * 1e12) end

return R
