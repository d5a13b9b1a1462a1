---@meta usine
-- usine.d.lua: the `usine` library for the Lua language server (LuaLS), so that course authors get
-- completion and type checks. Put this folder in "workspace.library". The library is implemented
-- in C (scripting/lb_*.c); this file only describes it. Every function raises an error naming the
-- argument or field that is wrong (type, range, NaN, unknown field), and reads tables raw.

---@class usine
---@field version string Version of Usine, such as "0.1.0".
---@field kernels usine.kernels? Real kernels on this computer (exercise code only, when the host allows them).
usine = {}

---@alias usine.precision "fp32"|"tf32"|"fp16"|"bf16"|"fp8"
---@alias usine.recompute "none"|"selective"|"full"
---@alias usine.op "allreduce"|"reducescatter"|"allgather"|"alltoall"|"broadcast"|"p2p"
---@alias usine.algo "ring"|"tree"|"rhd"|"hier"|"direct"

-- Platforms ------------------------------------------------------------------------------------

---@class usine.platform
---@field id string Identifier of the platform, such as "jean-zay".
---@field name string Human name of the platform.
---@field description {fr: string?, en: string?}? Description in French and English, nil if the file has none.
local platform = {}

---Identifiers of the partitions, in file order.
---@return string[]
function platform:partitions() end

---One partition with its node, accelerator and network (raises for an unknown id, listing the known ones).
---@param id string
---@return usine.partition
function platform:partition(id) end

---Totals of one partition, or of the whole machine without argument (networks counted once).
---@param partition_id? string
---@return usine.totals
function platform:totals(partition_id) end

---The facility around the machine.
---@return {pue: number, carbon_g_per_kwh: number, price_eur_per_kwh: number}
function platform:facility() end

---@class usine.partition
---@field id string
---@field name string
---@field nodes integer Number of nodes.
---@field nodes_per_rack integer
---@field gpus_per_node integer Accelerators per node (0 for CPU-only nodes).
---@field gpus integer Accelerators in the partition.
---@field node usine.node
---@field accelerator usine.accelerator? nil for CPU-only nodes.
---@field network usine.network

---@class usine.node
---@field id string
---@field cpu_model string?
---@field cpus integer CPU sockets.
---@field cores_per_cpu integer
---@field cpu_tdp_w number Per CPU.
---@field memory_gb number Host memory, decimal GB.
---@field other_w number Rest of the node at full load (memory, NICs, fans, conversion).
---@field idle_w number Whole node idle, accelerators excluded; 0 = unknown.
---@field scaleup_kind string? "nvlink", "infinity-fabric", "pcie"...
---@field scaleup_bidir_gbs number Scale-up bandwidth per accelerator, both directions, GB/s.
---@field scaleup_latency_us number
---@field nics integer
---@field nic_gbit_s number Per NIC.
---@field mtbf_h number Mean time between failures of one node, hours; 0 = unknown.
---@field power_w number One node at full load, W.

---@class usine.peaks
---@field fp64 number?
---@field fp32 number?
---@field tf32 number?
---@field fp16 number?
---@field bf16 number?
---@field fp8 number?

---@class usine.accelerator
---@field id string
---@field name string
---@field vendor string
---@field peak_tflops usine.peaks Dense peaks, TFLOP/s; only the precisions the accelerator has.
---@field memory_gb number HBM capacity, decimal GB.
---@field memory_tbs number HBM bandwidth, TB/s.
---@field link_bidir_gbs number Scale-up bandwidth, both directions summed, GB/s; 0 = none.
---@field tdp_w number
---@field idle_w number
---@field eff_matmul number Fraction of peak that large matrix multiplications reach.
---@field eff_memory number Fraction of memory bandwidth that streaming kernels reach.
---@field mtbf_h number Mean time between failures, hours; 0 = unknown.

