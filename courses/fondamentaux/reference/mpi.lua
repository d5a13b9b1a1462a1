-- The teacher's reference computations for mpi.lua (usine.reference "mpi"); not installed. A run
-- is the table `usine train --mpi --json` prints (fields as sim/cli/cmd_train_mpi.c writes them).
local ring = usine.reference("collectives").ring_allreduce
local R = {}

-- NCCL-tests' bus bandwidth of an all-reduce of `bytes` over p processes in `seconds`, GB/s: the
-- algorithm bandwidth (bytes / time) times 2 (p - 1) / p, what each link carries in a ring, so
-- that the figure compares with a link's bandwidth whatever p.
function R.busbw_gbs(bytes, p, seconds)
  if p <= 1 then return 0 end
  return 2 * (p - 1) / p * bytes / seconds / 1e9
end

-- Weak scaling (the same batch per process): the step is the compute then the ring all-reduce of
-- the gradients, not overlapped (usine train --mpi); efficiency = compute / step.
function R.efficiency(compute_s, bytes, p, alpha_s, bw_gbs)
  return compute_s / (compute_s + ring(p, bytes, alpha_s, bw_gbs * 1e9))
end

-- The most processes whose efficiency stays at or above target (1 when even 2 miss it). The
-- all-reduce's time grows with p, so the efficiency falls: double, then bisect. math.huge when
-- it never falls below the target (no latency).
function R.max_ranks(compute_s, bytes, alpha_s, bw_gbs, target)
  local function ok(p) return R.efficiency(compute_s, bytes, p, alpha_s, bw_gbs) >= target end
  if not ok(2) then return 1 end
  local lo, hi = 2, 4
  while ok(hi) do
    lo, hi = hi, hi * 2
    if hi > 2 ^ 50 then return math.huge end
  end
  while hi - lo > 1 do
    local mid = (lo + hi) // 2
    if ok(mid) then lo = mid else hi = mid end
  end
  return lo
end

-- Which term of the step the prediction misses by more seconds: "compute" or "allreduce".
function R.largest_gap(run)
  local dc = math.abs(run.compute_s - run.predicted_compute_s)
  local da = math.abs(run.comm_s - run.predicted_comm_s)
  return dc >= da and "compute" or "allreduce"
end

-- What a run's figures say of each other: { {what=, got=, want=, rel=}, ... }, each figure the
-- command printed against the same figure recomputed from the others.
function R.consistency(run)
  local p = run.ranks
  return {
    { what = "grad_bytes", got = run.grad_bytes, want = 4 * run.params, rel = 1e-9,
      fr = "octets des gradients = 4 × paramètres (fp32)", en = "gradient bytes = 4 × parameters (fp32)" },
    { what = "step_s", got = run.step_s, want = run.compute_s + run.comm_s, rel = 0.02,
      fr = "pas = calcul + all-reduce", en = "step = compute + all-reduce" },
    { what = "samples_per_s", got = run.samples_per_s, want = run.batch * p / run.step_s, rel = 0.001,
      fr = "échantillons/s = lot × processus / pas", en = "samples/s = batch × processes / step" },
    { what = "gflops", got = run.gflops, want = run.step_flops * p / run.step_s / 1e9, rel = 0.001,
      fr = "GFLOP/s = FLOP du pas × processus / pas", en = "GFLOP/s = step FLOPs × processes / step" },
    { what = "busbw_gbs", got = run.busbw_gbs, want = R.busbw_gbs(run.grad_bytes, p, run.comm_s), rel = 0.001,
      fr = "bande passante de bus de l'all-reduce mesuré", en = "bus bandwidth of the measured all-reduce" },
    { what = "predicted_comm_s", got = run.predicted_comm_s, want = ring(p, run.grad_bytes, run.alpha_s, run.bw_gbs * 1e9), rel = 0.001,
      fr = "all-reduce prédit = anneau 2(p−1)(α + S/(pB))", en = "predicted all-reduce = ring 2(p−1)(α + S/(pB))" },
    { what = "predicted_compute_s", got = run.predicted_compute_s, want = run.step_flops / (run.sgemm_gflops * 1e9), rel = 0.001,
      fr = "calcul prédit = FLOP du pas / débit sgemm mesuré", en = "predicted compute = step FLOPs / measured sgemm rate" },
  }
end

return R
