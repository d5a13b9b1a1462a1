-- Reference solution of courses/fondamentaux/collectives.lua (not installed).

function ring_time(p, bytes, alpha, bw)
  return 2 * (p - 1) * (alpha + bytes / (p * bw))
end

function tree_time(p, bytes, alpha, bw)
  local D = 0
  while (1 << D) < p do D = D + 1 end           -- ceil(log2 p)
  local K = 1
  if D > 1 and alpha > 0 then
    local k = math.sqrt((D - 1) * bytes / (alpha * bw))
    k = math.min(k, 1024, bytes)
    K = math.max(1, math.floor(k + 0.5))
  end
  return 2 * (K + D - 1) * (alpha + bytes / (K * bw))
end

function ring_schedule(p, bytes)
  local steps = {}
  for k = 1, 2 * (p - 1) do
    local step = {}
    for r = 0, p - 1 do step[#step + 1] = { from = r, to = (r + 1) % p, bytes = bytes / p } end
    steps[k] = step
  end
  return steps
end

-- At step 1 GPU r sends its own chunk r; then it passes on what it has just received, one behind.
-- After p - 1 steps GPU r holds chunk r + 1 complete, which it sends first in the all-gather: the
-- same formula covers both phases.
function ring_chunk(p, rank, step)
  return (rank - step + 1) % p
end

function faster(p, bytes, alpha, bw)
  if ring_time(p, bytes, alpha, bw) < tree_time(p, bytes, alpha, bw) then return "ring" end
  return "tree"
end
