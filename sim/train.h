/* train.h: the analytic training model. How long does one optimizer step of a transformer take on
 * a platform with a given parallel plan, how much memory does it need per GPU, and what does a
 * whole run cost in time, energy, carbon and lost work? The discrete-event simulator (ds.h) runs the
 * same step for checking (tm_step_simulate); this file is the fast half of "one model, two speeds".
 *
 * Usage:
 *     tm_ctx *c = tm_ctx_create(platform, partition, gpus, err, sizeof err);
 *     tm_model m = *tm_model_preset("gpt3-175b");
 *     tm_plan pl = tm_plan_default(); pl.gpus = 1024; pl.tp = 8; pl.pp = 16; pl.gbs = 1536; ...
 *     tm_result r;
 *     if (tm_predict(c, &m, &pl, 300e9, &r, err, sizeof err) != 0) ...   // bad plan: err says why
 *     tm_ctx_destroy(c);
 *
 * What the model counts, per GPU and per step (every figure is per GPU unless named otherwise):
 *   - every matrix multiplication of the layers, attention and the output layer, forward and the two
 *     of the backward pass, timed on the accelerator's roofline: max(FLOPs / (peak x MAMF x shape x
 *     the stack's training factor), bytes / (memory bandwidth x memory efficiency)), where MAMF is the
 *     platform file's measured best matmul fraction, shape the product's tile and wave quantisation
 *     (tm_gemm_shape_efficiency) and the training factor is fitted on calibration runs (tm_stack);
 *   - the memory-bound operations (layer norms, dropout, residuals, activation functions, softmax
 *     over the attention scores unless FlashAttention, cross-entropy) as bytes at the memory rate;
 *   - recomputation (selective: the attention core; full: the whole forward of each layer again);
 *   - tensor-parallel all-reduces (or all-gathers and reduce-scatters with sequence parallelism)
 *     inside the node, context-parallel exchanges of keys and values, pipeline sends, the 1F1B
 *     bubble (divided by the virtual stages when interleaved), the data-parallel gradient reduction
 *     and its overlap with the backward pass, ZeRO's gathers and reduce-scatters, the optimizer;
 *   - collectives with the alpha-beta closed forms of coll.h, alpha and bandwidth measured on the
 *     network of net.h between the GPUs the placement puts in each group (ranks: tensor fastest,
 *     then context, data, pipeline; tensor parallelism inside a node), the node's NICs shared by
 *     its GPUs when they all communicate at once;
 *   - memory per GPU: weights, gradients, Adam's state (sharded by ZeRO), the activations of the
 *     busiest stage (Korthikanti et al. 2022) and runtime, stated with a margin of TM_MEMORY_MARGIN
 *     (fits, at the limit, does not fit: tm_memory).
 * Efficiency constants come from the platform file (accelerator and network) and the stack table
 * (train_stacks.c), never from a model or a named run. Units are in the names: _s seconds, _B bytes,
 * _gib GiB. */
#ifndef USINE_TRAIN_H
#define USINE_TRAIN_H

#include <stddef.h>

#include "coll.h"
#include "net.h"
#include "plat.h"

typedef struct tm_model {
    char id[32];
    char name[64];
    int layers, hidden, heads, kv_heads, ffn, vocab, seq;
    int gated;          /* SwiGLU MLP, three hidden x ffn matrices (Llama); 0: two (GPT, BLOOM) */
    int tied;           /* output layer shares the input embedding's weights */
    int pos_emb;        /* learned absolute position embeddings (GPT-3, Megatron) */
    /* Attention variants. head_dim: 0 is hidden / heads (set where a model differs: Qwen3).
     * Multi-head latent attention (DeepSeek-V2/V3) when kv_lora_rank > 0: queries through a
     * q_lora_rank bottleneck (0: a full hidden x heads x (nope + rope) projection), keys and values
     * through one kv_lora_rank latent plus a rope key shared by the heads, values of v_head_dim. */
    int head_dim;
    int q_lora_rank, kv_lora_rank, qk_nope_dim, qk_rope_dim, v_head_dim;
    /* Mixture of experts; experts = 0 is a dense model and the fields below are unused (0). A MoE
     * layer has a router (hidden x experts), `experts` routed experts of expert_ffn of which each
     * token goes through top_k, and shared_experts that every token goes through (shared_ffn each;
     * 0: expert_ffn). Layers 0 .. dense_first - 1 are dense (ffn); after them one layer in moe_every
     * is MoE, the first of each run (0 or 1: every layer; 2: every other), as Megatron-LM's
     * moe_layer_freq. capacity: each expert computes a buffer of capacity x the mean tokens
     * (tokens x top_k / experts; 1: exactly the routed tokens); imbalance: the most loaded expert's
     * tokens over the mean (>= 1). */
    int experts, top_k, expert_ffn, shared_experts, shared_ffn, dense_first, moe_every;
    double capacity, imbalance;
} tm_model;

