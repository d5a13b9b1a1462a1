-- Reference solution of courses/fondamentaux/memory.lua (not installed).
local GIB = 1024 ^ 3
local RUNTIME = 2 * GIB          -- CUDA context, communication buffers, fragmentation

function bytes_weights(params, prec)
  local e = (prec == "fp32" or prec == "tf32") and 4 or 2
  return params * e
end

function bytes_training_states(params)
  return params * (2 + 2 + 12)   -- bf16 weights, bf16 gradients, fp32 master copy and two moments
end

function bytes_activations(model, mbs, flash)
  local h = model.hidden
  local c = model.gated and 6 or 4
  local a = h * (16 + 4 * model.kv_heads / model.heads) + c * model.ffn
  if not flash then a = a + 5 * model.heads * model.seq end
  return mbs * model.seq * (model.layers * a + 4 * model.vocab)
end

function fits(model, gpu_memory_gb)
  local params, cap = model.params, gpu_memory_gb * 1e9
  local train = bytes_training_states(params) + bytes_activations(model, 1, false) + RUNTIME
  local infer = bytes_weights(params, "bf16") + RUNTIME
  return { training = train <= cap, inference = infer <= cap }
end

function zero_bytes_per_gpu(params, dp, stage)
  local w, g, o = 2 * params, 2 * params, 12 * params
  if stage >= 1 then o = o / dp end
  if stage >= 2 then g = g / dp end
  if stage >= 3 then w = w / dp end
  return w + g + o
end

-- What is left once the states and the runtime are in, over one sequence's activations.
function max_micro_batch(model, gpu_memory_gb, flash)
  local left = gpu_memory_gb * 1e9 - bytes_training_states(model.params) - RUNTIME
  return math.max(0, math.floor(left / bytes_activations(model, 1, flash)))
end
