/* train_stacks.c: the software stacks a prediction can assume (tm_stack in train.h), with where each
 * structural choice comes from. The training factor `matmul` is the one fitted number: a stack with
 * calibration runs of its own (own_factor) has its factor fitted on them only; the others share one,
 * fitted on the calibration runs of the stacks without a factor of their own; both by `usine
 * validate --fit` on assets/data/published-runs.csv, which prints their cross-validation. */
#include "train.h"

#include "util.h"

#include <string.h>

/* usine validate --fit, on the calibration runs only; its cross-validation is printed there. */
#define FITTED_MATMUL 0.789
#define FITTED_HOW N_("fitted on the calibration runs of the stacks without runs of their own (usine validate --fit), shared")
/* usine validate --fit, on the BigScience pre-launch benchmarks (bigscience2022p), this stack's own calibration runs. */
#define FITTED_MATMUL_DS 0.700
#define FITTED_DS_HOW N_("fitted on this stack's own calibration runs, BigScience's pre-launch benchmarks on Jean Zay (usine validate --fit)")

/* TM_OFFER_* of tp_overlap, flash, seq_parallel: an option (off unless asked) or by default; left out: not offered. */
#define OPTION TM_OFFER_OPTION
#define DEFAULT TM_OFFER_DEFAULT

/* The Megatron-LM repository's history (github.com/NVIDIA/Megatron-LM, megatron/arguments.py, later
 * megatron/training/arguments.py) dates each option: bf16 gradients accumulated and all-reduced in fp32
 * (50a4b5fa, 2021-04), --use-distributed-optimizer (329fe582, 2022-02), --sequence-parallel (cfd2e216,
 * 2022-04), --recompute-granularity selective (bbab79f8, 2022-05), --use-flash-attn (d693034e, 2022-12),
 * --overlap-grad-reduce (2d5220a4, 2023-08); the fused bias+GeLU, bias+dropout+add and scale+mask+softmax
 * kernels (51a2e6b0, 2020-09: after the 2019 code). */
