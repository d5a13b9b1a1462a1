-- Reference solution of courses/fondamentaux/reliability.lua (not installed).
function job_mtbf_h(p, id, gpus)
  local part = p:partition(id)
  local nodes = math.ceil(gpus / part.gpus_per_node)
  local gpu_h, node_h = part.accelerator.mtbf_h, part.node.mtbf_h
  local rate = 0                                   -- failures per hour
  if gpu_h > 0 then rate = rate + gpus / gpu_h end
  if node_h > 0 then rate = rate + nodes / node_h end
  return rate > 0 and 1 / rate or 0                -- 0: the platform gives no failure rate
end

function checkpoint_bytes(params)
  return params * (2 + 12)                         -- bf16 weights + fp32 master weights, m and v
end

function interval_s(delta_s, mtbf_s)
  if delta_s < mtbf_s / 2 then return math.sqrt(2 * delta_s * mtbf_s) - delta_s end
  return mtbf_s
end

function lost_fraction(delta_s, restart_s, mtbf_s)
  local tau = interval_s(delta_s, mtbf_s)
  return delta_s / (tau + delta_s) + (tau / 2 + restart_s) / mtbf_s
end

function wall_time_s(train_s, delta_s, restart_s, mtbf_s)
  return train_s / (1 - lost_fraction(delta_s, restart_s, mtbf_s))
end

-- The goodput falls as the job grows (its MTBF shrinks): search the last size that holds it.
function max_gpus(p, id, delta_s, restart_s, goodput)
  local function holds(n) return 1 - lost_fraction(delta_s, restart_s, job_mtbf_h(p, id, n) * 3600) >= goodput end
  if not holds(1) then return 0 end
  local lo, hi = 1, p:partition(id).gpus
  if holds(hi) then return hi end
  while hi - lo > 1 do                           -- holds(lo), not holds(hi)
    local mid = (lo + hi) // 2
    if holds(mid) then lo = mid else hi = mid end
  end
  return lo
end
