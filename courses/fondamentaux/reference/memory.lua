-- The teacher's reference computations for memory.lua (usine.reference "memory"); not installed.
-- They agree with usine.predict's memory breakdown on the presets (the checks compare the fixed
-- cases with predict); the checks use them on cases drawn at grading time.
local R = {}
local GIB = 1024 ^ 3

-- Bytes per weight: fp32 and tf32 keep 4; fp16, bf16 and fp8 keep bf16 weights (2).
function R.bytes_weights(params, prec) return params * ((prec == "fp32" or prec == "tf32") and 4 or 2) end

-- Mixed precision: 2 + 2 + 12 bytes per parameter (weights, gradients, Adam's fp32 copy and moments).
function R.bytes_states(params) return 16 * params end

-- Activations of one micro-batch in bf16 (Korthikanti et al. 2022, generalised to GQA and SwiGLU),
-- and the output's fp32 logits.
function R.bytes_activations(m, mbs, flash)
  local a = m.hidden * (16 + 4 * m.kv_heads / m.heads) + (m.gated and 6 or 4) * m.ffn
  if not flash then a = a + 5 * m.heads * m.seq end
  return mbs * m.seq * (m.layers * a + 4 * m.vocab)
end

-- What training and inference need on one GPU, in bytes (2 GiB for the runtime).
function R.training_bytes(m) return R.bytes_states(m.params) + R.bytes_activations(m, 1, false) + 2 * GIB end
function R.inference_bytes(m) return 2 * m.params + 2 * GIB end

-- The largest micro-batch that one GPU of gb GB trains alone, and the real-valued quotient it
-- rounds down (the checks leave out quotients at an integer).
function R.max_micro_batch(m, gb, flash)
  local x = (gb * 1e9 - R.bytes_states(m.params) - 2 * GIB) / R.bytes_activations(m, 1, flash)
  return math.max(0, math.floor(x)), x
end

-- ZeRO: stage 1 shards Adam's 12 bytes, stage 2 the gradients too, stage 3 the weights too.
function R.zero_bytes(params, dp, stage)
  local w, g, o = 2 * params, 2 * params, 12 * params
  if stage >= 1 then o = o / dp end
  if stage >= 2 then g = g / dp end
  if stage >= 3 then w = w / dp end
  return w + g + o
end

return R