typedef enum tm_recompute { TM_RC_NONE, TM_RC_SELECTIVE, TM_RC_FULL } tm_recompute;

typedef struct tm_plan {
    int gpus;
    int tp, pp, vpp, cp, dp;    /* dp is derived: gpus / (tp pp cp) */
    int first_layers, last_layers; /* layers of the first and last pipeline stages; 0: the rule (tm_stage_layers) */
    long gbs;                   /* global batch, sequences */
    int mbs;                    /* micro-batch, sequences */
    int zero;                   /* 0-3 */
    int seq_parallel;
    int flash;                  /* FlashAttention: no attention-score traffic, no score activations */
    int dp_overlap;             /* overlap the gradient reduction with the backward pass */
    int tp_overlap;             /* overlap the tensor-parallel collectives with the layer's matrix multiplies */
    tm_recompute recompute;
    int prec;                   /* plat_prec: fp32, tf32, fp16, bf16, fp8 */
    int stack;                  /* the software stack, an index into tm_stacks(); 0: the default */
} tm_plan;

/* Software stacks: what a training framework does structurally, which the same plan on the same
 * machine depends on (the table with its sources is train_stacks.c; `usine stacks` prints it). A
 * plan names its stack (tm_plan.stack); tm_stack_apply gives a plan the stack's defaults. */
/* What a stack offers of a feature: not at all, as an option (off unless asked), or by default. */
enum { TM_OFFER_NO, TM_OFFER_OPTION, TM_OFFER_DEFAULT };
typedef struct tm_stack {
    const char *id, *name;
    const char *about;          /* N_(): what it is, in a line */
    int dp_overlap;             /* can overlap the data-parallel gradient reduction with the backward pass */
    int pp_scatter_gather;      /* pipeline sends split across the tensor-parallel ranks, then all-gathered
                                 * inside the node (Megatron-LM); else every rank sends the whole activation */
    int zero3_prefetch;         /* ZeRO-3 gathers the next layer's parameters during compute; else each gather waits */
    double zero3_tensor_s;      /* > 0: ZeRO-3 gathers each parameter tensor apart, a blocking collective that
                                 * also pays this launch overhead; 0: bucketed gathers */
    int tp_overlap;             /* TM_OFFER_*: tensor-parallel collectives overlapped with the layer's matrix
                                 * multiplies (needs sequence parallelism where the stack says so) */
    int flash;                  /* TM_OFFER_*: FlashAttention (by default: the plan's kernel; else fused softmax) */
    int seq_parallel;           /* TM_OFFER_*: sequence parallelism */
    int selective;              /* offers selective recomputation (of the attention core) */
    int zero_max;               /* the highest ZeRO stage it offers (1: a distributed optimizer; 3: ZeRO-3, FSDP) */
    int zero_pp;                /* the highest with pipeline parallelism (1 unless it shards gradients per micro-batch) */
    int param_overlap;          /* ZeRO-1's parameter all-gather overlapped with the next step's forward pass */
    int grads_fp32;             /* bf16 gradients accumulated and reduced in fp32 (4 bytes each) */
    int unfused;                /* bias+GeLU, bias+dropout+add and scale+mask+softmax as separate kernels (each a pass
                                 * over memory of its own); 0: fused, as Megatron-LM has them since 2020 */
    int interleaved;            /* has the interleaved 1F1B schedule (vpp > 1); else plain 1F1B only */
    int uneven_chunks;          /* its interleaved chunks of a stage may differ by a layer (vpp need not divide) */
    int own_factor;             /* 1: `matmul` is fitted on this stack's calibration runs only; 0: the factor
                                 * shared by the stacks without calibration runs of their own */
    double matmul;              /* fraction of the achievable matrix-multiply rate (the accelerator's MAMF x the
                                 * shape's tile and wave quantisation) that the stack's training step sustains:
                                 * fitted on calibration runs (usine validate --fit), never on validation runs */
    const char *fitted;         /* N_(): how `matmul` was obtained */
    const char *sources;        /* where the structural fields come from */
} tm_stack;
const tm_stack *tm_stacks(int *count);                  /* [0] is the default */
int tm_stack_find(const char *id);                      /* index, or -1 */
const tm_stack *tm_stack_at(int stack);                 /* tm_stacks()[stack], the default if out of range */
const tm_stack *tm_stack_of(const tm_plan *pl);         /* the plan's stack, likewise */
int tm_stack_zero_pp(const tm_stack *sk);               /* its highest ZeRO stage with a pipeline (at least 1) */
void tm_stack_apply(int stack, tm_plan *pl);            /* pl->stack and the stack's defaults (overlaps, flash,
                                                         * sequence parallelism where it is the default) */
