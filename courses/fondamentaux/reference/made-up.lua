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
-- p:partitions() as a platform does, and says made_up = true. (A submission that changes the
-- partition it was given changes nothing here: the sandbox hands it a copy.)
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

-- A made-up model X<i>: preset base's conventions (gated, tied, pos_emb, vocab, grouped-query or
-- not) with depth, heads, width, feed-forward size and sequence length drawn from the grading seed
-- (the sequence among seqs, default 1,024 to 8,192), and the parameters its shape gives.
function R.model(base, i, seqs)
  local m = R.copy(base)
  seqs = seqs or { 1024, 2048, 4096, 8192 }
  m.id, m.name = ("x%d"):format(i), ("X%d"):format(i)
  m.layers = math.random(8, 128)
  m.heads = ({ 16, 32, 64, 96, 128 })[math.random(1, 5)]
  m.kv_heads = base.kv_heads == base.heads and m.heads or ({ 1, 4, 8 })[math.random(1, 3)]
  m.hidden = m.heads * ({ 64, 128 })[math.random(1, 2)]
  m.ffn = math.floor(m.hidden * (m.gated and 8 / 3 or 4) / 256 + 0.5) * 256
  m.seq = seqs[math.random(1, #seqs)]
  m.params = m.layers * (4 * m.hidden * m.hidden + (m.gated and 3 or 2) * m.hidden * m.ffn)
             + (m.tied and 1 or 2) * m.vocab * m.hidden + (m.pos_emb and m.seq * m.hidden or 0)
  return m
end

return R
