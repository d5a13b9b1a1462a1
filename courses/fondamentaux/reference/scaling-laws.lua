-- The teacher's reference computations for scaling-laws.lua (usine.reference "scaling-laws"); not
-- installed.
local R = {}

function R.flops(n, d) return 6 * n * d end
function R.tokens_for(c, n) return c / (6 * n) end

-- Chinchilla's rule: D = 20 N in C = 6 N D, so C = 120 N².
function R.nopt(c) return math.sqrt(c / 120) end
function R.dopt(c) return 20 * R.nopt(c) end
function R.ratio(n, d) return d / (20 * n) end

-- Chinchilla's fitted loss (Hoffmann et al. 2022, eq. 10, approach 3).
local E, A, B, ALPHA, BETA = 1.69, 406.4, 410.7, 0.34, 0.28
function R.loss(n, d) return E + A / n ^ ALPHA + B / d ^ BETA end

-- Days of a budget: the useful rate is GPUs x peak x MFU.
function R.days(flops, gpus, peak_tflops, mfu) return flops / (gpus * peak_tflops * 1e12 * mfu) / 86400 end

return R
