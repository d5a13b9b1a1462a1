-- Reference solution of courses/fondamentaux/ladder.lua (not installed).

function gflops(n, seconds)
  return 2 * n ^ 3 / seconds / 1e9          -- n^3 multiplies and n^3 adds
end

function speedup(t_ref, t)
  return t_ref / t
end

function fraction_of_peak(gflops, peak_gflops)
  return gflops / peak_gflops
end

-- Threads multiply the cores at work; rungs 1-4 use 4-number SSE2 vectors.
function predicted_speedup(rung, threads, lanes)
  if rung == "blocked_omp" then return threads end
  if rung == "simd_omp" then return lanes / 4 end
  return nil
end

function largest_step(rungs, seconds)
  local best, name = 0, nil
  for i = 2, #rungs do
    local s = speedup(seconds[rungs[i - 1]], seconds[rungs[i]])
    if s > best then best, name = s, rungs[i] end
  end
  return name
end

local reasons = { reorder = "stride", blocked = "cache", blocked_omp = "threads", simd_omp = "simd", sgemm = "tuning" }

function reason(rung)
  return reasons[rung]
end

-- 2 n³ FLOPs at gflops GFLOP/s within seconds: n is at most the cube root of the FLOPs allowed / 2.
function largest_n(gflops, seconds)
  local allowed = seconds * gflops * 1e9
  local n = math.floor((allowed / 2) ^ (1 / 3))
  while n > 0 and 2 * n ^ 3 > allowed do n = n - 1 end
  while 2 * (n + 1) ^ 3 <= allowed do n = n + 1 end
  return n
end