---@class usine.network
---@field id string
---@field name string
---@field technology string
---@field topology "switch"|"fat-tree"|"dragonfly"|"torus"|"explicit"
---@field routing "adaptive"|"minimal"|"valiant"|"spray"|"ecmp"|nil Dragonfly: adaptive, minimal or valiant; fat tree: spray, ecmp or adaptive; nil for the others.
---@field link_gbit_s number Switch-to-switch links, each direction.
---@field hop_latency_us number
---@field eff_bandwidth number Fraction of link bandwidth that large transfers reach.
---@field switch_w number Power per switch; 0 = unknown.
---@field levels integer? Fat tree: levels.
---@field radix integer? Fat tree: switch ports.
---@field oversubscription number? Fat tree: above the leaves.
---@field group_nodes integer? Dragonfly: nodes per group.
---@field group_switches integer? Dragonfly: routers per group.
---@field global_links integer? Dragonfly: global links per group.
---@field dims integer[]? Torus: the size of each dimension.
---@field switches integer? Explicit: number of switches.
---@field links integer? Explicit: number of link elements.

---@class usine.totals
---@field nodes integer
---@field gpus integer
---@field cpu_cores integer
---@field peak_pflops usine.peaks Per precision, PFLOP/s; only the nonzero ones.
---@field accel_memory_tb number
---@field host_memory_tb number
---@field injection_tbs number Sum of every node's NIC bandwidth, TB/s.
---@field bisection_tbs number Scale-out bisection bandwidth, TB/s.
---@field power_it_mw number At full load.
---@field power_facility_mw number With the PUE.
---@field switches integer Switches of the scale-out network.

---A platform by preset name (^[a-z0-9][a-z0-9_-]*$), or by file path in exercise code; the same name gives the same platform.
---@param name_or_path string
---@return usine.platform
function usine.platform(name_or_path) end

---Sorted names of the preset platforms.
---@return string[]
function usine.platforms() end

-- Models ---------------------------------------------------------------------------------------

---@class usine.model
---@field id string
---@field name string
---@field layers integer
---@field hidden integer
---@field heads integer
---@field kv_heads integer Key/value heads (grouped-query attention); defaults to heads in a table.
---@field ffn integer MLP hidden size; defaults to 4 x hidden in a table.
---@field vocab integer
---@field seq integer Sequence length.
---@field gated boolean SwiGLU MLP (three matrices).
---@field tied boolean Output layer shares the input embedding.
---@field pos_emb boolean Learned absolute position embeddings.
---@field head_dim integer? Head size of grouped-query attention when it is not hidden / heads (Qwen3: 128); 0 or nil: hidden / heads.
---@field q_lora_rank integer? Multi-head latent attention (DeepSeek-V2/V3): the queries' latent rank; 0 or nil: a full query projection.
---@field kv_lora_rank integer? Multi-head latent attention: the keys' and values' latent rank (DeepSeek-V3: 512); 0 or nil: grouped-query attention.
---@field qk_nope_dim integer? MLA: per head, the query/key part without rotary embedding (DeepSeek-V3: 128).
---@field qk_rope_dim integer? MLA: per head, the rotary part, its key shared by the heads (DeepSeek-V3: 64).
---@field v_head_dim integer? MLA: per head, the value size (DeepSeek-V3: 128).
---@field experts integer? Routed experts of each MoE layer; 0 or nil: a dense model (the fields below then stay nil).
---@field top_k integer? Routed experts per token, 1 to experts.
---@field expert_ffn integer? One expert's feed-forward size (needed with experts).
---@field shared_experts integer? Experts every token goes through (DeepSeek-V3: 1); default 0.
---@field shared_ffn integer? One shared expert's feed-forward size; 0 or nil: expert_ffn.
---@field dense_first integer? The first layers that are dense, using ffn (DeepSeek-V3: 3); default 0.
---@field moe_every integer? After them, one layer in moe_every is MoE, the first of each run (1: every layer, 2: every other); default 1.
---@field capacity number? Capacity factor: each expert computes a buffer of capacity x its mean tokens (tokens x top_k / experts); more than 0, default 1.
---@field imbalance number? The most loaded expert's tokens over the mean, 1 to experts / top_k; default 1.
---@field params number Total parameters (ignored when a table is given as a model).
---@field active_params number Parameters one token goes through in matrix multiplies (see usine.prediction); ignored when a table is given.