void tm_stack_restrict(tm_plan *pl);                    /* turn off what the plan's stack does not offer (a
                                                         * front end switching stacks); tm_plan_check refuses it */

/* Seconds of one step, by kind. exposed_* is what the critical path waits for. */
typedef struct tm_breakdown {
    double compute_s;           /* matrix multiplications and memory-bound operations, incl. recomputation */
    double gemm_s, memops_s, recompute_s;  /* parts of compute_s */
    double tp_s, cp_s, pp_s, dp_s, zero_s; /* exposed communication per kind */
    double dp_total_s, zero_total_s;       /* the same collectives before overlap */
    double bubble_s, optimizer_s;
} tm_breakdown;

/* Memory per GPU. The estimate is stated with an uncertainty of TM_MEMORY_MARGIN of its total
 * (margin_gib): the activations follow Korthikanti et al. 2022, but allocators, fragmentation and
 * frameworks move a real run by several per cent either way. Three verdicts follow: fits (total
 * within capacity), at the limit (over it, but by less than the margin: "may not fit", a prediction
 * with a warning, as published runs that ran are) and does not fit (over by more). */
#define TM_MEMORY_MARGIN 0.10
typedef struct tm_memory {
    double weights_gib, grads_gib, optimizer_gib, activations_gib, buffers_gib, runtime_gib;
    double total_gib, capacity_gib;
    double margin_gib;          /* TM_MEMORY_MARGIN x total_gib */
    int fits;                   /* total_gib <= capacity_gib */
    int at_limit;               /* not fits, but total_gib - margin_gib <= capacity_gib */
} tm_memory;
int tm_memory_may_fit(const tm_memory *m);            /* 1: fits or at the limit (what plan keeps) */

/* The pieces of a step the discrete-event simulator replays (per micro-batch, per GPU). A stage of n
 * layers (tm_stage_layers) computes n x f_layer_s forward and n x (b_layer_s + rc_layer_s) backward. */
typedef struct tm_parts {
    double f_layer_s, b_layer_s;/* compute of one layer's forward / backward */
    double rc_layer_s;          /* recomputation of one layer, before its backward */
    double first_f_s, first_b_s;/* extra on the first stage (embedding) */
    double last_f_s, last_b_s;  /* extra on the last stage (output layer, loss) */
    double tp_bytes;            /* bytes of one tensor-parallel all-reduce */
    int tp_f, tp_b;             /* how many per layer in the forward / backward (with recomputation) */
    double p2p_bytes;           /* pipeline send per tensor-parallel rank */
    double p2p_gather_bytes;    /* Megatron's scatter-gather: the all-gather of the activations over the
                                 * receiving stage's tensor ranks after each send (0: none) */
    double cp_bytes;            /* one layer's context-parallel ring (0: no context parallelism) */
    double core_f_s, core_b_s;  /* one layer's attention core, forward / backward (what the ring hides behind) */
    double grad_bytes;          /* gradients per GPU, as reduced (fp32 where the stack keeps them so) */
    double param_bytes;         /* parameters per GPU, as ZeRO-1 gathers them */
    double optimizer_s;
} tm_parts;

