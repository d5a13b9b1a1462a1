-- Reference solution of courses/fondamentaux/roofline.lua (not installed).

-- FLOPs over the minimal traffic: each operand read once, the result written once.
function intensity(op, n, bytes)
  if op == "gemm" then
    return 2 * n ^ 3 / (3 * n * n * bytes)            -- 2n^3 FLOPs, A, B read and C written
  elseif op == "gemv" then
    return 2 * n * n / ((n * n + 2 * n) * bytes)      -- 2n^2 FLOPs, A and x read, y written
  else
    return 2 * n / (3 * n * bytes)                    -- axpy: 2n FLOPs, x and y read, y written
  end
end

function attainable_tflops(intensity, peak_tflops, bandwidth_tbs)
  return math.min(peak_tflops, intensity * bandwidth_tbs)
end

function bound(op, n, m)
  local ridge = m.peak_tflops / m.bandwidth_tbs
  return intensity(op, n, m.bytes) >= ridge and "compute" or "memory"
end

-- 2n / (3b) >= ridge  <=>  n >= 1.5 b ridge
function min_gemm_n(m)
  local ridge = m.peak_tflops / m.bandwidth_tbs
  return math.max(1, math.ceil(1.5 * m.bytes * ridge))
end
