-- Reference solution of courses/fondamentaux/amdahl.lua (not installed).

function speedup(t1, tp)
  return t1 / tp
end

function amdahl_speedup(f, p)
  return 1 / (f + (1 - f) / p)
end

function amdahl_limit(f)
  return 1 / f
end

-- 1/S = f + (1 - f)/p  <=>  f = (1/S - 1/p) / (1 - 1/p)
function karp_flatt(p, s)
  return (1 / s - 1 / p) / (1 - 1 / p)
end

-- Least squares through the origin on y = f x, x = 1 - 1/p, y = 1/S - 1/p.
function fit_serial_fraction(threads, times)
  local sxy, sxx = 0, 0
  for i = 1, #threads do
    local p, s = threads[i], speedup(times[1], times[i])
    local x, y = 1 - 1 / p, 1 / s - 1 / p
    sxy, sxx = sxy + x * y, sxx + x * x
  end
  if sxx <= 0 then return 0 end
  return math.max(0, math.min(1, sxy / sxx))
end

-- 1 / (f + (1 - f) / p) >= S  <=>  p >= (1 - f) / (1 / S - f), when 1 / S > f
function threads_for(f, speedup)
  if speedup <= 1 then return 1 end
  local room = 1 / speedup - f
  if room <= 0 then return math.huge end
  return math.max(1, math.ceil((1 - f) / room))
end
