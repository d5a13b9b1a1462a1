-- Reference solution of courses/fondamentaux/mpi.lua (not installed). RUN is what
-- `mpirun -np 2 usine train --mpi --json` printed on a 2-core AMD EPYC virtual machine.
RUN = [[
{
	"ranks":	2,
	"nodes":	1,
	"threads":	1,
	"steps":	100,
	"timed_steps":	99,
	"batch":	256,
	"params":	2372618,
	"grad_bytes":	9490472,
	"loss_first":	2.64927692484524,
	"loss_last":	0.651057495564871,
	"accuracy":	0.6875,
	"samples_per_s":	11483.804291212926,
	"gflops":	157.24690532566962,
	"step_flops":	3505389568,
	"step_s":	0.04458452852525252,
	"compute_s":	0.041239734035353567,
	"comm_s":	0.0033327614646464446,
	"busbw_gbs":	2.84763014115287,
	"sgemm_gflops":	93.3810528261187,
	"predicted_step_s":	0.038318841649724919,
	"predicted_compute_s":	0.037538552649724916,
	"predicted_comm_s":	0.000780289,
	"predicted_busbw_gbs":	12.162765334382517,
	"step_error_pct":	-14.053500357144605,
	"compute_error_pct":	-8.97479450875154,
	"comm_error_pct":	-76.587313305281,
	"alpha_s":	1.3049999999999477e-07,
	"bw_gbs":	12.166835036690991,
	"comm_basis":	"pingpong",
	"formula":	"2(p-1)(a + S/(pB))"
}
]]

function busbw_gbs(bytes, p, seconds)
  if p < 2 then return 0 end
  return bytes / seconds * 2 * (p - 1) / p / 1e9      -- algorithm bandwidth x what each link carries
end

local function ring_s(p, bytes, alpha_s, bw_gbs)        -- exercise 7's ring all-reduce
  return 2 * (p - 1) * (alpha_s + bytes / (p * bw_gbs * 1e9))
end

-- A plain loop over p: the efficiency only falls as p grows.
function max_ranks(compute_s, bytes, alpha_s, bw_gbs, target)
  local p = 1
  while compute_s / (compute_s + ring_s(p + 1, bytes, alpha_s, bw_gbs)) >= target do p = p + 1 end
  return p
end

function largest_gap(run)
  local compute = math.abs(run.compute_s - run.predicted_compute_s)
  local allreduce = math.abs(run.comm_s - run.predicted_comm_s)
  if compute >= allreduce then return "compute" end
  return "allreduce"
end
