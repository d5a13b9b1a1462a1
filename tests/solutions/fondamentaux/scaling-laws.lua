-- Reference solution of courses/fondamentaux/scaling-laws.lua (not installed).
function tokens_for(flops, params)
  return flops / (6 * params)       -- C = 6 N D, solved for D
end

function optimal_params(flops)
  return math.sqrt(flops / 120)        -- C = 6 N D with D = 20 N
end

function optimal_tokens(flops)
  return 20 * optimal_params(flops)
end

function data_ratio(params, tokens)
  return tokens / (20 * params)
end

function train_days(flops, gpus, peak_tflops, mfu)
  return flops / (gpus * peak_tflops * 1e12 * mfu) / 86400
end

function loss(params, tokens)
  return 1.69 + 406.4 / params ^ 0.34 + 410.7 / tokens ^ 0.28
end