static const tm_stack stacks[] = {
    { .id = "megatron-core", .name = "Megatron-Core (2024)",
      .about = N_("NVIDIA's Megatron-Core: gradient reduction overlapped with the backward pass, pipeline scatter/gather"),
      .dp_overlap = 1, .pp_scatter_gather = 1, .zero3_prefetch = 1, .tp_overlap = OPTION, .flash = DEFAULT,
      .seq_parallel = OPTION, .selective = 1, .zero_max = 3, .param_overlap = 1, .grads_fp32 = 1, .interleaved = 1,
      .matmul = FITTED_MATMUL, .fitted = FITTED_HOW,
      .sources = "Megatron-LM repository (github.com/NVIDIA/Megatron-LM) at f2e5db40 (r0.8, 2024), "
      "megatron/training/arguments.py: --overlap-grad-reduce (the DistributedDataParallel bucket all-reduces during "
      "the backward pass), --overlap-param-gather (the distributed optimizer's parameter all-gather during the next "
      "forward pass; asserts --use-distributed-optimizer), --tp-comm-overlap (Transformer Engine's userbuffers; "
      "asserts --sequence-parallel), bf16 gradients reduced in fp32, and --transformer-impl whose default is "
      "transformer_engine, whose DotProductAttention runs FlashAttention or cuDNN's fused attention; "
      "megatron/core/pipeline_parallel/p2p_communication.py: scatter/gather of pipeline activations across "
      "the tensor-parallel ranks unless sequence parallelism is on; --use-torch-fsdp2 (e1993fa6, 2024-11) for "
      "ZeRO-3-style sharding." },
    { .id = "megatron-lm-2021", .name = "Megatron-LM (2021)",
      .about = N_("Megatron-LM as in Narayanan et al. (SC'21): gradients all-reduced after the backward pass"),
      .pp_scatter_gather = 1, .zero3_prefetch = 1, .grads_fp32 = 1, .interleaved = 1,
      .matmul = FITTED_MATMUL, .fitted = FITTED_HOW,
      .sources = "Narayanan et al., SC'21 (arXiv 2104.04473), section 2.2.2 (the interleaved 1F1B schedule), 4.1 "
      "(scatter/gather of pipeline activations) and 4.2 (fused bias+GeLU, bias+dropout+add and scale+mask+softmax "
      "kernels); its data-parallel all-reduce ran after the last micro-batch's backward pass. No distributed "
      "optimizer, sequence parallelism, selective recomputation or FlashAttention yet (the repository's history above)." },
    { .id = "megatron-lm-2022", .name = "Megatron-LM (2022)",
      .about = N_("Megatron-LM as in Korthikanti et al. (2022): adds sequence parallelism and selective recomputation"),
      .pp_scatter_gather = 1, .zero3_prefetch = 1, .seq_parallel = OPTION, .selective = 1, .zero_max = 1,
      .grads_fp32 = 1, .interleaved = 1, .matmul = FITTED_MATMUL, .fitted = FITTED_HOW,
      .sources = "Korthikanti et al., \"Reducing Activation Recomputation in Large Transformer Models\" (arXiv "
      "2205.05198), sections 4.2.2 and 5: sequence parallelism and selective recomputation added to the 2021 code; the "
      "gradient all-reduce still after the backward pass; the distributed optimizer of 2022-02 (the repository's history)." },
    { .id = "megatron-deepspeed", .name = "Megatron-DeepSpeed",
      .about = N_("Megatron's layers in DeepSpeed's pipeline engine (MT-NLG, BLOOM): gradients reduced after the schedule"),
      .pp_scatter_gather = 1, .zero3_prefetch = 1, .zero_max = 1, .grads_fp32 = 1, .own_factor = 1,
      .matmul = FITTED_MATMUL_DS, .fitted = FITTED_DS_HOW,
      .sources = "DeepSpeed repository (github.com/microsoft/DeepSpeed), deepspeed/runtime/pipe/engine.py: the "
      "PipelineEngine disables the backward all-reduce (enable_backward_allreduce = False) and reduces the "
      "gradients as the last instruction of its TrainSchedule, a plain 1F1B schedule (deepspeed/runtime/pipe/"
      "schedule.py has no interleaved one); activations sent between stages are "
      "partitioned across the model-parallel ranks (is_pipe_partitioned) and gathered on receipt. "
      "Smith et al. 2022 (arXiv 2201.11990), section 3; BigScience, BLOOM (arXiv 2211.05100), section 3.4; "
      "bigscience-workshop/bigscience, train/tr11-176B-ml/README.md: the BF16_Optimizer \"accumulates grads in fp32\"." },
    { .id = "deepspeed-zero3-2021", .name = "DeepSpeed ZeRO-3 (2021)",
      .about = N_("DeepSpeed's ZeRO stage 3 of 2021: one blocking all-gather per parameter tensor, no model parallelism"),
      .dp_overlap = 1, .pp_scatter_gather = 1, .zero3_tensor_s = 380e-6, .zero_max = 3,
      .matmul = FITTED_MATMUL, .fitted = FITTED_HOW,
      .sources = "DeepSpeed issue #1069 (\"Performance Degradation with ZeRO Stage 3\", June 2021, DeepSpeed 0.3.16): "
      "stage3.py launches one all_gather per parameter, each about 0.5 ms, with a torch.cuda.synchronize before "
      "the next (pre-launch 130 us + launch 250 us: the 380 us overhead here); issue #1174: ZeRO-3 slow even "
      "over NVLink; pull request #1170: prefetching only partially overlaps compute (taken as none). The runs are "
      "those Narayanan et al. (SC'21) compare with in Table 2." },
    { .id = "llama3-2024", .name = "Meta Llama 3 (2024)",
      .about = N_("Meta's training stack for Llama 3: 4D parallelism, FSDP-style data parallelism overlapped with compute "
                  "(its attention kernel and sequence parallelism are not stated: both options)"),
      .dp_overlap = 1, .pp_scatter_gather = 1, .zero3_prefetch = 1, .flash = OPTION, .seq_parallel = OPTION,
      .selective = 1, .zero_max = 3, .zero_pp = 2, .param_overlap = 1, .grads_fp32 = 1, .interleaved = 1, .uneven_chunks = 1,
      .matmul = FITTED_MATMUL, .fitted = FITTED_HOW,
      .sources = "Dubey et al., \"The Llama 3 Herd of Models\" (arXiv 2407.21783), section 3.3.2: tensor, context, "
      "pipeline (an interleaved schedule, modified) and FSDP data parallelism, \"asynchronously prefetching sharded "
      "model weights and reducing gradients\"; \"reduce-scatter gradients in FP32\"; its FSDP \"shards optimizer states "
      "and gradients\" with pipeline parallelism (ZeRO-2 with pp > 1); its pipeline schedule runs chunks of unequal "
      "sizes (the first and last stages one layer lighter, \"N tunable\")." },
    { .id = "megatron-lm-2019", .name = "Megatron-LM (2019)",
      .about = N_("The first Megatron-LM (Shoeybi et al. 2019): tensor parallelism, gradients all-reduced after the backward pass"),
      .pp_scatter_gather = 1, .zero3_prefetch = 1, .unfused = 1, .matmul = FITTED_MATMUL, .fitted = FITTED_HOW,
      .sources = "Shoeybi et al., \"Megatron-LM: Training Multi-Billion Parameter Language Models Using Model Parallelism\" "
      "(arXiv 1909.08053), sections 3 and 5: tensor parallelism inside the node, data parallelism with the "
      "gradient all-reduce after the backward pass, no pipeline (so no interleaving); its element-wise operations "
      "were separate kernels (the fused ones came in 2020, the repository's history above)." },
    { .id = "megatron-lm-2023", .name = "Megatron-LM (2023)",
      .about = N_("Megatron-LM of early 2023, the baseline MegaScale compares with: no overlap of the gradient reduction"),
      .pp_scatter_gather = 1, .zero3_prefetch = 1, .flash = OPTION, .seq_parallel = OPTION, .selective = 1,
      .zero_max = 1, .grads_fp32 = 1, .interleaved = 1, .matmul = FITTED_MATMUL, .fitted = FITTED_HOW,
      .sources = "Jiang et al., \"MegaScale: Scaling Large Language Model Training to More Than 10,000 GPUs\" (NSDI'24, "
      "arXiv 2402.15627), section 6.1: the baseline is Megatron-LM at commit 285068c8 (2023-01-11, the merge of "
      "--use-flash-attn); section 3.2 lists the overlaps MegaScale adds to it (data-parallel, pipeline and "
      "tensor-parallel communication). --overlap-grad-reduce came later (the repository's history above)." },
    { .id = "megascale-2024", .name = "MegaScale (2024)",
      .about = N_("ByteDance's MegaScale: data-parallel and tensor-parallel communication overlapped with compute"),
      .dp_overlap = 1, .pp_scatter_gather = 1, .zero3_prefetch = 1, .tp_overlap = DEFAULT, .flash = DEFAULT,
      .seq_parallel = DEFAULT, .selective = 1, .zero_max = 1, .param_overlap = 1, .grads_fp32 = 1, .interleaved = 1,
      .matmul = FITTED_MATMUL, .fitted = FITTED_HOW,
      .sources = "Jiang et al., MegaScale (NSDI'24, arXiv 2402.15627), section 3.2: FlashAttention-2; the data-parallel "
      "all-gather and reduce-scatter overlapped with the forward and backward passes, tensor-parallel all-gather and "
      "reduce-scatter (sequence parallelism) fused with the adjacent matrix multiplies." },
    { .id = "llm-foundry-fsdp", .name = "LLM Foundry / Composer FSDP (2023)",
      .about = N_("MosaicML's LLM Foundry on Composer with PyTorch FSDP (ZeRO-3-style sharding, prefetched), FlashAttention"),
      .dp_overlap = 1, .pp_scatter_gather = 1, .zero3_prefetch = 1, .flash = DEFAULT, .zero_max = 3,
      .matmul = FITTED_MATMUL, .fitted = FITTED_HOW,
      .sources = "MosaicML LLM Foundry repository (github.com/mosaicml/llm-foundry), scripts/train/benchmarking/README.md: "
      "PyTorch FSDP FULL_SHARD with forward and backward prefetch, activation checkpointing, FlashAttention; "
      "no tensor or pipeline parallelism (so no interleaving)." },
};
#undef OPTION
#undef DEFAULT