typedef struct tm_result {
    int dp, micro_batches;
    tm_parts parts;
    double params, params_per_gpu;
    double active_params;                               /* tm_model_active_params */
    int experts;                                        /* the model's routed experts (0: dense) */
    double step_s;
    tm_breakdown b;
    tm_memory mem;
    double tokens_per_step, tokens_per_s;
    double model_flops_step, hw_flops_step;             /* whole job, one step */
    double model_tflops_per_gpu, hardware_tflops_per_gpu, mfu, hfu;
    double peak_tflops;                                 /* of the precision used, per GPU */
    /* a run of `tokens` tokens (0: one step) */
    double tokens, steps, time_to_train_s, wall_time_s, gpu_hours;
    double power_it_mw, energy_it_mwh, energy_mwh, carbon_t, cost_eur;
    /* reliability and data */
    double job_mtbf_s;                                  /* 0: the platform gives no failure rate */
    double interruptions, checkpoint_B, checkpoint_write_s, checkpoint_interval_s, goodput;
    double data_Bps;                                    /* input tokens to read per second */
} tm_result;

/* The numbers of a model and a plan, with the one range every front end accepts for each (the
 * command line, Lua and the window all read this table). `name` is the field's name in Lua and in
 * JSON. Messages of the core name fields through a front end's names ("--tp" on the command line,
 * "tp" in Lua), given to tm_ctx_set_names and tm_model_check; NULL names: the fields' own names. */
typedef enum tm_field {
    TM_LAYERS, TM_HIDDEN, TM_HEADS, TM_KV_HEADS, TM_FFN, TM_VOCAB, TM_SEQ,
    TM_GPUS, TM_TP, TM_PP, TM_VPP, TM_CP, TM_GBS, TM_MBS, TM_ZERO, TM_FIRST_LAYERS, TM_LAST_LAYERS,
    /* the model's attention variants and mixture of experts (after the plan's, whose TM_FIX bits
     * come first); capacity and imbalance are not whole numbers: their limits are checked by
     * tm_model_check (capacity > 0, 1 <= imbalance <= experts / top_k), the table's min and max are 0 */
    TM_HEAD_DIM, TM_Q_LORA_RANK, TM_KV_LORA_RANK, TM_QK_NOPE_DIM, TM_QK_ROPE_DIM, TM_V_HEAD_DIM,
    TM_EXPERTS, TM_TOP_K, TM_EXPERT_FFN, TM_SHARED_EXPERTS, TM_SHARED_FFN, TM_DENSE_FIRST, TM_MOE_EVERY,
    TM_CAPACITY, TM_IMBALANCE, TM_FIELD_COUNT
} tm_field;
typedef struct tm_limit {
    const char *name;
    long min, max;
} tm_limit;
const tm_limit *tm_limit_of(tm_field f);
typedef const char *const tm_names[TM_FIELD_COUNT];   /* a front end's name for each field */

/* The fields of a prediction, one name each in --json and in Lua, with unit and meaning: the one
 * place where a field is named and documented (train_fields.c). A group is the nested table or
 * object the field sits in ("memory", "breakdown"; NULL: top level). */
typedef enum { TM_FIELD_NUMBER, TM_FIELD_INT, TM_FIELD_BOOL } tm_field_type;
typedef enum {
    TM_JSON_ALWAYS,
    TM_JSON_IF_RUN,             /* only for a run of tokens (tokens > 0) */
    TM_JSON_OMIT_IF_ZERO,
    TM_JSON_NULL_IF_ZERO,       /* null when not positive: the platform does not say */
    TM_JSON_IF_MTBF,            /* only when the platform gives a failure rate */
    TM_JSON_IF_MOE,             /* only for a mixture of experts (experts > 0) */
} tm_json_rule;
enum { TM_OUT_JSON = 1, TM_OUT_LUA = 2, TM_OUT_BOTH = 3 };  /* TM_OUT_LUA alone: a legacy Lua name */
typedef struct tm_result_field {
    const char *group, *name, *unit, *meaning;
    double scale;               /* of the member, for the unit */
    size_t offset;              /* of the member in tm_result */
    tm_field_type type;
    tm_json_rule json;
    int out;
} tm_result_field;
const tm_result_field *tm_result_fields(int *count);
double tm_result_value(const tm_result *r, const tm_result_field *f);   /* booleans: 0 or 1 */
int tm_result_field_in_json(const tm_result *r, const tm_result_field *f);