---A preset model by id, or a model's table checked (an error names the field that is wrong) and
---completed with its defaults, params and active_params.
---@param id string|usine.model
---@return usine.model
function usine.model(id) end

---Identifiers of the preset models.
---@return string[]
function usine.models() end

---Total parameters of a model (a preset id, or a table with the model's fields).
---@param model string|usine.model
---@return number
function usine.params(model) end

-- Training -------------------------------------------------------------------------------------

---@class usine.train_options
---@field platform usine.platform|string
---@field partition string? Default: the first.
---@field nodes integer? The partition with that many nodes, a what-if machine as usine predict --nodes: its network grows by its own rules (default: as the file has it).
---@field model string|usine.model
---@field gpus integer At most the partition's GPUs (1024 for usine.step).
---@field gbs integer Global batch, sequences (at most 2^40).
---@field tp integer? Tensor parallelism (default 1).
---@field pp integer? Pipeline stages (default 1).
---@field vpp integer? Virtual stages per GPU, interleaved schedule (default 1).
---@field cp integer? Context parallelism (default 1).
---@field mbs integer? Micro-batch, sequences (default 1).
---@field zero integer? ZeRO stage 0-3 (default 0).
---@field seq_parallel boolean? Sequence parallelism (default false).
---@field flash boolean? FlashAttention (default: the stack's; true for megatron-core).
---@field dp_overlap boolean? Overlap the gradient reduction with the backward pass (default: the stack's; true for megatron-core).
---@field stack string? The training software assumed, one of usine stacks' names (default "megatron-core"); it sets flash and dp_overlap unless given.
---@field recompute usine.recompute? Default "none".
---@field precision usine.precision? Default "bf16".
---@field tokens number? A run of that many tokens (default 0: one step).
---@field first_layers integer? Layers of the first pipeline stage (default: the split rule, see usine predict --help).
---@field last_layers integer? Layers of the last pipeline stage (default: the split rule).

-- Generated from sim/train_fields.c (tests/test_train.c checks that they agree).
---@class usine.breakdown
---@field compute_s number Matrix multiplications and memory-bound operations, with recomputation (s).
---@field gemm_s number Matrix multiplications (part of compute_s) (s).
---@field memory_bound_s number Memory-bound operations (part of compute_s) (s).
---@field recompute_s number Recomputation (part of compute_s) (s).
---@field tensor_parallel_s number Exposed tensor-parallel communication (s).
---@field context_parallel_s number Exposed context-parallel communication (s).
---@field pipeline_p2p_s number Exposed pipeline sends (s).
---@field bubble_s number Pipeline bubble (s).
---@field data_parallel_s number Exposed data-parallel gradient reduction (s).
---@field data_parallel_total_s number The same reduction before overlap (s).
---@field zero_s number Exposed ZeRO gathers and reduce-scatters (s).
---@field zero_total_s number The same before overlap (s).
---@field optimizer_s number Optimizer update (s).
---@field memops_s number Legacy name of memory_bound_s (s).
---@field tp_s number Legacy name of tensor_parallel_s (s).
---@field cp_s number Legacy name of context_parallel_s (s).
---@field pp_s number Legacy name of pipeline_p2p_s (s).
---@field dp_s number Legacy name of data_parallel_s (s).
---@field dp_total_s number Legacy name of data_parallel_total_s (s).

---@class usine.memory
---@field weights_gib number Weights, per GPU (GiB).
---@field gradients_gib number Gradients, per GPU (GiB).
---@field optimizer_gib number Optimizer state (Adam, fp32 master weights), per GPU (GiB).
---@field activations_gib number Activations kept for the backward pass, per GPU (GiB).
---@field buffers_gib number Communication buffers, per GPU (GiB).
---@field runtime_gib number Framework and library runtime, per GPU (GiB).
---@field capacity_gib number One GPU's memory (GiB).
---@field total_gib number All of the above but capacity (GiB).
---@field fits boolean Total_gib fits in capacity_gib.
---@field margin_gib number The memory model's stated uncertainty, +/-10 % of total_gib (GiB).
---@field at_limit boolean Over capacity_gib by less than margin_gib: may not fit (fits is false).
---@field grads_gib number Legacy name of gradients_gib (GiB).

---@class usine.prediction
---@field params number Parameters of the model.
---@field params_per_gpu number Parameters held by one GPU (tensor and pipeline shards).
---@field active_params number Parameters one token goes through in matrix multiplies: the experts it is routed to, not the others nor the input embedding (in JSON only for a mixture of experts).
---@field dp integer Data parallelism: gpus / (tp x pp x cp).
---@field micro_batches integer Micro-batches per step and replica.
---@field step_time_s number One optimizer step (s).
---@field tokens_per_step number Tokens of one global batch.
---@field tokens_per_s number Training throughput, whole job (1/s).
---@field model_flops_step number Model FLOPs of one step, whole job (6 N D and attention) (FLOP).
---@field hw_flops_step number FLOPs the hardware runs in one step, whole job (with recomputation) (FLOP).
---@field model_tflops_per_gpu number Model FLOPs per GPU per second (TFLOP/s).
---@field hardware_tflops_per_gpu number Hardware FLOPs per GPU per second (TFLOP/s).
---@field peak_tflops_per_gpu number One GPU's dense peak at the training precision (TFLOP/s).
---@field mfu number Model FLOPs utilisation, 0-1.
---@field hfu number Hardware FLOPs utilisation, 0-1.
---@field memory_per_gpu_gib number Memory one GPU needs (memory.total_gib) (GiB).
---@field fits boolean The plan fits in memory (memory.fits).
---@field at_memory_limit boolean The plan may not fit: over the memory by less than the margin (memory.at_limit).
---@field tokens number Tokens of the run (0: one step).
---@field steps number Steps of the run.
---@field time_to_train_s number The run without failures (s).
---@field wall_time_s number The run with failures, restarts and checkpoints (s).
---@field gpu_hours number GPU-hours of the run (or of one step) (h).
---@field power_it_mw number IT power of the job's nodes (MW).
---@field energy_it_mwh number IT energy of the run (MWh).
---@field energy_mwh number Facility energy of the run (IT x PUE) (MWh).
---@field carbon_t number CO2 of that energy at the facility's carbon intensity (t).
---@field cost_eur number Electricity cost (absent in JSON when the platform gives no price) (EUR).
---@field job_mtbf_s number Mean time between failures of the job (JSON null, Lua 0: no failure rate) (s).
---@field interruptions number Failures expected during the run (in JSON only with a failure rate).
---@field checkpoint_bytes number One checkpoint (bf16 weights, fp32 master weights and Adam) (B).
---@field checkpoint_write_s number Writing one checkpoint to storage (JSON null: no storage) (s).
---@field checkpoint_interval_s number Young/Daly checkpoint interval (JSON null: no failure rate) (s).
---@field goodput number Useful fraction of the wall time, 0-1.
---@field data_gbps number Input tokens to read, whole job (GB/s).
---@field step_s number Legacy name of step_time_s (s).
---@field peak_tflops number Legacy name of peak_tflops_per_gpu (TFLOP/s).
---@field data_Bps number Legacy: data_gbps in bytes per second (B/s).
---@field breakdown usine.breakdown
---@field memory usine.memory

---The analytic prediction of one training step (and of a run when tokens is given); raises for an invalid plan.
---@param opts usine.train_options
---@return usine.prediction
function usine.predict(opts) end

---@class usine.plan_options
---@field platform usine.platform|string
---@field partition string?
---@field nodes integer? As in usine.train_options.
---@field model string|usine.model
---@field gpus integer
---@field gbs integer
---@field cp integer?
---@field seq_parallel boolean?
---@field flash boolean?
---@field dp_overlap boolean?
---@field stack string? As in usine.train_options (not searched).
---@field precision usine.precision?
---@field top integer? Plans returned, 1-100 (default 10).
---@field tp integer? Fixed; the search tries the others (and likewise pp, vpp, cp, mbs, zero, recompute, seq_parallel, flash, dp_overlap, first_layers, last_layers).
---@field pp integer?
---@field vpp integer?
---@field mbs integer?
---@field zero integer?
---@field recompute usine.recompute?
---@field first_layers integer?
---@field last_layers integer?

---@class usine.ranked_plan
---@field tp integer
---@field pp integer
---@field vpp integer
---@field dp integer
---@field mbs integer
---@field zero integer
---@field recompute usine.recompute
---@field cp integer
---@field seq_parallel boolean
---@field flash boolean
---@field dp_overlap boolean
---@field fits boolean The plan fits in memory.
---@field at_limit boolean Over the memory by less than the model's margin: may not fit.
---@field step_time_s number One optimizer step (s).
---@field mfu number Model FLOPs utilisation, 0-1.
---@field tokens_per_s number Training throughput, whole job (1/s).
---@field memory_per_gpu_gib number Memory one GPU needs (GiB).
---@field step_s number Legacy name of step_time_s (s).
---@field memory_gib number Legacy name of memory_per_gpu_gib (GiB).

---Search every plan that fits or is at the memory limit, fastest first: tp, pp, vpp, cp (sequences of 8192 tokens or more), mbs, zero, recompute, seq_parallel, flash and dp_overlap, each kept as given when given.
---@param opts usine.plan_options
---@return {count: integer, evaluated: integer, plans: usine.ranked_plan[]}
function usine.plan(opts) end

---A collective run during a step (usine.step's `background`), as a line of `usine simulate step --background FILE`: on `ranks` (GPUs counted from 0 over the partition, the job on the first ones), or on `gpus` GPUs from `first` (default 0), from `start` seconds (default 0).
---@class usine.background_collective
---@field op "allreduce"|"reducescatter"|"allgather"|"alltoall"|"broadcast"|"p2p"
---@field algo ("ring"|"tree"|"rhd"|"hier"|"direct")? Default: ring, or direct for alltoall and p2p.
---@field bytes number
---@field ranks integer[]? Distinct GPUs, 2 to 1024.
---@field gpus integer? Instead of ranks: this many GPUs from first.
---@field first integer?
---@field start number? Seconds after the step starts.

---One training step run by the discrete-event simulator (1F1B or interleaved, ZeRO 0-3, context parallelism; GPUs x micro-batches <= 131072), beside the prediction. `opts.jobs` (default 1): copies of the job side by side, each on the GPUs after the last (jobs x gpus at most 1024 and the partition's); `jobs_s` gives each job's step, `simulated_s` the slowest. `opts.background` (1 to 64 collectives): other traffic on the same network during the step; `background[i].end_s` says when each ended, `makespan_s` when everything had. `opts.beside` (1 to 8 jobs, each a table of `model`, `gpus`, `gbs` and the plan's fields, the platform being the first job's): other jobs on the GPUs after the first's copies, each after the one before; `beside[i]` gives its step (`simulated_s`), its prediction alone (`predicted_s`) and its first GPU.
---@param opts usine.train_options|{jobs: integer?, background: usine.background_collective[]?, beside: usine.train_options[]?}
---@return {simulated_s: number, makespan_s: number, predicted_s: number, events: number, messages: number, jobs_s: number[], background: {start_s: number, end_s: number}[]?, beside: {simulated_s: number, predicted_s: number, first_gpu: integer}[]?}
function usine.step(opts) end

-- Simulation -----------------------------------------------------------------------------------

---@class usine.collective_result
---@field simulated_s number Discrete-event simulation.
---@field closed_form_s number Alpha-beta closed form.
---@field formula string The closed form, such as "2(p-1)(a + S/(pB))".
---@field op usine.op
---@field algo usine.algo
---@field gpus integer
---@field bytes number
---@field algbw_gbs number bytes / time, GB/s.
---@field busbw_gbs number As NCCL's tests define it.
---@field alpha_intra_s number Latency of a message inside a node.
---@field bw_intra_Bps number Bandwidth of one flow inside a node, bytes/s.
---@field alpha_inter_s number Latency of a message between nodes.
---@field bw_inter_Bps number Bandwidth of one flow between nodes, bytes/s.
---@field messages number Messages the simulation sent.

---One collective on the first gpus (<= 4096) GPUs of a partition, simulated and in closed form; bytes in (0, 1e12]; refused beyond 2^22 messages (2^18 in one step).
---routing replaces the network's routing for this run (a policy of its topology, see usine.network.routing).
---@param opts {platform: usine.platform|string, partition: string?, nodes: integer?, op: usine.op?, algo: usine.algo?, gpus: integer, bytes: number, routing: string?}
---@return usine.collective_result
function usine.collective(opts) end

---@class usine.message
---@field from integer Sending GPU, from 0.
---@field to integer Receiving GPU, from 0, not from.
---@field bytes number Positive.

---Run a message schedule (GPUs from 0, at most 4096 GPUs and 100000 messages): a GPU enters a step once all it sent and received in earlier steps is done.
---step_end_s[k] is when every message of steps 1..k has arrived. Refused when many messages of different sizes share links.
---@param opts {platform: usine.platform|string, partition: string?, nodes: integer?, gpus: integer, steps: usine.message[][], routing: string?}
---@return {time_s: number, step_end_s: number[], messages: integer}
function usine.schedule(opts) end

-- Helpers for checks ---------------------------------------------------------------------------

---Serial fraction of Amdahl's law fitted to measured speed-ups (least squares in 1/S).
---@param threads integer[] 2 to 256 thread counts.
---@param speedups number[] As many positive speed-ups.
---@return number
function usine.amdahl_fit(threads, speedups) end

---Whether a and b are finite numbers within rel_tol (relative to the larger) or abs_tol; never raises on a and b.
---@param a any
---@param b any
---@param rel_tol? number Default 1e-6.
---@param abs_tol? number Default 0.
---@return boolean
function usine.near(a, b, rel_tol, abs_tol) end

---Whether v is a number that is neither NaN nor infinite.
---@param v any
---@return boolean
function usine.finite(v) end

---What is wrong with got, in kind, for an exam's message (never the expected value): nil when got is
---within rel of want; else {fr=, en=}: not a number, not finite, the wrong sign, a units slip (a
---power of 1,000), GiB against GB, bits against bytes, a factor 2 or 3, or a band of relative error.
---@param got any
---@param want number
---@param rel? number Default 1e-6.
---@return {fr: string, en: string}?
function usine.diagnose(got, want, rel) end

---Grade a list of cases with partial credit (checks only; submissions never have it unless the
---exercise's allow-list names "cases"). try(c) returns the student's value, the expected one (a
---number compared within opts.rel, default 0.01, or a string/boolean compared exactly) and
---optionally other answers worth part of the case ({value=, credit=0.5, fr=, en=}). Sets ctx.case
---to each case's name while it is tried. Returns true when every case is right, else the share of
---the credit and {fr=, en=, exam={fr=, en=}}: the first wrong case with both values, and in its
---exam form what is wrong in kind (usine.diagnose, an off-by-one when exact), never the value.
---With opts.classes (answers such as "compute" or "memory"), the share counts only what is above
---chance: always giving the most common expected answer earns 0.
---@param ctx table The check's ctx.
---@param list {name: string|{fr: string, en: string}}[]
---@param try fun(c: table): any, any, table?
---@param opts? {rel?: number, abs?: number, unit?: string|{fr: string, en: string}, exact?: boolean, classes?: boolean, slip?: fun(c: table, got: any, want: any): (string|{fr: string, en: string})?}
---@return true|number
---@return {fr: string, en: string, exam: {fr: string, en: string}}?
function usine.cases(ctx, list, try, opts) end

---The teacher's reference computations of exercise id: the table returned by reference/<id>.lua
---beside the exercise (the source tree), else by the copy built into the program (installed
---courses have no reference/ folder). Loaded once per exercise, in its environment. Exercise code
---and checks only: a submission never has it, whatever the allow-list.
---@param id string
---@return table
function usine.reference(id) end

---A JSON text as Lua values (for checks that read a command's --json output a student pasted):
---objects as tables, arrays as sequences from 1, whole numbers below 2^53 as integers, null as nil.
---Returns nil and a message ("not JSON: line 3, column 7") when the text is not one JSON value.
---@param text string
---@return any
---@return string?
function usine.json(text) end

---|a - b| / |b|, or |a| when b is 0.
---@param a number
---@param b number
---@return number
function usine.rel_error(a, b) end

---x as the student reads numbers, for check messages: "21,0" and "1 246 913" (U+202F groups) in
---French, "21.0" and "1,246,913" in English; never "-0"; with sig, an exponent only from 1e15 up
---or below 1e-5 ("3,14e+23"); NaN is "NaN", infinities "∞" and "-∞". Give sig or decimals, not both.
---@param x number
---@param opts? {lang?: "fr"|"en", sig?: integer, decimals?: integer, group?: boolean, trim?: boolean, exp?: boolean} lang default "en" (pass ctx.lang); sig 1..17, default 3; decimals 0..17; group default true; trim (drop trailing zeros) default false; exp (allow the exponent) default true.
---@return string
function usine.num(x, opts) end

-- Kernels --------------------------------------------------------------------------------------

---@class usine.kernels
usine.kernels = {}

---@class usine.cpu
---@field model string
---@field isa string Widest vector instructions used for the peak.
---@field cores integer Physical cores this process may use.
---@field logical integer Logical CPUs.
---@field ghz number Clock used for the peak.
---@field nominal_ghz number
---@field clock_measured boolean
---@field flops_per_cycle integer Single precision, per core.
---@field peak_gflops number cores x ghz x flops_per_cycle.
---@field peak_basis string How flops_per_cycle was decided.
---@field l3_bytes number 0 if unknown.
---@field memory_bytes number
---@field has_bf16 boolean

---This computer's CPU and its single-precision peak.
---@return usine.cpu
function usine.kernels.cpu() end

---Time one rung of the matrix-multiplication ladder on n x n matrices (n <= 2048, <= 1024 for naive) and check it.
---@param rung "naive"|"reorder"|"blocked"|"blocked_omp"|"simd_omp"|"sgemm"
---@param n integer
---@param threads? integer Default: the current thread count.
---cpu_share: the CPU time the process got over what the rung's threads asked for (1: an idle machine);
---busy: cpu_share below 0.75, other programs held the processors and the figure is below this computer's.
---@return {gflops: number, seconds: number, reps: integer, threads: integer, max_rel_error: number, tolerance: number, cpu_share: number, busy: boolean}
function usine.kernels.gemm(rung, n, threads) end

---STREAM's copy, scale, add and triad in GB/s, on three arrays of mib MiB together (at most 1024).
---@param mib? integer Default: four times the last-level cache, within 1 GiB.
---cpu_share and busy as for gemm.
---@return {copy: number, scale: number, add: number, triad: number, elements: integer, max_error: number, cpu_share: number, busy: boolean}
function usine.kernels.stream(mib) end

---Names of the ladder's rungs, slowest first.
---@return string[]
function usine.kernels.rungs() end

return usine