const tm_stack *tm_stacks(int *count)
{
    *count = (int)(sizeof stacks / sizeof *stacks);
    return stacks;
}

int tm_stack_find(const char *id)
{
    for (int i = 0; i < (int)(sizeof stacks / sizeof *stacks); i++)
        if (!strcmp(stacks[i].id, id)) return i;
    return -1;
}

const tm_stack *tm_stack_at(int stack)
{
    int n = (int)(sizeof stacks / sizeof *stacks);
    return &stacks[stack >= 0 && stack < n ? stack : 0];
}

const tm_stack *tm_stack_of(const tm_plan *pl) { return tm_stack_at(pl->stack); }

int tm_stack_zero_pp(const tm_stack *sk)
{
    int z = sk->zero_pp > 1 ? sk->zero_pp : 1;
    return z < sk->zero_max ? z : sk->zero_max;
}

void tm_stack_apply(int stack, tm_plan *pl)
{
    if (stack < 0 || stack >= (int)(sizeof stacks / sizeof *stacks)) stack = 0;
    const tm_stack *sk = &stacks[stack];
    pl->stack = stack;
    pl->dp_overlap = sk->dp_overlap;
    pl->tp_overlap = sk->tp_overlap == TM_OFFER_DEFAULT;
    pl->flash = sk->flash == TM_OFFER_DEFAULT;
    if (sk->seq_parallel == TM_OFFER_DEFAULT) pl->seq_parallel = 1;
}

void tm_stack_restrict(tm_plan *pl)
{
    const tm_stack *sk = tm_stack_of(pl);
    if (sk->seq_parallel == TM_OFFER_NO) pl->seq_parallel = 0;
    if (sk->tp_overlap == TM_OFFER_NO) pl->tp_overlap = 0;
    if (sk->flash == TM_OFFER_NO) pl->flash = 0;
    if (!sk->dp_overlap) pl->dp_overlap = 0;
    if (!sk->selective && pl->recompute == TM_RC_SELECTIVE) pl->recompute = TM_RC_FULL;
    if (pl->zero > sk->zero_max) pl->zero = sk->zero_max;
    if (!sk->interleaved) pl->vpp = 1;
}