/* Models. */
const tm_model *tm_model_preset(const char *id);        /* NULL if unknown */
const tm_model *tm_model_presets(int *count);
double tm_model_params(const tm_model *m);              /* total parameters */
/* Parameters one token goes through: the total less the routed experts it is not sent to
 * (experts - top_k of each MoE layer) and less the input embedding, a lookup that does no matrix
 * multiply (DeepSeek's convention: 36.6B of V3's 671B, its output head included). The model FLOPs
 * are 6 x these x tokens plus attention. A dense model: tm_model_params less the embedding. */
double tm_model_active_params(const tm_model *m);
int tm_model_moe_layers(const tm_model *m);             /* the MoE layers (0: dense) */
int tm_model_is_moe_layer(const tm_model *m, int layer);/* 1: layer (0 ..) is a MoE layer */
int tm_model_check(const tm_model *m, const tm_names *names, char *err, size_t err_size); /* 0, or -1 and why */

/* Plans. */
tm_plan tm_plan_default(void);                          /* bf16, 1F1B, no recomputation, the default stack's overlap and FlashAttention */
const char *tm_recompute_name(tm_recompute r);
int tm_recompute_from_name(const char *s);              /* tm_recompute, or -1 */

/* A platform partition prepared for predictions of up to `gpus` GPUs. */
typedef struct tm_ctx tm_ctx;
tm_ctx *tm_ctx_create(const plat_platform *p, int partition, int gpus, char *err, size_t err_size);
void tm_ctx_destroy(tm_ctx *c);
const net *tm_ctx_net(const tm_ctx *c);
void tm_ctx_set_names(tm_ctx *c, const tm_names *names); /* kept by pointer; NULL: the fields' names */
/* The accelerator's efficiencies in use (the platform's measured MAMF and memory fractions, or 1
 * when the file gives none). */
void tm_ctx_efficiency(const tm_ctx *c, double *matmul, double *memory);
/* Calibration (usine validate --fit): use this training factor instead of every stack's `matmul`;
 * 0 goes back to the stacks' own. */
void tm_ctx_set_matmul_factor(tm_ctx *c, double factor);

/* The layers of each pipeline stage (out[0..pp)): the first and last as the plan gives them and the
 * rest split evenly; or, when the plan gives neither, an even split if pp divides the layers, else
 * the stages at the ends made lighter, one layer at a time, from the last stage inwards (the last
 * stage carries the output layer and the loss, the first the embedding): 70 layers on 12 stages are
 * 5, 6 x 10, 5 (BLOOM-176B); 126 on 16 are 7, 8 x 14, 7 (Llama 3 405B). 0, or -1 and why. */
int tm_stage_layers(const tm_model *m, const tm_plan *pl, int *out, const tm_names *names, char *err, size_t err_size);
/* The split for people, runs of equal stages grouped: "5, 6 x 10, 5"; "" when the stages are even
 * or the plan does not split. */
const char *tm_stage_split_text(const tm_model *m, const tm_plan *pl, char *buf, size_t size);

/* Is the plan valid for this model on this platform? 0, or -1 and a message that says why and
 * what would be valid. Memory is not checked here (see tm_result.mem). */
int tm_plan_check(const tm_ctx *c, const tm_model *m, tm_plan *pl, char *err, size_t err_size);

/* Predict. tokens > 0: a run of that many tokens. Returns 0, or -1 with a message (invalid plan). */
int tm_predict(const tm_ctx *c, const tm_model *m, const tm_plan *pl, double tokens, tm_result *r,
               char *err, size_t err_size);

/* The same prediction, telling `fn` every term as it is computed: its group ("layer", "stage",
 * "step", ...), a name, its seconds, and how it was obtained with the formula's inputs, in the
 * user's language (usine predict --explain). The terms are those the result adds up; nothing is
 * recomputed for the explanation. Numbers are written in the style given (NULL: "." and no grouping). */
struct ut_numstyle;
typedef void (*tm_explain_fn)(void *user, const char *group, const char *name, double seconds, const char *how);
int tm_predict_explain(const tm_ctx *c, const tm_model *m, const tm_plan *pl, double tokens, tm_result *r,
                       tm_explain_fn fn, void *user, const struct ut_numstyle *numbers, char *err, size_t err_size);
const char *tm_explain_group_title(const char *group);  /* a group for people, translated */
/* The same explanation kept: the terms into *terms (*count of them), the caller's to free, also when
 * the prediction fails (then none). */
