-- Reference solution of courses/fondamentaux/training-flops.lua (not installed).

function training_flops(n_params, tokens)
  return 6 * n_params * tokens
end

function training_days(flops, gpus, peak_tflops, mfu)
  return flops / (gpus * peak_tflops * 1e12 * mfu) / 86400
end

function days_on(p, partition, n_params, tokens, mfu)
  local part = p:partition(partition)
  local gpus = part.nodes * part.gpus_per_node
  return training_days(training_flops(n_params, tokens), gpus, part.accelerator.peak_tflops.bf16, mfu)
end

-- Parameters that are only read: the input table when the output layer has its own matrix, and
-- learned positions.
local function tables(m)
  return (m.tied and 0 or m.vocab * m.hidden) + (m.pos_emb and m.seq * m.hidden or 0)
end

local function attention_forward(m)      -- Q K^T and the weighted sum of V, every layer
  return 4 * m.layers * m.seq * m.hidden
end

function flops_per_token(m)
  return 6 * (m.params - tables(m)) + 3 * attention_forward(m)
end

function hardware_flops_per_token(m, recompute)
  local f = flops_per_token(m)
  if recompute == "selective" then
    return f + attention_forward(m)
  elseif recompute == "full" then
    -- the layers' parameters: without the embedding tables and the output layer
    local layers = m.params - (m.tied and 1 or 2) * m.vocab * m.hidden - (m.pos_emb and m.seq * m.hidden or 0)
    return f + 2 * layers + attention_forward(m)
  end
  return f
end

-- days = flops / (gpus x peak x mfu x 86400), solved for gpus and rounded up
function gpus_for(flops, days, peak_tflops, mfu)
  return math.max(1, math.ceil(flops / (days * 86400 * peak_tflops * 1e12 * mfu)))
end
