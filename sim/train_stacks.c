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
#define FITTED_MATMUL_DS 0.698
#define FITTED_DS_HOW N_("fitted on this stack's own calibration runs, BigScience's pre-launch benchmarks on Jean Zay (usine validate --fit)")

static const tm_stack stacks[] = {
    { "megatron-core", "Megatron-Core (2024)",
      N_("NVIDIA's Megatron-Core: gradient reduction overlapped with the backward pass, pipeline scatter/gather"),
      1, 1, 1, 0, 0, 1, 1, 0, FITTED_MATMUL, FITTED_HOW,
      "Megatron-LM repository (github.com/NVIDIA/Megatron-LM), megatron/training/arguments.py: "
      "--overlap-grad-reduce (the DistributedDataParallel bucket all-reduces during the backward pass), "
      "--overlap-param-gather, and --transformer-impl whose default is transformer_engine, whose "
      "DotProductAttention runs FlashAttention or cuDNN's fused attention; "
      "megatron/core/pipeline_parallel/p2p_communication.py: scatter/gather of pipeline activations across "
      "the tensor-parallel ranks unless sequence parallelism is on." },
    { "megatron-lm-2021", "Megatron-LM (2021)",
      N_("Megatron-LM as in Narayanan et al. (SC'21): gradients all-reduced after the backward pass"),
      0, 1, 1, 0, 0, 0, 1, 0, FITTED_MATMUL, FITTED_HOW,
      "Narayanan et al., SC'21 (arXiv 2104.04473), section 2.2.2 (the interleaved 1F1B schedule), 4.1 (scatter/gather of pipeline activations) and "
      "4.2 (fused bias+GeLU, bias+dropout+add and scale+mask+softmax kernels); its data-parallel all-reduce "
      "ran after the last micro-batch's backward pass (Megatron-LM gained --overlap-grad-reduce only in 2023)." },
    { "megatron-lm-2022", "Megatron-LM (2022)",
      N_("Megatron-LM as in Korthikanti et al. (2022): adds sequence parallelism and selective recomputation"),
      0, 1, 1, 0, 0, 0, 1, 0, FITTED_MATMUL, FITTED_HOW,
      "Korthikanti et al., \"Reducing Activation Recomputation in Large Transformer Models\" (arXiv 2205.05198), "
      "sections 4.2.2 and 5: sequence parallelism and selective recomputation added to the 2021 code; the "
      "gradient all-reduce still after the backward pass." },
    { "megatron-deepspeed", "Megatron-DeepSpeed",
      N_("Megatron's layers in DeepSpeed's pipeline engine (MT-NLG, BLOOM): gradients reduced after the schedule"),
      0, 1, 1, 0, 0, 0, 0, 1, FITTED_MATMUL_DS, FITTED_DS_HOW,
      "DeepSpeed repository (github.com/microsoft/DeepSpeed), deepspeed/runtime/pipe/engine.py: the "
      "PipelineEngine disables the backward all-reduce (enable_backward_allreduce = False) and reduces the "
      "gradients as the last instruction of its TrainSchedule, a plain 1F1B schedule (deepspeed/runtime/pipe/"
      "schedule.py has no interleaved one); activations sent between stages are "
      "partitioned across the model-parallel ranks (is_pipe_partitioned) and gathered on receipt. "
      "Smith et al. 2022 (arXiv 2201.11990), section 3; BigScience, BLOOM (arXiv 2211.05100), section 3.4." },
    { "deepspeed-zero3-2021", "DeepSpeed ZeRO-3 (2021)",
      N_("DeepSpeed's ZeRO stage 3 of 2021: one blocking all-gather per parameter tensor, no model parallelism"),
      1, 1, 0, 380e-6, 0, 0, 0, 0, FITTED_MATMUL, FITTED_HOW,
      "DeepSpeed issue #1069 (\"Performance Degradation with ZeRO Stage 3\", June 2021, DeepSpeed 0.3.16): "
      "stage3.py launches one all_gather per parameter, each about 0.5 ms, with a torch.cuda.synchronize before "
      "the next (pre-launch 130 us + launch 250 us: the 380 us overhead here); issue #1174: ZeRO-3 slow even "
      "over NVLink; pull request #1170: prefetching only partially overlaps compute (taken as none). The runs are "
      "those Narayanan et al. (SC'21) compare with in Table 2." },
    { "llama3-2024", "Meta Llama 3 (2024)",
      N_("Meta's training stack for Llama 3: 4D parallelism, FSDP-style data parallelism overlapped with compute "
         "(its attention kernel is not stated: fused softmax assumed)"),
      1, 1, 1, 0, 0, 0, 1, 0, FITTED_MATMUL, FITTED_HOW,
      "Dubey et al., \"The Llama 3 Herd of Models\" (arXiv 2407.21783), section 3.3.2: tensor, context, "
      "pipeline (an interleaved schedule, modified) and FSDP data parallelism; the data-parallel communication "
      "overlapped with compute." },
    { "megatron-lm-2019", "Megatron-LM (2019)",
      N_("The first Megatron-LM (Shoeybi et al. 2019): tensor parallelism, gradients all-reduced after the backward pass"),
      0, 1, 1, 0, 0, 0, 0, 0, FITTED_MATMUL, FITTED_HOW,
      "Shoeybi et al., \"Megatron-LM: Training Multi-Billion Parameter Language Models Using Model Parallelism\" "
      "(arXiv 1909.08053), sections 3 and 5: tensor parallelism inside the node, data parallelism with the "
      "gradient all-reduce after the backward pass, no pipeline (so no interleaving)." },
    { "megatron-lm-2023", "Megatron-LM (2023)",
      N_("Megatron-LM of mid-2023, the baseline MegaScale compares with: no overlap of the gradient reduction"),
      0, 1, 1, 0, 0, 0, 1, 0, FITTED_MATMUL, FITTED_HOW,
      "Jiang et al., \"MegaScale: Scaling Large Language Model Training to More Than 10,000 GPUs\" (NSDI'24, "
      "arXiv 2402.15627), section 6.1: the baseline is Megatron-LM at a 2023 commit; section 3.2 lists the "
      "overlaps MegaScale adds to it (data-parallel, pipeline and tensor-parallel communication)." },
    { "megascale-2024", "MegaScale (2024)",
      N_("ByteDance's MegaScale: data-parallel and tensor-parallel communication overlapped with compute"),
      1, 1, 1, 0, 1, 1, 1, 0, FITTED_MATMUL, FITTED_HOW,
      "Jiang et al., MegaScale (NSDI'24, arXiv 2402.15627), section 3.2: FlashAttention-2; the data-parallel all-gather and "
      "reduce-scatter overlapped with the forward and backward passes, tensor-parallel all-gather and "
      "reduce-scatter fused with the adjacent matrix multiplies." },
    { "llm-foundry-fsdp", "LLM Foundry / Composer FSDP (2023)",
      N_("MosaicML's LLM Foundry on Composer with PyTorch FSDP (ZeRO-3-style sharding, prefetched), FlashAttention"),
      1, 1, 1, 0, 0, 1, 0, 0, FITTED_MATMUL, FITTED_HOW,
      "MosaicML LLM Foundry repository (github.com/mosaicml/llm-foundry), scripts/train/benchmarking/README.md: "
      "PyTorch FSDP FULL_SHARD with forward and backward prefetch, activation checkpointing, FlashAttention; "
      "no tensor or pipeline parallelism (so no interleaving)." },
};

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

void tm_stack_apply(int stack, tm_plan *pl)
{
    if (stack < 0 || stack >= (int)(sizeof stacks / sizeof *stacks)) stack = 0;
    pl->stack = stack;
    pl->dp_overlap = stacks[stack].dp_overlap;
    pl->flash = stacks[stack].flash;
}