typedef struct tm_term { char group[16], name[96], how[512]; double s; } tm_term;
int tm_predict_terms(const tm_ctx *c, const tm_model *m, const tm_plan *pl, double tokens, tm_result *r,
                     const struct ut_numstyle *numbers, tm_term **terms, int *count, char *err, size_t err_size);

/* The fraction of the achievable matrix-multiply rate an m x n x k product (batch of them) gets from
 * its shape on this accelerator: tile quantisation (a dimension that is not a multiple of the tile
 * wastes the rest of its last tile) times wave quantisation (tiles run in waves of one per compute
 * unit; a last wave that is not full wastes the rest), for the best of the tile shapes cuBLAS uses.
 * NVIDIA, "Matrix Multiplication Background User's Guide" (DU-09799-001, 2023), sections 2.3 and 3.
 * k does not enter: a short k is the roofline's memory bound, which the prediction adds. */
double tm_gemm_shape_efficiency(const tm_ctx *c, double m, double n, double k, double batch, int *tile_m,
                                int *tile_n, double *waves);

/* The algorithm both speeds use for a collective over these GPUs (ascending): NCCL-like, the
 * hierarchical all-reduce when the group has several GPUs in each of several nodes (its rings then
 * use every NIC of a node), direct for all-to-all and point-to-point, else the ring. */
coll_algo tm_group_algo(const net *n, const int *gpus, int p, coll_op op);

/* One training step replayed by the discrete-event simulator (ds.h) on the context's network:
 * per GPU the compute of every micro-batch in the 1F1B order, tensor-parallel all-reduces, pipeline
 * sends, the data-parallel gradient reduction (overlapped as the analytic model assumes) and the
 * optimizer. The plain 1F1B schedule with ZeRO 0 or 1 and no context parallelism; anything else is
 * refused with a message. The step owns its simulator and timeline; the context owns the network,
 * so it must outlive the step, and carries one step at a time (predictions on it meanwhile are fine:
 * they only read routes).
 *
 *     tm_step_opts o = { .detail = 1 };                 // detail: per-link loads in the timeline
 *     tm_step *s = tm_step_simulate(c, &m, &pl, &o, err, sizeof err);
 *     if (!s) ...                                       // err says why (bad or unsupported plan)
 *     printf("%g s against %g s\n", tm_step_stats(s)->end_s, tm_step_predicted(s)->step_s);
 *     tm_step_free(s);
 */
typedef struct tm_step tm_step;
struct ds;
typedef struct tm_step_opts {
    int detail;                 /* detailed timeline (link loads, collective steps), as ds_create */
    int bins;                   /* without detail: link loads over time in this many bins (tl_set_bins; 0: none) */
    unsigned long long max_work;/* stop the run past this much work (ds_limit_work); 0: no limit */
    long max_build;             /* refuse to build more than GPUs x micro-batches, all jobs together (0: no limit) */
    int every_message;          /* every message a flow, no closed-form replay (ds_set_replay) */
    int (*stop)(void *ctx);     /* stop when it says so, as at max_work (ds_set_stop); NULL: never */
    void *stop_ctx;
    void (*progress)(void *ctx, double now_s);  /* the simulated time reached, now and then (ds_set_progress) */
    void *progress_ctx;
    /* more tasks on the same network before it runs (a background load: other collectives, on the
     * job's GPUs or others, counted from 0 on the network); 0, or -1 with a message in err, which
     * stops the step there */
    int (*extra)(struct ds *s, void *ctx, char *err, size_t err_size);
    void *extra_ctx;
} tm_step_opts;
struct ds_stats;
struct tl;
int tm_step_runs(const tm_plan *pl);                   /* 1: the simulator can replay this plan (all but ZeRO-3 gathered tensor by tensor) */
tm_step *tm_step_simulate(tm_ctx *c, const tm_model *m, const tm_plan *pl, const tm_step_opts *o, char *err, size_t err_size);
/* `jobs` copies of the same job side by side, job k on GPUs k x gpus .. (k + 1) x gpus - 1 of the
 * context's network (which must have them all): what one job's traffic does to another's on a
 * shared partition. Stats and timeline are the whole run's; tm_step_job_end_s gives each job's. */
tm_step *tm_steps_simulate(tm_ctx *c, const tm_model *m, const tm_plan *pl, int jobs, const tm_step_opts *o, char *err,
                           size_t err_size);
