-- Made-up machines for the checks (usine.reference "made-up"); not installed. A check gives a
-- student's function a variant of a preset drawn from the grading seed, so that an answer typed in
-- or harvested in practice does not fit it; the expected value comes from the exercise's reference.
local R = {}

-- A shallow copy.
function R.copy(t)
  local c = {}
  for k, v in pairs(t) do c[k] = v end
  return c
end

-- A variant of platform p named id: each partition a copy of p's (with its node and network
-- copied too), then changed by change(part, partition_id). It answers p.id, p:partition(id) and
-- p:partitions() as a platform does, and says made_up = true.
function R.platform(p, id, change)
  local ids, parts = p:partitions(), {}
  for _, pid in ipairs(ids) do
    local part = R.copy(p:partition(pid))
    part.node, part.network = R.copy(part.node), R.copy(part.network)
    change(part, pid)
    parts[pid] = part
  end
  return { id = id, name = p.name, made_up = true,
           partition = function(_, pid) return parts[pid] or error(("no partition '%s'"):format(tostring(pid)), 2) end,
           partitions = function() return ids end }
end

return R
