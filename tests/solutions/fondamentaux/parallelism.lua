-- Reference solution of courses/fondamentaux/parallelism.lua (not installed).

function bubble_fraction(pp, m, v)
  return (pp - 1) / (v * m + pp - 1)
end

-- Every valid (tp, pp, vpp, mbs, zero, recompute), skipping what predict would refuse, keeping
-- the fastest plan that fits.
function choose_plan(p, partition, model, gpus, gbs, predict)
  local gpn = p:partition(partition).gpus_per_node
  local layers = model.layers
  local best, best_s
  local tp = 1
  while tp <= gpn do
    for pp = 1, layers do
      if layers % pp == 0 and gpus % (tp * pp) == 0 then
        local dp = gpus // (tp * pp)
        for _, mbs in ipairs({ 1, 2, 4, 8 }) do
          if gbs % (dp * mbs) == 0 then
            local m = gbs // (dp * mbs)
            for _, v in ipairs({ 1, 2, 4, 8 }) do
              if v == 1 or (pp > 1 and layers % (pp * v) == 0 and m % pp == 0) then
                local max_zero = (dp == 1 and 0) or (pp > 1 and 1) or 3
                for zero = 0, max_zero do
                  for _, rc in ipairs({ "none", "selective", "full" }) do
                    local ok, r = pcall(predict, { tp = tp, pp = pp, vpp = v, mbs = mbs, zero = zero, recompute = rc })
                    if ok and r.fits and (not best_s or r.step_s < best_s) then
                      best, best_s = { tp = tp, pp = pp, vpp = v, mbs = mbs, zero = zero, recompute = rc }, r.step_s
                    end
                  end
                end
              end
            end
          end
        end
      end
    end
    tp = tp * 2
  end
  return best
end

-- The bubble's share falls as m grows: solve (pp - 1) / (v m + pp - 1) <= target for m.
function min_micro_batches(pp, v, target)
  local m = math.max(1, math.ceil((pp - 1) * (1 - target) / (v * target)))
  while m > 1 and bubble_fraction(pp, m - 1, v) <= target do m = m - 1 end
  while bubble_fraction(pp, m, v) > target do m = m + 1 end
  return m
end