/* Different jobs side by side: job k on the GPUs after job k - 1's, in the order given (each with
 * its own plan and prediction alone: tm_step_job_plan, tm_step_job_predicted). */
typedef struct tm_job { const tm_model *m; const tm_plan *pl; } tm_job;
tm_step *tm_jobs_simulate(tm_ctx *c, const tm_job *jobs, int njobs, const tm_step_opts *o, char *err, size_t err_size);
int tm_step_jobs(const tm_step *s);                     /* 1 for tm_step_simulate */
const tm_plan *tm_step_job_plan(const tm_step *s, int job);          /* NULL if there is none */
const tm_result *tm_step_job_predicted(const tm_step *s, int job);   /* NULL if there is none */
int tm_step_job_first_gpu(const tm_step *s, int job);                /* -1 if there is none */
double tm_step_job_end_s(const tm_step *s, int job);    /* when job `job` (0 ..) ended; NaN if there is none */
void tm_step_free(tm_step *s);                          /* NULL is fine */
const struct ds_stats *tm_step_stats(const tm_step *s); /* end_s: the simulated step */
int tm_step_stopped(const tm_step *s);                  /* 1: stopped at max_work, the times are partial */
const tm_result *tm_step_predicted(const tm_step *s);   /* the analytic prediction of the same step */
const tm_plan *tm_step_plan(const tm_step *s);          /* the plan as checked (dp filled in) */
struct tl *tm_step_timeline(const tm_step *s);          /* owned by the step */
struct ds *tm_step_sim(const tm_step *s);             /* the simulator it ran in (its tasks' times) */
const net *tm_step_net(const tm_step *s);               /* the context's */

/* Plan search. tm_search_fixed tries what a user would tune, keeps the plans that fit in memory or
 * are at the limit (tm_memory_may_fit), fastest first (then least memory), and obeys what `fixed`
 * says to take from `base` as given:
 *   - tp: every divisor of a node's GPUs that the heads allow (tm_plan_check's rules);
 *   - cp: 1, and for a sequence of TM_SEARCH_CP_SEQ tokens or more every power of two that divides
 *     the GPUs and the sequence while each rank keeps TM_SEARCH_CP_CHUNK tokens or more;
 *   - pp: every pp up to the layers that divides the GPUs (uneven stages by tm_stage_layers);
 *   - vpp: every value that divides each stage's layers (interleaving needs pp > 1);
 *   - mbs: powers of two, raised until the memory is over (it only grows with mbs) or the batch
 *     no longer divides; zero 0-3 (more than 0 only with dp > 1); recompute none, selective, full;
 *   - seq_parallel off and on (on only with tp > 1), flash off and on, the data-parallel overlap on
 *     and off (only with dp > 1; otherwise the base's).
 * Plans that predict the same step and memory and differ only in knobs that then do not matter
 * (recomputation, overlap, sequence parallelism, FlashAttention) are one row: the first tried,
 * which does least. Writes at most max_out rows; returns the number of rows that may fit (it may
 * exceed max_out; min(returned, max_out) rows are written; twins beyond max_out can count twice),
 * and the number evaluated (valid plans predicted) in *evaluated.
 * `base` gives precision, gpus, gbs and the fixed values. */
typedef struct tm_ranked { tm_plan plan; tm_result r; } tm_ranked;
#define TM_SEARCH_CP_SEQ 8192
#define TM_SEARCH_CP_CHUNK 2048
/* Bits of `fixed`: TM_FIX of tp, pp, vpp, cp, mbs, zero, first_layers and last_layers (a field of
 * tm_field up to TM_LAST_LAYERS), the knobs below, and TM_FIT_SURE, which keeps only the plans
 * that fit for sure. */
#define TM_FIX(f) (1u << (f))
#define TM_KNOB_BIT0 (TM_LAST_LAYERS + 1)
#define TM_FIX_RECOMPUTE (1u << TM_KNOB_BIT0)
#define TM_FIX_SEQ_PARALLEL (1u << (TM_KNOB_BIT0 + 1))
#define TM_FIX_FLASH (1u << (TM_KNOB_BIT0 + 2))
#define TM_FIX_OVERLAP (1u << (TM_KNOB_BIT0 + 3))
#define TM_FIX_TP_OVERLAP (1u << (TM_KNOB_BIT0 + 4))
#define TM_FIT_SURE (1u << (TM_KNOB_BIT0 + 5))
int tm_search_fixed(const tm_ctx *c, const tm_model *m, const tm_plan *base, unsigned fixed, tm_ranked *out, int max_out,
                    long *evaluated);
