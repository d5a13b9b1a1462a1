-- The teacher's reference computations for training-flops.lua (usine.reference "training-flops");
-- not installed. Per-token counts come from usine.predict; these are the closed forms the checks
-- compare against, and the textbook forms they accept for part of the points.
local R = {}

function R.six_nd(params, tokens) return 6 * params * tokens end

function R.days(flops, gpus, peak_tflops, mfu) return flops / (gpus * peak_tflops * 1e12 * mfu) / 86400 end

-- Parameters that are only read: the input table when the output has its own matrix, learned positions.
function R.tables(m) return (m.tied and 0 or m.vocab * m.hidden) + (m.pos_emb and m.seq * m.hidden or 0) end

-- Q K^T and the weighted sum of V in the forward pass of every layer, per token.
function R.attention_forward(m) return 4 * m.layers * m.seq * m.hidden end

-- Model FLOPs per token as usine.predict counts them: 6 per parameter that is multiplied, and the
-- attention's forward and backward (three times its forward).
function R.per_token(m) return 6 * (m.params - R.tables(m)) + 3 * R.attention_forward(m) end

-- What recomputation adds: the attention core (selective), or the layers' whole forward (full).
function R.recompute_extra(m, mode)
  if mode == "selective" then return R.attention_forward(m) end
  if mode == "full" then
    local layers = m.params - (m.tied and 1 or 2) * m.vocab * m.hidden - (m.pos_emb and m.seq * m.hidden or 0)
    return 2 * layers + R.attention_forward(m)
  end
  return 0
end

-- The per-token count with attention halved for the causal mask (FlashAttention's convention).
function R.causal_per_token(m) return 6 * (m.params - R.tables(m)) + 1.5 * R.attention_forward(m) end

return R
