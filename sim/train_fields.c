/* train_fields.c: the fields of a prediction (tm_result) as every front end names them. One row
 * per field: `usine predict --json` and `usine.predict` in Lua both write from this table, and the
 * Lua definitions file (scripting/usine.d.lua) is checked against it by tests/test_train.c, so a new
 * field is added here once, with its unit and its meaning. */
#include "train.h"

#include <stddef.h>

#define R(member) offsetof(tm_result, member), TM_FIELD_NUMBER
#define I(member) offsetof(tm_result, member), TM_FIELD_INT
#define B(member) offsetof(tm_result, member), TM_FIELD_BOOL

/* In the order --json writes them. Legacy rows (TM_OUT_LUA only) are the names Lua used before the
 * two vocabularies were one, kept so that courses and submissions written against them still run. */
static const tm_result_field fields[] = {
    { NULL, "params", "", "parameters of the model", 1, R(params), TM_JSON_ALWAYS, TM_OUT_BOTH },
    { NULL, "params_per_gpu", "", "parameters held by one GPU (tensor and pipeline shards)", 1, R(params_per_gpu),
      TM_JSON_ALWAYS, TM_OUT_BOTH },
    { NULL, "active_params", "", "parameters one token goes through in matrix multiplies: the experts it is routed to, "
      "not the others nor the input embedding (in JSON only for a mixture of experts)", 1, R(active_params), TM_JSON_IF_MOE,
      TM_OUT_BOTH },
    { NULL, "dp", "", "data parallelism: gpus / (tp x pp x cp)", 1, I(dp), TM_JSON_ALWAYS, TM_OUT_BOTH },
    { NULL, "micro_batches", "", "micro-batches per step and replica", 1, I(micro_batches), TM_JSON_ALWAYS, TM_OUT_BOTH },
    { NULL, "step_time_s", "s", "one optimizer step", 1, R(step_s), TM_JSON_ALWAYS, TM_OUT_BOTH },
    { NULL, "tokens_per_step", "", "tokens of one global batch", 1, R(tokens_per_step), TM_JSON_ALWAYS, TM_OUT_BOTH },
    { NULL, "tokens_per_s", "1/s", "training throughput, whole job", 1, R(tokens_per_s), TM_JSON_ALWAYS, TM_OUT_BOTH },
    { NULL, "model_flops_step", "FLOP", "model FLOPs of one step, whole job (6 N D and attention)", 1,
      R(model_flops_step), TM_JSON_ALWAYS, TM_OUT_BOTH },
    { NULL, "hw_flops_step", "FLOP", "FLOPs the hardware runs in one step, whole job (with recomputation)", 1,
      R(hw_flops_step), TM_JSON_ALWAYS, TM_OUT_BOTH },
    { NULL, "model_tflops_per_gpu", "TFLOP/s", "model FLOPs per GPU per second", 1, R(model_tflops_per_gpu),
      TM_JSON_ALWAYS, TM_OUT_BOTH },
    { NULL, "hardware_tflops_per_gpu", "TFLOP/s", "hardware FLOPs per GPU per second", 1, R(hardware_tflops_per_gpu),
      TM_JSON_ALWAYS, TM_OUT_BOTH },
    { NULL, "peak_tflops_per_gpu", "TFLOP/s", "one GPU's dense peak at the training precision", 1, R(peak_tflops),
      TM_JSON_ALWAYS, TM_OUT_BOTH },
    { NULL, "mfu", "", "model FLOPs utilisation, 0-1", 1, R(mfu), TM_JSON_ALWAYS, TM_OUT_BOTH },
    { NULL, "hfu", "", "hardware FLOPs utilisation, 0-1", 1, R(hfu), TM_JSON_ALWAYS, TM_OUT_BOTH },
    { NULL, "memory_per_gpu_gib", "GiB", "memory one GPU needs (memory.total_gib)", 1, R(mem.total_gib),
      TM_JSON_ALWAYS, TM_OUT_BOTH },
    { "memory", "weights_gib", "GiB", "weights, per GPU", 1, R(mem.weights_gib), TM_JSON_ALWAYS, TM_OUT_BOTH },
    { "memory", "gradients_gib", "GiB", "gradients, per GPU", 1, R(mem.grads_gib), TM_JSON_ALWAYS, TM_OUT_BOTH },
    { "memory", "optimizer_gib", "GiB", "optimizer state (Adam, fp32 master weights), per GPU", 1, R(mem.optimizer_gib),
      TM_JSON_ALWAYS, TM_OUT_BOTH },
    { "memory", "activations_gib", "GiB", "activations kept for the backward pass, per GPU", 1, R(mem.activations_gib),
      TM_JSON_ALWAYS, TM_OUT_BOTH },
    { "memory", "buffers_gib", "GiB", "communication buffers, per GPU", 1, R(mem.buffers_gib), TM_JSON_ALWAYS, TM_OUT_BOTH },
    { "memory", "runtime_gib", "GiB", "framework and library runtime, per GPU", 1, R(mem.runtime_gib), TM_JSON_ALWAYS,
      TM_OUT_BOTH },
    { "memory", "capacity_gib", "GiB", "one GPU's memory", 1, R(mem.capacity_gib), TM_JSON_ALWAYS, TM_OUT_BOTH },
    { "memory", "total_gib", "GiB", "all of the above but capacity", 1, R(mem.total_gib), TM_JSON_ALWAYS, TM_OUT_BOTH },
    { "memory", "fits", "", "total_gib fits in capacity_gib", 1, B(mem.fits), TM_JSON_ALWAYS, TM_OUT_BOTH },
    { "memory", "margin_gib", "GiB", "the memory model's stated uncertainty, +/-10 % of total_gib", 1, R(mem.margin_gib),
      TM_JSON_ALWAYS, TM_OUT_BOTH },
    { "memory", "at_limit", "", "over capacity_gib by less than margin_gib: may not fit (fits is false)", 1,
      B(mem.at_limit), TM_JSON_ALWAYS, TM_OUT_BOTH },
    { "memory", "grads_gib", "GiB", "legacy name of gradients_gib", 1, R(mem.grads_gib), TM_JSON_ALWAYS, TM_OUT_LUA },
    { NULL, "fits", "", "the plan fits in memory (memory.fits)", 1, B(mem.fits), TM_JSON_ALWAYS, TM_OUT_BOTH },
    { NULL, "at_memory_limit", "", "the plan may not fit: over the memory by less than the margin (memory.at_limit)", 1,
      B(mem.at_limit), TM_JSON_ALWAYS, TM_OUT_BOTH },
    { "breakdown", "compute_s", "s", "matrix multiplications and memory-bound operations, with recomputation", 1,
      R(b.compute_s), TM_JSON_ALWAYS, TM_OUT_BOTH },
    { "breakdown", "gemm_s", "s", "matrix multiplications (part of compute_s)", 1, R(b.gemm_s), TM_JSON_ALWAYS, TM_OUT_BOTH },
    { "breakdown", "memory_bound_s", "s", "memory-bound operations (part of compute_s)", 1, R(b.memops_s), TM_JSON_ALWAYS,
      TM_OUT_BOTH },
    { "breakdown", "recompute_s", "s", "recomputation (part of compute_s)", 1, R(b.recompute_s), TM_JSON_ALWAYS,
      TM_OUT_BOTH },
    { "breakdown", "tensor_parallel_s", "s", "exposed tensor-parallel communication", 1, R(b.tp_s), TM_JSON_ALWAYS,
      TM_OUT_BOTH },
    { "breakdown", "context_parallel_s", "s", "exposed context-parallel communication", 1, R(b.cp_s), TM_JSON_ALWAYS,
      TM_OUT_BOTH },
    { "breakdown", "pipeline_p2p_s", "s", "exposed pipeline sends", 1, R(b.pp_s), TM_JSON_ALWAYS, TM_OUT_BOTH },
    { "breakdown", "bubble_s", "s", "pipeline bubble", 1, R(b.bubble_s), TM_JSON_ALWAYS, TM_OUT_BOTH },
    { "breakdown", "data_parallel_s", "s", "exposed data-parallel gradient reduction", 1, R(b.dp_s), TM_JSON_ALWAYS,
      TM_OUT_BOTH },
    { "breakdown", "data_parallel_total_s", "s", "the same reduction before overlap", 1, R(b.dp_total_s), TM_JSON_ALWAYS,
      TM_OUT_BOTH },
    { "breakdown", "zero_s", "s", "exposed ZeRO gathers and reduce-scatters", 1, R(b.zero_s), TM_JSON_ALWAYS, TM_OUT_BOTH },
    { "breakdown", "zero_total_s", "s", "the same before overlap", 1, R(b.zero_total_s), TM_JSON_ALWAYS, TM_OUT_BOTH },
    { "breakdown", "optimizer_s", "s", "optimizer update", 1, R(b.optimizer_s), TM_JSON_ALWAYS, TM_OUT_BOTH },
    { "breakdown", "memops_s", "s", "legacy name of memory_bound_s", 1, R(b.memops_s), TM_JSON_ALWAYS, TM_OUT_LUA },
    { "breakdown", "tp_s", "s", "legacy name of tensor_parallel_s", 1, R(b.tp_s), TM_JSON_ALWAYS, TM_OUT_LUA },
    { "breakdown", "cp_s", "s", "legacy name of context_parallel_s", 1, R(b.cp_s), TM_JSON_ALWAYS, TM_OUT_LUA },
    { "breakdown", "pp_s", "s", "legacy name of pipeline_p2p_s", 1, R(b.pp_s), TM_JSON_ALWAYS, TM_OUT_LUA },
    { "breakdown", "dp_s", "s", "legacy name of data_parallel_s", 1, R(b.dp_s), TM_JSON_ALWAYS, TM_OUT_LUA },
    { "breakdown", "dp_total_s", "s", "legacy name of data_parallel_total_s", 1, R(b.dp_total_s), TM_JSON_ALWAYS,
      TM_OUT_LUA },
    { NULL, "tokens", "", "tokens of the run (0: one step)", 1, R(tokens), TM_JSON_IF_RUN, TM_OUT_BOTH },
    { NULL, "steps", "", "steps of the run", 1, R(steps), TM_JSON_IF_RUN, TM_OUT_BOTH },
    { NULL, "time_to_train_s", "s", "the run without failures", 1, R(time_to_train_s), TM_JSON_IF_RUN, TM_OUT_BOTH },
    { NULL, "wall_time_s", "s", "the run with failures, restarts and checkpoints", 1, R(wall_time_s), TM_JSON_IF_RUN,
      TM_OUT_BOTH },
    { NULL, "gpu_hours", "h", "GPU-hours of the run (or of one step)", 1, R(gpu_hours), TM_JSON_ALWAYS, TM_OUT_BOTH },
    { NULL, "power_it_mw", "MW", "IT power of the job's nodes", 1, R(power_it_mw), TM_JSON_ALWAYS, TM_OUT_BOTH },
    { NULL, "energy_it_mwh", "MWh", "IT energy of the run", 1, R(energy_it_mwh), TM_JSON_ALWAYS, TM_OUT_BOTH },
    { NULL, "energy_mwh", "MWh", "facility energy of the run (IT x PUE)", 1, R(energy_mwh), TM_JSON_ALWAYS, TM_OUT_BOTH },
    { NULL, "carbon_t", "t", "CO2 of that energy at the facility's carbon intensity", 1, R(carbon_t), TM_JSON_ALWAYS,
      TM_OUT_BOTH },
    { NULL, "cost_eur", "EUR", "electricity cost (absent in JSON when the platform gives no price)", 1, R(cost_eur),
      TM_JSON_OMIT_IF_ZERO, TM_OUT_BOTH },
    { NULL, "job_mtbf_s", "s", "mean time between failures of the job (JSON null, Lua 0: no failure rate)", 1,
      R(job_mtbf_s), TM_JSON_NULL_IF_ZERO, TM_OUT_BOTH },
    { NULL, "interruptions", "", "failures expected during the run (in JSON only with a failure rate)", 1,
      R(interruptions), TM_JSON_IF_MTBF, TM_OUT_BOTH },
    { NULL, "checkpoint_bytes", "B", "one checkpoint (bf16 weights, fp32 master weights and Adam)", 1, R(checkpoint_B),
      TM_JSON_ALWAYS, TM_OUT_BOTH },
    { NULL, "checkpoint_write_s", "s", "writing one checkpoint to storage (JSON null: no storage)", 1,
      R(checkpoint_write_s), TM_JSON_NULL_IF_ZERO, TM_OUT_BOTH },
    { NULL, "checkpoint_interval_s", "s", "Young/Daly checkpoint interval (JSON null: no failure rate)", 1,
      R(checkpoint_interval_s), TM_JSON_NULL_IF_ZERO, TM_OUT_BOTH },
    { NULL, "goodput", "", "useful fraction of the wall time, 0-1", 1, R(goodput), TM_JSON_ALWAYS, TM_OUT_BOTH },
    { NULL, "data_gbps", "GB/s", "input tokens to read, whole job", 1e-9, R(data_Bps), TM_JSON_ALWAYS, TM_OUT_BOTH },
    { NULL, "step_s", "s", "legacy name of step_time_s", 1, R(step_s), TM_JSON_ALWAYS, TM_OUT_LUA },
    { NULL, "peak_tflops", "TFLOP/s", "legacy name of peak_tflops_per_gpu", 1, R(peak_tflops), TM_JSON_ALWAYS, TM_OUT_LUA },
    { NULL, "data_Bps", "B/s", "legacy: data_gbps in bytes per second", 1, R(data_Bps), TM_JSON_ALWAYS, TM_OUT_LUA },
};

const tm_result_field *tm_result_fields(int *count)
{
    *count = (int)(sizeof fields / sizeof *fields);
    return fields;
}

double tm_result_value(const tm_result *r, const tm_result_field *f)
{
    const char *at = (const char *)r + f->offset;
    switch (f->type) {
    case TM_FIELD_INT: return *(const int *)at;
    case TM_FIELD_BOOL: return *(const int *)at != 0;
    default: return *(const double *)at * f->scale;
    }
}

int tm_result_field_in_json(const tm_result *r, const tm_result_field *f)
{
    if (!(f->out & TM_OUT_JSON)) return 0;
    double v = tm_result_value(r, f);
    switch (f->json) {
    case TM_JSON_IF_RUN: return r->tokens > 0;
    case TM_JSON_OMIT_IF_ZERO: return v != 0;
    case TM_JSON_IF_MTBF: return r->job_mtbf_s > 0;
    case TM_JSON_IF_MOE: return r->experts > 0;
    default: return 1;
    }
}
