-- Reference solution of courses/fondamentaux/extrapolate.lua (not installed).

local function ceiling_tflops(intensity, m)            -- the roofline at that intensity
  return math.min(m.peak_tflops, intensity * m.bandwidth_tbs)
end

function roofline_fraction(gflops, intensity, m)
  return gflops / 1000 / ceiling_tflops(intensity, m)
end

-- the same share of the ceiling there: the time scales as the inverse of the ceiling
function extrapolate_s(seconds, intensity, here, there)
  return seconds * ceiling_tflops(intensity, here) / ceiling_tflops(intensity, there)
end

function ratio_kind(intensity, here, there)
  local compute_here = intensity >= here.peak_tflops / here.bandwidth_tbs
  local compute_there = intensity >= there.peak_tflops / there.bandwidth_tbs
  if compute_here and compute_there then return "peak" end
  if not compute_here and not compute_there then return "bandwidth" end
  return "mixed"
end

function partition_s(flops, intensity, fraction, m, gpus)
  return flops / (gpus * fraction * ceiling_tflops(intensity, m) * 1e12)
end