/* The parallel plan (tp, pp, vpp, mbs, zero, recompute) searched with the base's cp, sequence
 * parallelism, FlashAttention and overlaps, keeping only the plans that fit for sure: the advice of
 * a front end after a failure, and the window's. */
int tm_search(const tm_ctx *c, const tm_model *m, const tm_plan *base, tm_ranked *out, int max_out,
              long *evaluated);
/* Can the knobs `fixed` takes from base be part of a valid plan, whatever the search chooses for
 * the others (the batch aside)? 0, or -1 and tm_plan_check's message about them ("context
 * parallelism 3 needs ...", "tensor parallelism 16 is larger than ..."). */
int tm_search_check(const tm_ctx *c, const tm_model *m, const tm_plan *base, unsigned fixed, char *err, size_t err_size);

/* Published training runs (assets/data/published-runs.csv), read by column name: where each comes
 * from, the stack and machine it ran on, whether it may be fitted on (calibration) or never
 * (validation), the model and plan, and what it measured (0 when the table leaves it blank). */
typedef enum { TM_SET_CALIBRATION, TM_SET_VALIDATION } tm_run_set;
typedef struct tm_run {
    char name[64];
    char source[32], where[64];  /* a key of the file's "# source KEY: ..." lines; table and row */
    char platform[32], partition[32];
    tm_run_set set;
    tm_model model;
    tm_plan plan;               /* plan.stack: the row's stack */
    unsigned given;             /* TM_FIX bits of the choices the source states; the others are searched
                                 * among what the row's stack offers, the fastest plan that fits taken */
    int memory_refused;         /* set by tm_run_predict: every plan of the run is over memory, beyond the margin */
    double step_s;              /* seconds per step */
    double tflops, model_tflops;/* TFLOP/s per GPU, hardware (with recomputation) and model FLOPs */
    double days;                /* days for 300B tokens */
    double memory_gb;           /* published memory per GPU, as the source prints it (0: not published) */
    int line;                   /* in the file */
} tm_run;
/* One measurement of a run, predicted: the step time when published, else the model or hardware
 * TFLOP/s, else the days for 300B tokens. error_pct: (predicted - published) / published. */
typedef struct tm_run_metric { const char *name; double published, predicted, error_pct; } tm_run_metric;
/* Read the table; 0, or -1 with "file:line: what is wrong" in err. *out is the caller's to free. */
int tm_runs_read(const char *path, tm_run **out, int *count, char *err, size_t err_size);
/* Predict a run as its authors tuned it: what its source states (tp, pp, cp always), the other
 * choices (interleaving, micro-batch, ZeRO, recomputation, sequence parallelism, FlashAttention,
 * tensor-parallel overlap) the fastest that fits among what its stack offers; row->plan is set to
 * that plan. A run ran, so when the model finds no plan of it within memory it still predicts the
 * one needing least and sets row->memory_refused. 0, or -1 when no plan of the row is valid. */
int tm_run_predict(const tm_ctx *c, tm_run *row, tm_result *best);
/* The run's measurements against a prediction: writes up to 4 into out, the first the one fitted
 * on; returns how many. */
int tm_run_metrics(const tm_run *row, const tm_result *r, tm_run_metric *out);

/* Fitting needs each run's platform: a context per row, which the caller prepares. */
typedef struct tm_fit_set { tm_ctx **ctx; const tm_run *rows; int n; } tm_fit_set;
/* The training factor (tm_stack.matmul) in (0.2, 1] that fits the first metric of the runs with
 * use[i] set best (least squares of the log errors): the caller chooses the runs of one factor, the
 * shared one or a stack's own. The contexts' factor is left as it was. */
double tm_fit_matmul(const tm_fit_set *s, const int *use);
/* Cross-validation: each run of use[] predicted with the factor fitted on the others, never on
 * itself (by_source = 0), or on the runs of the other sources only (by_source = 1: leave one source
 * out). Writes one entry per run into out (n at most), returns how many. */
typedef struct tm_held_out { int row; double matmul, error_pct; } tm_held_out;
int tm_fit_cross_validate(const tm_fit_set *s, const int *use, int by_source, tm_held_out *out);

#endif
