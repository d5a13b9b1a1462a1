/* train.c: the analytic training model (see train.h for what it counts). */
#include "train.h"
#include "train_int.h"

#include "coll.h"
#include "ds.h"
#include "util.h"

#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GIB 1073741824.0

/* ------------------------------------------------------------------------------------------ */
/* Model presets. Shapes as their papers give them (layers, hidden, heads, kv heads, ffn, vocab,
 * sequence). gated: SwiGLU; tied: output shares the embedding; pos: learned positions. */

/* The dense shape by position, designated so that the fields after it start at 0 (dense, GQA). */
#define SHAPE(id_, name_, l, h, a, kv, f, v, s, g, t, p)                                                                 \
    .id = id_, .name = name_, .layers = l, .hidden = h, .heads = a, .kv_heads = kv, .ffn = f, .vocab = v, .seq = s,      \
    .gated = g, .tied = t, .pos_emb = p

static const tm_model presets[] = {
    /* GPT-3 175B: Brown et al. 2020, Table 2.1 (96 x 12288, 96 heads, context 2048, BPE 50257) */
    { SHAPE("gpt3-175b", "GPT-3 175B", 96, 12288, 96, 96, 4 * 12288, 50257, 2048, 0, 1, 1) },
    /* Megatron-LM family: Narayanan et al. SC'21, Table 1 (vocabulary padded to 51200) */
    { SHAPE("megatron-1.7b", "Megatron-LM 1.7B", 24, 2304, 24, 24, 4 * 2304, 51200, 2048, 0, 1, 1) },
    { SHAPE("megatron-3.6b", "Megatron-LM 3.6B", 30, 3072, 32, 32, 4 * 3072, 51200, 2048, 0, 1, 1) },
    { SHAPE("megatron-7.5b", "Megatron-LM 7.5B", 36, 4096, 32, 32, 4 * 4096, 51200, 2048, 0, 1, 1) },
    { SHAPE("megatron-18.4b", "Megatron-LM 18.4B", 40, 6144, 48, 48, 4 * 6144, 51200, 2048, 0, 1, 1) },
    { SHAPE("megatron-39.1b", "Megatron-LM 39.1B", 48, 8192, 64, 64, 4 * 8192, 51200, 2048, 0, 1, 1) },
    { SHAPE("megatron-76.1b", "Megatron-LM 76.1B", 60, 10240, 80, 80, 4 * 10240, 51200, 2048, 0, 1, 1) },
    { SHAPE("megatron-145.6b", "Megatron-LM 145.6B", 80, 12288, 96, 96, 4 * 12288, 51200, 2048, 0, 1, 1) },
    { SHAPE("megatron-310.1b", "Megatron-LM 310.1B", 96, 16384, 128, 128, 4 * 16384, 51200, 2048, 0, 1, 1) },
    { SHAPE("megatron-529.6b", "Megatron-LM 529.6B (MT-NLG)", 105, 20480, 128, 128, 4 * 20480, 51200, 2048, 0, 1, 1) },
    { SHAPE("megatron-1t", "Megatron-LM 1T", 128, 25600, 160, 160, 4 * 25600, 51200, 2048, 0, 1, 1) },
    /* BLOOM 176B: BigScience 2022 (70 x 14336, 112 heads, vocabulary 250880, ALiBi, tied) */
    { SHAPE("bloom-176b", "BLOOM 176B", 70, 14336, 112, 112, 4 * 14336, 250880, 2048, 0, 1, 0) },
    /* Llama 2: Touvron et al. 2023; Llama 3: Meta, "The Llama 3 Herd of Models", 2024, Table 3 */
    { SHAPE("llama2-7b", "Llama 2 7B", 32, 4096, 32, 32, 11008, 32000, 4096, 1, 0, 0) },
    { SHAPE("llama2-70b", "Llama 2 70B", 80, 8192, 64, 8, 28672, 32000, 4096, 1, 0, 0) },
    { SHAPE("llama3-8b", "Llama 3 8B", 32, 4096, 32, 8, 14336, 128256, 8192, 1, 0, 0) },
    { SHAPE("llama3-70b", "Llama 3 70B", 80, 8192, 64, 8, 28672, 128256, 8192, 1, 0, 0) },
    { SHAPE("llama3-405b", "Llama 3 405B", 126, 16384, 128, 8, 53248, 128256, 8192, 1, 0, 0) },
    /* Mixtures of experts, as their published config.json gives them (capacity 1 and imbalance 1:
     * the routers of these models are dropless and balanced by their auxiliary losses; the fields
     * are the user's to change). ffn is the config's intermediate_size, used by dense layers only.
     * Mixtral 8x7B: huggingface.co/mistralai/Mixtral-8x7B-v0.1 config.json (hidden_size 4096,
     * num_hidden_layers 32, num_attention_heads 32, num_key_value_heads 8, intermediate_size 14336,
     * num_local_experts 8, num_experts_per_tok 2, vocab_size 32000, max_position_embeddings 32768,
     * untied); Jiang et al., "Mixtral of Experts", arXiv:2401.04088: 47B total, 13B active. */
    { SHAPE("mixtral-8x7b", "Mixtral 8x7B", 32, 4096, 32, 8, 14336, 32000, 32768, 1, 0, 0),
      .experts = 8, .top_k = 2, .expert_ffn = 14336, .capacity = 1, .imbalance = 1 },
    /* Mixtral 8x22B: huggingface.co/mistralai/Mixtral-8x22B-v0.1 config.json (hidden_size 6144,
     * num_hidden_layers 56, num_attention_heads 48, num_key_value_heads 8, intermediate_size 16384,
     * num_local_experts 8, num_experts_per_tok 2, vocab_size 32000, max_position_embeddings 65536);
     * Mistral AI, "Cheaper, Better, Faster, Stronger", 2024: 141B total, 39B active. */
    { SHAPE("mixtral-8x22b", "Mixtral 8x22B", 56, 6144, 48, 8, 16384, 32000, 65536, 1, 0, 0),
      .experts = 8, .top_k = 2, .expert_ffn = 16384, .capacity = 1, .imbalance = 1 },
    /* DeepSeek-V3: huggingface.co/deepseek-ai/DeepSeek-V3 config.json (hidden_size 7168,
     * num_hidden_layers 61, num_attention_heads 128, q_lora_rank 1536, kv_lora_rank 512,
     * qk_nope_head_dim 128, qk_rope_head_dim 64, v_head_dim 128, intermediate_size 18432,
     * first_k_dense_replace 3, moe_layer_freq 1, n_routed_experts 256, num_experts_per_tok 8,
     * n_shared_experts 1, moe_intermediate_size 2048, vocab_size 129280, untied); sequence 4096 as
     * pre-trained (DeepSeek-AI, "DeepSeek-V3 Technical Report", arXiv:2412.19437, section 4.2:
     * 671B total, 37B activated; the repository's README_WEIGHTS.md: 36.6B activated with the
     * output head). The multi-token prediction module (11.5B more) is not part of the 671B, nor
     * here; the routers' 256 bias terms per layer are left out. */
    { SHAPE("deepseek-v3", "DeepSeek-V3", 61, 7168, 128, 128, 18432, 129280, 4096, 1, 0, 0),
      .q_lora_rank = 1536, .kv_lora_rank = 512, .qk_nope_dim = 128, .qk_rope_dim = 64, .v_head_dim = 128,
      .experts = 256, .top_k = 8, .expert_ffn = 2048, .shared_experts = 1, .dense_first = 3, .capacity = 1,
      .imbalance = 1 },
    /* Qwen3-30B-A3B: huggingface.co/Qwen/Qwen3-30B-A3B config.json (hidden_size 2048,
     * num_hidden_layers 48, num_attention_heads 32, num_key_value_heads 4, head_dim 128,
     * intermediate_size 6144, moe_intermediate_size 768, num_experts 128, num_experts_per_tok 8,
     * decoder_sparse_step 1, mlp_only_layers [], vocab_size 151936, tie_word_embeddings false);
     * Qwen Team, "Qwen3 Technical Report", arXiv:2505.09388, Table 2: 30.5B total, 3.3B activated,
     * pre-trained on sequences of 4096 (stages 1-2). Chosen as a recent open MoE (2025) whose shape
     * differs from the others: 128 fine-grained experts, no shared expert, head_dim != hidden / heads.
     * Its q and k norms (2 x 128 per layer) are left out. */
    { SHAPE("qwen3-30b-a3b", "Qwen3-30B-A3B", 48, 2048, 32, 4, 6144, 151936, 4096, 1, 0, 0), .head_dim = 128,
      .experts = 128, .top_k = 8, .expert_ffn = 768, .capacity = 1, .imbalance = 1 },
};

const tm_model *tm_model_presets(int *count)
{
    *count = (int)(sizeof presets / sizeof *presets);
    return presets;
}

const tm_model *tm_model_preset(const char *id)
{
    for (size_t i = 0; i < sizeof presets / sizeof *presets; i++)
        if (!strcmp(presets[i].id, id)) return &presets[i];
    return NULL;
}

/* The head size of queries, keys and values (grouped-query attention): head_dim, else hidden / heads. */
static double head_size(const tm_model *m) { return m->head_dim ? m->head_dim : (double)m->hidden / m->heads; }

/* Attention's parameters in one layer. Grouped-query: Q, K, V, output and their biases (as the
 * dense presets always counted them). Multi-head latent attention (DeepSeek-V2/V3, no biases): the
 * query down- and up-projections with the norm between (or one hidden x heads x (nope + rope)
 * projection without q_lora_rank), the key/value down-projection to the latent plus the shared
 * rope key, its norm, the up-projection to every head's nope key and value, the output. */
static double attn_params(const tm_model *m)
{
    double h = m->hidden;
    if (m->kv_lora_rank > 0) {
        double H = m->heads, qk = (double)m->qk_nope_dim + m->qk_rope_dim, ql = m->q_lora_rank, kl = m->kv_lora_rank;
        double q = ql > 0 ? h * ql + ql + ql * H * qk : h * H * qk;
        double kv = h * (kl + m->qk_rope_dim) + kl + kl * H * ((double)m->qk_nope_dim + m->v_head_dim);
        return q + kv + H * m->v_head_dim * h;
    }
    double hd = head_size(m), kv = m->kv_heads * hd, q = m->head_dim ? m->heads * hd : h;
    return h * (q + 2 * kv) + (q + 2 * kv) + q * h + h;
}

/* A feed-forward block of width f: SwiGLU's three matrices, or GeLU's two with their biases. */
static double mlp_params(const tm_model *m, double f) { return m->gated ? 3 * m->hidden * f : 2 * m->hidden * f + f + m->hidden; }

static double shared_ffn(const tm_model *m) { return m->shared_ffn ? m->shared_ffn : m->expert_ffn; }

/* A MoE layer's feed-forward part, with `routed` of its routed experts: the router, those experts
 * and the shared ones. */
static double moe_mlp_params(const tm_model *m, double routed)
{
    return (double)m->hidden * m->experts + routed * mlp_params(m, m->expert_ffn) + m->shared_experts * mlp_params(m, shared_ffn(m));
}

/* Parameters of one dense transformer layer: attention, MLP, two norms. */
static double layer_params(const tm_model *m)
{
    return attn_params(m) + mlp_params(m, m->ffn) + 4.0 * m->hidden;
}

/* One MoE layer, with every routed expert (routed = experts) or those a token uses (top_k). */
static double moe_layer_params(const tm_model *m, double routed)
{
    return attn_params(m) + moe_mlp_params(m, routed) + 4.0 * m->hidden;
}

int tm_model_is_moe_layer(const tm_model *m, int layer)
{
    int every = m->moe_every > 1 ? m->moe_every : 1;
    return m->experts > 0 && layer >= m->dense_first && layer < m->layers && (layer - m->dense_first) % every == 0;
}

int tm_model_moe_layers(const tm_model *m)
{
    if (m->experts <= 0 || m->dense_first >= m->layers) return 0;
    int every = m->moe_every > 1 ? m->moe_every : 1;
    return (m->layers - m->dense_first + every - 1) / every;
}

/* Every layer's parameters together, with `routed` experts of each MoE layer. */
static double layers_params(const tm_model *m, double routed)
{
    int moe = tm_model_moe_layers(m);
    if (!moe) return m->layers * layer_params(m);
    return (double)(m->layers - moe) * layer_params(m) + moe * moe_layer_params(m, routed);
}

/* The mean layer's parameters (a stage of n layers holds about n of them) and the largest layer's. */
static double mean_layer_params(const tm_model *m)
{
    return tm_model_moe_layers(m) ? layers_params(m, m->experts) / m->layers : layer_params(m);
}
static double max_layer_params(const tm_model *m)
{
    return tm_model_moe_layers(m) ? fmax(layer_params(m), moe_layer_params(m, m->experts)) : layer_params(m);
}

static double embedding_params(const tm_model *m)
{
    return (double)m->vocab * m->hidden + (m->pos_emb ? (double)m->seq * m->hidden : 0);
}

double tm_model_params(const tm_model *m)
{
    double out = m->tied ? 0 : (double)m->vocab * m->hidden;
    if (!tm_model_moe_layers(m)) return m->layers * layer_params(m) + embedding_params(m) + out + 2.0 * m->hidden;
    return layers_params(m, m->experts) + embedding_params(m) + out + 2.0 * m->hidden;
}

double tm_model_active_params(const tm_model *m)
{
    double out = (double)m->vocab * m->hidden;          /* the output head multiplies, tied or not */
    return layers_params(m, m->top_k) + out + 2.0 * m->hidden;
}

static const tm_limit limits[TM_FIELD_COUNT] = {
    [TM_LAYERS] = { "layers", 1, 10000 }, [TM_HIDDEN] = { "hidden", 1, 1 << 20 }, [TM_HEADS] = { "heads", 1, 1 << 14 },
    [TM_KV_HEADS] = { "kv_heads", 1, 1 << 14 }, [TM_FFN] = { "ffn", 1, 1 << 22 }, [TM_VOCAB] = { "vocab", 1, 1 << 24 },
    [TM_SEQ] = { "seq", 1, 1 << 24 }, [TM_GPUS] = { "gpus", 1, 100000000 }, [TM_TP] = { "tp", 1, 1024 },
    [TM_PP] = { "pp", 1, 10000 }, [TM_VPP] = { "vpp", 1, 1000 }, [TM_CP] = { "cp", 1, 1024 },
    [TM_GBS] = { "gbs", 1, 1L << 40 }, [TM_MBS] = { "mbs", 1, 1 << 20 }, [TM_ZERO] = { "zero", 0, 3 },
    [TM_FIRST_LAYERS] = { "first_layers", 0, 10000 }, [TM_LAST_LAYERS] = { "last_layers", 0, 10000 },
    /* 0: not used (a dense model, grouped-query attention) */
    [TM_HEAD_DIM] = { "head_dim", 0, 1 << 14 }, [TM_Q_LORA_RANK] = { "q_lora_rank", 0, 1 << 20 },
    [TM_KV_LORA_RANK] = { "kv_lora_rank", 0, 1 << 20 }, [TM_QK_NOPE_DIM] = { "qk_nope_dim", 0, 1 << 14 },
    [TM_QK_ROPE_DIM] = { "qk_rope_dim", 0, 1 << 14 }, [TM_V_HEAD_DIM] = { "v_head_dim", 0, 1 << 14 },
    [TM_EXPERTS] = { "experts", 0, 1 << 16 }, [TM_TOP_K] = { "top_k", 0, 1 << 16 }, [TM_EXPERT_FFN] = { "expert_ffn", 0, 1 << 22 },
    [TM_SHARED_EXPERTS] = { "shared_experts", 0, 1 << 10 }, [TM_SHARED_FFN] = { "shared_ffn", 0, 1 << 22 },
    [TM_DENSE_FIRST] = { "dense_first", 0, 10000 }, [TM_MOE_EVERY] = { "moe_every", 0, 10000 },
    [TM_CAPACITY] = { "capacity", 0, 0 }, [TM_IMBALANCE] = { "imbalance", 0, 0 },
};

const tm_limit *tm_limit_of(tm_field f)
{
    return f >= 0 && f < TM_FIELD_COUNT ? &limits[f] : NULL;
}

/* A field as the front end names it: an option ("--gbs"), a Lua field ("gbs"), or a window's
 * control, a message id (N_) translated here. */
static const char *field_name(const tm_names *names, tm_field f)
{
    return names && (*names)[f] ? _((*names)[f]) : limits[f].name;
}

/* The attention variants and the mixture of experts: each inconsistency named with what would do. */
static int check_moe(const tm_model *m, const tm_names *names, char *err, size_t n)
{
#define FN(f) field_name(names, f)
    int mla = m->q_lora_rank || m->qk_nope_dim || m->qk_rope_dim || m->v_head_dim;
    if (mla && m->kv_lora_rank <= 0) {
        snprintf(err, n, _("%s, %s, %s and %s are multi-head latent attention's: give %s too (DeepSeek-V3: 512)"),
                 FN(TM_Q_LORA_RANK), FN(TM_QK_NOPE_DIM), FN(TM_QK_ROPE_DIM), FN(TM_V_HEAD_DIM), FN(TM_KV_LORA_RANK));
        return -1;
    }
    if (m->kv_lora_rank > 0 && (m->qk_nope_dim < 1 || m->v_head_dim < 1)) {
        snprintf(err, n, _("multi-head latent attention (%s %d) needs %s and %s of at least 1 (DeepSeek-V3: 128 and 128, %s 64)"),
                 FN(TM_KV_LORA_RANK), m->kv_lora_rank, FN(TM_QK_NOPE_DIM), FN(TM_V_HEAD_DIM), FN(TM_QK_ROPE_DIM));
        return -1;
    }
    if (m->kv_lora_rank > 0 && m->head_dim) {
        snprintf(err, n, _("%s is for grouped-query attention; multi-head latent attention sizes its heads with %s, %s and %s"),
                 FN(TM_HEAD_DIM), FN(TM_QK_NOPE_DIM), FN(TM_QK_ROPE_DIM), FN(TM_V_HEAD_DIM));
        return -1;
    }
    if (m->kv_lora_rank > 0 && (m->kv_lora_rank >= m->hidden || m->q_lora_rank >= m->hidden)) {
        snprintf(err, n, _("the latent ranks (%s %d, %s %d) must be smaller than the hidden size %d, or they compress nothing"),
                 FN(TM_KV_LORA_RANK), m->kv_lora_rank, FN(TM_Q_LORA_RANK), m->q_lora_rank, m->hidden);
        return -1;
    }
    if (m->experts <= 0) {
        const struct { tm_field f; int on; } moe_only[] = {
            { TM_TOP_K, m->top_k != 0 }, { TM_EXPERT_FFN, m->expert_ffn != 0 }, { TM_SHARED_EXPERTS, m->shared_experts != 0 },
            { TM_SHARED_FFN, m->shared_ffn != 0 }, { TM_DENSE_FIRST, m->dense_first != 0 }, { TM_MOE_EVERY, m->moe_every > 1 },
            { TM_CAPACITY, m->capacity != 0 }, { TM_IMBALANCE, m->imbalance != 0 },
        };
        for (size_t i = 0; i < sizeof moe_only / sizeof *moe_only; i++)
            if (moe_only[i].on) {
                snprintf(err, n, _("%s is for a mixture of experts: give %s too, or leave it out"), FN(moe_only[i].f), FN(TM_EXPERTS));
                return -1;
            }
        return 0;
    }
    if (m->top_k == 0) {
        snprintf(err, n, _("%d experts need %s, the routed experts per token (Mixtral: 2, DeepSeek-V3: 8)"), m->experts, FN(TM_TOP_K));
        return -1;
    }
    if (m->top_k < 1 || m->top_k > m->experts) {
        snprintf(err, n, _("%s must be from 1 to the %d experts (got %d)"), FN(TM_TOP_K), m->experts, m->top_k);
        return -1;
    }
    if (m->expert_ffn < 1) {
        snprintf(err, n, _("%d experts need %s, an expert's feed-forward size (Mixtral 8x7B: 14336)"), m->experts, FN(TM_EXPERT_FFN));
        return -1;
    }
    if (m->shared_ffn && !m->shared_experts) {
        snprintf(err, n, _("%s needs %s of at least 1"), FN(TM_SHARED_FFN), FN(TM_SHARED_EXPERTS));
        return -1;
    }
    if (m->dense_first >= m->layers) {
        snprintf(err, n, _("%s %d leaves no MoE layer among the %d layers: use %s %d or less"), FN(TM_DENSE_FIRST), m->dense_first,
                 m->layers, FN(TM_DENSE_FIRST), m->layers - 1);
        return -1;
    }
    if (!(m->capacity > 0) || !(m->capacity <= 64)) {
        snprintf(err, n, _("%s must be more than 0 and at most 64 (1: each expert computes exactly the tokens routed to it; got %g)"),
                 FN(TM_CAPACITY), m->capacity);
        return -1;
    }
    /* the most loaded expert gets at most every token once: imbalance x tokens x top_k / experts <= tokens */
    double most = (double)m->experts / m->top_k;
    if (!(m->imbalance >= 1) || !(m->imbalance <= most)) {
        snprintf(err, n, _("%s must be from 1 (balanced) to experts / top_k = %g (every token on the busiest expert; got %g)"),
                 FN(TM_IMBALANCE), most, m->imbalance);
        return -1;
    }
    return 0;
#undef FN
}

int tm_model_check(const tm_model *m, const tm_names *names, char *err, size_t n)
{
    const struct { tm_field f; long v; } f[] = {
        { TM_LAYERS, m->layers }, { TM_HIDDEN, m->hidden }, { TM_HEADS, m->heads }, { TM_KV_HEADS, m->kv_heads },
        { TM_FFN, m->ffn }, { TM_VOCAB, m->vocab }, { TM_SEQ, m->seq },
        { TM_HEAD_DIM, m->head_dim }, { TM_Q_LORA_RANK, m->q_lora_rank }, { TM_KV_LORA_RANK, m->kv_lora_rank },
        { TM_QK_NOPE_DIM, m->qk_nope_dim }, { TM_QK_ROPE_DIM, m->qk_rope_dim }, { TM_V_HEAD_DIM, m->v_head_dim },
        { TM_EXPERTS, m->experts }, { TM_TOP_K, m->top_k }, { TM_EXPERT_FFN, m->expert_ffn },
        { TM_SHARED_EXPERTS, m->shared_experts }, { TM_SHARED_FFN, m->shared_ffn }, { TM_DENSE_FIRST, m->dense_first },
        { TM_MOE_EVERY, m->moe_every },
    };
    for (size_t i = 0; i < sizeof f / sizeof *f; i++) {
        const tm_limit *l = &limits[f[i].f];
        if (f[i].v < l->min || f[i].v > l->max) {
            snprintf(err, n, _("%s must be between %ld and %ld (got %ld)"), field_name(names, f[i].f), l->min, l->max, f[i].v);
            return -1;
        }
    }
    if (m->hidden % m->heads && !m->head_dim && m->kv_lora_rank <= 0) {
        snprintf(err, n, _("the hidden size %d is not a multiple of the %d heads"), m->hidden, m->heads);
        return -1;
    }
    if (m->kv_heads > m->heads || m->heads % m->kv_heads) {
        snprintf(err, n, _("the %d heads are not a multiple of the %d key/value heads"), m->heads, m->kv_heads);
        return -1;
    }
    return check_moe(m, names, err, n);
}

/* ------------------------------------------------------------------------------------------ */
/* Plans */

tm_plan tm_plan_default(void)
{
    tm_plan p = { 0 };
    p.gpus = 1, p.tp = 1, p.pp = 1, p.vpp = 1, p.cp = 1, p.dp = 1, p.gbs = 0, p.mbs = 1;
    p.recompute = TM_RC_NONE;
    p.prec = PLAT_BF16;
    tm_stack_apply(0, &p);                              /* the default stack's overlap and attention kernel */
    return p;
}

static const char *const rc_names[] = { "none", "selective", "full" };

const char *tm_recompute_name(tm_recompute r)
{
    return r >= TM_RC_NONE && r <= TM_RC_FULL ? rc_names[r] : "?";
}

int tm_recompute_from_name(const char *s)
{
    for (int i = 0; i < 3; i++)
        if (!strcmp(s, rc_names[i])) return i;
    return -1;
}

/* ------------------------------------------------------------------------------------------ */
/* The platform, prepared once. */

struct tm_ctx {
    const plat_platform *p;
    int partition;
    const plat_accel *acc;
    const plat_node *node;
    const plat_network *netw;
    net *net;
    int gpus, gpn;
    double nic_Bps;             /* one node's NICs together, one direction, with the network's efficiency */
    /* where traffic crosses a shared bundle: a fat tree's leaves (their uplinks) or, routed minimally,
     * a dragonfly's groups (the direct links between two); NULL: nowhere the model prices */
    int *domain_gpus, domains;  /* the simulated GPUs of each */
    int crossing_binds;         /* some domain's way out is narrower than its GPUs' NICs (oversubscribed) */
    int *domain_first;          /* the first simulated GPU of each (domains are runs of consecutive GPUs) */
    int dragonfly;
    double eff_matmul, eff_memory;  /* the accelerator's: MAMF and streaming fractions */
    double matmul_factor;       /* calibration's override of the stacks' training factor; 0: theirs */
    double node_power_w;        /* one node's share of the partition's IT power at full load */
    const tm_names *names;      /* how the front end names fields in messages */
};

/* The crossing domain of a GPU: its dragonfly group, or its fat-tree leaf. */
static int domain_of(const tm_ctx *c, int gpu) { return c->dragonfly ? net_group_of(c->net, gpu) : net_leaf_of(c->net, gpu); }

tm_ctx *tm_ctx_create(const plat_platform *p, int partition, int gpus, char *err, size_t n)
{
    if (partition < 0 || partition >= p->npartitions) {
        snprintf(err, n, "%s", _("no such partition"));
        return NULL;
    }
    const plat_partition *pt = &p->partitions[partition];
    const plat_node *node = &p->node_types[pt->node];
    if (node->accel < 0) {
        snprintf(err, n, _("partition '%s' has no accelerators"), pt->id);
        return NULL;
    }
    net *nw = net_create(p, partition, gpus, err, n);
    if (!nw) return NULL;
    tm_ctx *c = ut_calloc(1, sizeof *c);
    c->p = p;
    c->partition = partition;
    c->node = node;
    c->acc = &p->accels[node->accel];
    c->netw = &p->networks[pt->network];
    c->net = nw;
    c->gpus = gpus;
    c->gpn = node->accels_per_node;
    c->nic_Bps = node->nics * node->nic_gbit_s / 8 * 1e9 * c->netw->eff_bandwidth;
    c->dragonfly = net_group_of(nw, 0) >= 0;
    if (net_leaf_of(nw, 0) >= 0 || (c->dragonfly && nw->routing == PLAT_ROUTING_MINIMAL && nw->groups > 1)) {
        c->domains = c->dragonfly ? nw->groups : nw->leaves;
        c->domain_gpus = ut_calloc((size_t)c->domains, sizeof *c->domain_gpus);
        for (int g = 0; g < gpus; g++) c->domain_gpus[domain_of(c, g)]++;
        c->domain_first = ut_malloc(((size_t)c->domains + 1) * sizeof *c->domain_first);
        c->domain_first[0] = 0;
        for (int a = 0; a < c->domains; a++) c->domain_first[a + 1] = c->domain_first[a] + c->domain_gpus[a];
        for (int a = 0; a < c->domains && !c->crossing_binds; a++) {
            if (!c->domain_gpus[a]) continue;
            double out = INFINITY;
            if (!c->dragonfly) out = net_leaf_up_Bps(nw, a);
            else
                for (int b = 0; b < c->domains; b++)
                    if (b != a && c->domain_gpus[b]) out = fmin(out, net_group_pair_Bps(nw, a, b));
            c->crossing_binds = out / c->domain_gpus[a] < c->nic_Bps / c->gpn;
        }
    }
    /* An accelerator without measured efficiencies runs at its peak: the output says so (tm_result
     * carries the values used) rather than inventing a figure here. */
    c->eff_matmul = c->acc->eff_matmul > 0 ? c->acc->eff_matmul : 1;
    c->eff_memory = c->acc->eff_memory > 0 ? c->acc->eff_memory : 1;
    plat_totals t;
    plat_partition_totals(p, partition, &t);
    c->node_power_w = t.power_it_mw * 1e6 / pt->nodes;
    return c;
}

void tm_ctx_destroy(tm_ctx *c)
{
    if (!c) return;
    net_destroy(c->net);
    free(c->domain_gpus);
    free(c->domain_first);
    free(c);
}


void tm_ctx_efficiency(const tm_ctx *c, double *matmul, double *memory)
{
    *matmul = c->eff_matmul;
    *memory = c->eff_memory;
}

void tm_ctx_set_matmul_factor(tm_ctx *c, double factor)
{
    c->matmul_factor = factor > 0 && factor <= 1 ? factor : 0;
}
const net *tm_ctx_net(const tm_ctx *c) { return c->net; }
void tm_ctx_set_names(tm_ctx *c, const tm_names *names) { c->names = names; }
const char *tm_ctx_field_name(const tm_ctx *c, tm_field f) { return field_name(c->names, f); }
net *tm_ctx_net_for_step(tm_ctx *c) { return c->net; }

/* ------------------------------------------------------------------------------------------ */
/* Plan checks, with what would work instead. */

static void divisors_near(char *buf, size_t n, long target, long unit)
{
    long lo = target / unit * unit, hi = lo + unit;
    if (lo >= unit) snprintf(buf, n, "%ld, %ld", lo, hi);
    else snprintf(buf, n, "%ld", hi);
}

/* How a plan splits the layers into stages, without a list: the rule's even size and how many
 * stages are one layer lighter, or the ends the plan gives and the share of the others. */
typedef struct stage_split {
    int pp, base, lighter;      /* the rule: base layers, the `lighter` stages taken last, first, inwards one less */
    int first, last, each;      /* the ends given (0: not), each other stage's share */
} stage_split;

/* The layers of stage st under the split. The rule makes stages lighter in the order last, first,
 * second to last, second, ...: stage st comes at position min(2 (pp-1-st), 2 st + 1). */
static int stage_of(const stage_split *sp, int st)
{
    if (sp->first || sp->last) {
        if (st == 0 && sp->first) return sp->first;
        if (st == sp->pp - 1 && sp->last) return sp->last;
        return sp->each;
    }
    int from_end = 2 * (sp->pp - 1 - st), from_start = 2 * st + 1;
    return sp->base - ((from_end < from_start ? from_end : from_start) < sp->lighter);
}

static int split_of(const tm_model *m, const tm_plan *pl, const tm_names *names, stage_split *sp, char *err, size_t n)
{
    int pp = pl->pp, layers = m->layers;
    *sp = (stage_split){ .pp = pp };
    if (!pl->first_layers && !pl->last_layers) {
        sp->base = (layers + pp - 1) / pp, sp->lighter = sp->base * pp - layers;   /* lighter < pp */
        return 0;
    }
    if (pp < 2) {
        snprintf(err, n, _("%s and %s need pipeline parallelism (pp > 1)"), field_name(names, TM_FIRST_LAYERS),
                 field_name(names, TM_LAST_LAYERS));
        return -1;
    }
    int given = (pl->first_layers > 0) + (pl->last_layers > 0), others = pp - given;
    long rest = (long)layers - pl->first_layers - pl->last_layers;
    if (pl->first_layers < 0 || pl->last_layers < 0 || rest < others || (others == 0 && rest != 0) ||
        (others > 0 && rest % others)) {
        /* what would work: the end that was given (the last when both were) moved to the nearest
         * count that leaves the other stages an even share */
        tm_field f = pl->last_layers > 0 ? TM_LAST_LAYERS : TM_FIRST_LAYERS;
        long now = f == TM_LAST_LAYERS ? pl->last_layers : pl->first_layers, fixed = rest + now, best = -1;
        for (long d = 0; best < 0 && d <= layers; d++)
            for (int sgn = -1; sgn <= 1 && best < 0; sgn += 2) {
                long v = now + sgn * d, left = fixed - v;
                if (v >= 1 && left >= others && (others ? left % others == 0 : left == 0)) best = v;
            }
        if (best > 0 && others == 0)
            snprintf(err, n, _("with pp %d the first and last stages hold every layer, and %d + %d is not %d; try %s %ld"), pp,
                     pl->first_layers, pl->last_layers, layers, field_name(names, f), best);
        else if (best > 0)
            snprintf(err, n, _("the %ld layers left for the other %d stages do not split evenly; try %s %ld"), rest, others,
                     field_name(names, f), best);
        else
            snprintf(err, n, _("the %d layers do not fill %d stages with these first and last stages"), layers, pp);
        return -1;
    }
    sp->first = pl->first_layers, sp->last = pl->last_layers, sp->each = others ? (int)(rest / others) : 0;
    return 0;
}

int tm_stage_layers(const tm_model *m, const tm_plan *pl, int *out, const tm_names *names, char *err, size_t n)
{
    stage_split sp;
    if (split_of(m, pl, names, &sp, err, n) != 0) return -1;
    for (int st = 0; st < pl->pp; st++) out[st] = stage_of(&sp, st);
    return 0;
}


const char *tm_stage_split_text(const tm_model *m, const tm_plan *pl, char *buf, size_t size)
{
    char err[256];
    stage_split sp;
    buf[0] = '\0';
    if (pl->pp < 1 || pl->pp > m->layers || split_of(m, pl, NULL, &sp, err, sizeof err) != 0) return buf;
    int uneven = 0;
    for (int i = 1; i < pl->pp; i++) uneven |= stage_of(&sp, i) != stage_of(&sp, 0);
    size_t used = 0;
    for (int i = 0; uneven && i < pl->pp && used < size;) {
        int j = i;
        while (j < pl->pp && stage_of(&sp, j) == stage_of(&sp, i)) j++;
        int w = j - i > 1 ? snprintf(buf + used, size - used, "%s%d x %d", i ? ", " : "", stage_of(&sp, i), j - i)
                          : snprintf(buf + used, size - used, "%s%d", i ? ", " : "", stage_of(&sp, i));
        used += w > 0 ? (size_t)w : 0;
        i = j;
    }
    return buf;
}

int tm_plan_check(const tm_ctx *c, const tm_model *m, tm_plan *pl, char *err, size_t n)
{
    char alt[64];
    if (pl->tp < 1 || pl->pp < 1 || pl->cp < 1 || pl->vpp < 1 || pl->mbs < 1 || pl->gpus < 1 || pl->gbs < 1) {
        snprintf(err, n, _("%s, %s, %s, %s, %s, %s and %s must be at least 1"), field_name(c->names, TM_GPUS),
                 field_name(c->names, TM_TP), field_name(c->names, TM_PP), field_name(c->names, TM_VPP),
                 field_name(c->names, TM_CP), field_name(c->names, TM_GBS), field_name(c->names, TM_MBS));
        return -1;
    }
    if (pl->gpus > c->gpus) {
        char a[32], b[32];
        snprintf(err, n, _("%s GPUs asked, the partition has %s"), ut_count(a, sizeof a, pl->gpus), ut_count(b, sizeof b, c->gpus));
        return -1;
    }
    long mp = (long)pl->tp * pl->pp * pl->cp;
    if (pl->gpus % mp) {
        divisors_near(alt, sizeof alt, pl->gpus, mp);
        char g[32];
        snprintf(err, n, _("%s GPUs are not a multiple of tp x pp x cp = %ld; try %s %s"), ut_count(g, sizeof g, pl->gpus), mp,
                 field_name(c->names, TM_GPUS), alt);
        return -1;
    }
    pl->dp = (int)(pl->gpus / mp);
    if (pl->tp > c->gpn) {
        snprintf(err, n, _("tensor parallelism %d is larger than a node's %d GPUs (its scale-up domain); use %s %d or less"),
                 pl->tp, c->gpn, field_name(c->names, TM_TP), c->gpn);
        return -1;
    }
    if (c->gpn % pl->tp) {
        snprintf(err, n, _("tensor parallelism %d does not divide a node's %d GPUs"), pl->tp, c->gpn);
        return -1;
    }
    if (m->heads % pl->tp || (m->kv_heads % pl->tp && pl->tp % m->kv_heads)) {
        snprintf(err, n, _("tensor parallelism %d does not divide the %d attention heads"), pl->tp, m->heads);
        return -1;
    }
    if (pl->pp > m->layers) {
        snprintf(err, n, _("pipeline parallelism %d is more than the %d layers"), pl->pp, m->layers);
        return -1;
    }
    stage_split sp;
    if (split_of(m, pl, c->names, &sp, err, n) != 0) return -1;
    int uneven = tm_stack_at(pl->stack)->uneven_chunks;  /* else each stage's chunks are equal */
    for (int st = 0; pl->vpp > 1 && st < pl->pp; st++) {
        if (!uneven && stage_of(&sp, st) % pl->vpp) {
            snprintf(err, n, _("the %d layers do not split into pp x vpp = %d equal stages (stage %d has %d layers)"), m->layers,
                     pl->pp * pl->vpp, st + 1, stage_of(&sp, st));
            return -1;
        }
        if (uneven && stage_of(&sp, st) < pl->vpp) {
            snprintf(err, n, _("stage %d has %d layers, fewer than the %d chunks of %s %d"), st + 1, stage_of(&sp, st), pl->vpp,
                     field_name(c->names, TM_VPP), pl->vpp);
            return -1;
        }
    }
    if (m->seq % (2 * pl->cp) && pl->cp > 1) {
        snprintf(err, n, _("context parallelism %d needs a sequence length that is a multiple of %d"), pl->cp, 2 * pl->cp);
        return -1;
    }
    long per_replica = (long)pl->dp * pl->mbs;
    if (pl->gbs % per_replica) {
        divisors_near(alt, sizeof alt, pl->gbs, per_replica);
        snprintf(err, n, _("the global batch %ld is not a multiple of dp x mbs = %d x %d = %ld; try %s %s"), pl->gbs,
                 pl->dp, pl->mbs, per_replica, field_name(c->names, TM_GBS), alt);
        return -1;
    }
    long mb = pl->gbs / per_replica;
    if (pl->vpp > 1 && (pl->pp < 2 || mb % pl->pp)) {
        snprintf(err, n, _("the interleaved schedule (%s %d) needs pp > 1 and micro-batches (%ld) that are a multiple of pp (%d)"),
                 field_name(c->names, TM_VPP), pl->vpp, mb, pl->pp);
        return -1;
    }
    if (pl->zero < 0 || pl->zero > 3) {
        snprintf(err, n, _("%s must be 0, 1, 2 or 3"), field_name(c->names, TM_ZERO));
        return -1;
    }
    int nstacks;
    const tm_stack *stacks = tm_stacks(&nstacks);
    if (pl->stack < 0 || pl->stack >= nstacks) {
        snprintf(err, n, "%s", _("unknown software stack (see 'usine stacks')"));
        return -1;
    }
    const tm_stack *sk = &stacks[pl->stack];
    if (pl->vpp > 1 && !sk->interleaved) {
        snprintf(err, n, _("the %s stack has no interleaved schedule: use %s 1"), sk->id, field_name(c->names, TM_VPP));
        return -1;
    }
    if (pl->zero >= 2 && pl->pp > 1 && pl->zero > tm_stack_zero_pp(sk)) {
        snprintf(err, n, _("ZeRO stage %d shards gradients across micro-batches, which the %s stack does not do with pipeline "
                           "parallelism: use %s %d or less"), pl->zero, sk->id, field_name(c->names, TM_ZERO), tm_stack_zero_pp(sk));
        return -1;
    }
    if (pl->zero > sk->zero_max) {
        snprintf(err, n, _("the %s stack offers ZeRO up to stage %d: use %s %d or less"), sk->id, sk->zero_max,
                 field_name(c->names, TM_ZERO), sk->zero_max);
        return -1;
    }
    /* the features a stack does not have, named as the user gave them */
    const struct { int on, offered; const char *what; } feats[] = {
        { pl->seq_parallel, sk->seq_parallel != TM_OFFER_NO, N_("sequence parallelism") },
        { pl->flash, sk->flash != TM_OFFER_NO, N_("FlashAttention") },
        { pl->tp_overlap, sk->tp_overlap != TM_OFFER_NO, N_("tensor-parallel communication overlap") },
        { pl->recompute == TM_RC_SELECTIVE, sk->selective, N_("selective recomputation") },
        { pl->dp_overlap, sk->dp_overlap, N_("data-parallel communication overlap") },
    };
    for (size_t i = 0; i < sizeof feats / sizeof *feats; i++)
        if (feats[i].on && !feats[i].offered) {
            snprintf(err, n, _("the %s stack has no %s ('usine stacks' says which stacks do)"), sk->id, _(feats[i].what));
            return -1;
        }
    if (pl->tp_overlap && !pl->seq_parallel) {
        snprintf(err, n, "%s", _("tensor-parallel communication overlap needs sequence parallelism (Megatron-Core asserts it)"));
        return -1;
    }
    if (pl->prec < 0 || pl->prec >= PLAT_PREC_COUNT || pl->prec == PLAT_FP64) {
        snprintf(err, n, "%s", _("unknown training precision (fp32, tf32, fp16, bf16 or fp8)"));
        return -1;
    }
    if (!(c->acc->peak_tflops[pl->prec] > 0)) {   /* (the command line says more: which defaults it took) */
        char has[128], others[256];
        plat_prec_offer(c->p, c->partition, (plat_prec)pl->prec, has, sizeof has, others, sizeof others);
        snprintf(err, n, _("the %s has no %s peak in the platform file (it trains in %s; partitions with %s: %s)"),
                 c->acc->name ? c->acc->name : c->acc->id, plat_prec_name((plat_prec)pl->prec), has[0] ? has : "-",
                 plat_prec_name((plat_prec)pl->prec), others[0] ? others : "-");
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Timing helpers */

/* Where an explanation goes (tm_predict_explain); NULL fn: no explanation. */
typedef struct explain {
    tm_explain_fn fn;
    void *user;
    ut_numstyle st;             /* the caller's number style */
    const char *group;          /* of the GEMMs being priced */
    char buf[24][48];           /* numbers of the line being written */
    int next;
} explain;

/* v with `sig` significant figures in the caller's style, for the line being written. */
static const char *num(explain *ex, double v, int sig)
{
    char *b = ex->buf[ex->next++ % 24];
    ut_numstyle st = ex->st;
    st.sig = sig, st.decimals = 6, st.trim = 1, st.plus = 0;
    if (v != 0 && (fabs(v) >= 1e7 || fabs(v) < 1e-3)) return ut_fmt_sci(b, 48, v, &st);
    return ut_fmt_num(b, 48, v, &st);
}

typedef struct hw {
    double flops;               /* sustained matrix-multiply FLOP/s for a perfectly shaped product */
    double mem_Bps;             /* sustained memory bytes/s */
    double e;                   /* bytes per activation element */
    int units;                  /* compute units for wave quantisation; 0: none */
    explain *ex;
} hw;

static void say(explain *ex, const char *group, const char *name, double s, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void say(explain *ex, const char *group, const char *name, double s, const char *fmt, ...)
{
    if (!ex || !ex->fn) return;
    char how[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(how, sizeof how, fmt, ap);
    va_end(ap);
    ex->next = 0;
    ex->fn(ex->user, group, name, s, how);
}
/* The arguments, numbers formatted included, are evaluated only when there is an explanation. */
#define SAY(ex, ...) do { if ((ex) && (ex)->fn) say((ex), __VA_ARGS__); } while (0)

/* Tensor cores work on output tiles, one tile per compute unit at a time (NVIDIA, "Matrix
 * Multiplication Background User's Guide", DU-09799-001, 2023: sections 2.3, 3.1, 3.2). A dimension
 * that is not a multiple of the tile wastes the rest of its last tile; tiles run in waves of one per
 * compute unit and a last wave that is not full leaves units idle. cuBLAS picks among tile shapes; the
 * guide's most efficient are 256 x 128 and 128 x 256, then 128 x 128, taken as equally fast per tile. */
static double shape_efficiency(int units, double m, double n, double batch, int *tm_out, int *tn_out, double *waves_out)
{
    static const int tiles[][2] = { { 256, 128 }, { 128, 256 }, { 128, 128 } };
    double best = 0;
    for (size_t t = 0; t < sizeof tiles / sizeof *tiles; t++) {
        double tm = tiles[t][0], tn = tiles[t][1];
        double cm = ceil(m / tm), cn = ceil(n / tn), count = cm * cn * batch;
        double q = m / (cm * tm) * (n / (cn * tn));
        double waves = units > 0 ? ceil(count / units) : count;
        double w = units > 0 ? count / (waves * units) : 1;
        if (q * w > best + 1e-12) {
            best = q * w;
            if (tm_out) *tm_out = (int)tm, *tn_out = (int)tn, *waves_out = units > 0 ? count / units : 0;
        }
    }
    return best;
}

double tm_gemm_shape_efficiency(const tm_ctx *c, double m, double n, double k, double batch, int *tile_m, int *tile_n,
                                double *waves)
{
    (void)k;
    int a, b;
    double w;
    return shape_efficiency(c->acc->compute_units, m, n, batch > 0 ? batch : 1, tile_m ? tile_m : &a, tile_n ? tile_n : &b,
                            waves ? waves : &w);
}

typedef struct cost { double flops, s; } cost;

static void gemm(cost *c, const hw *h, const char *what, double m, double n, double k, double batch)
{
    double flops = 2 * m * n * k * batch;
    double bytes = batch * (m * k + k * n + m * n) * h->e;
    int tm = 0, tn = 0;
    double waves = 0;
    double q = shape_efficiency(h->units, m, n, batch, &tm, &tn, &waves);
    double t_math = flops / (h->flops * q), t_mem = bytes / h->mem_Bps, t = fmax(t_math, t_mem);
    c->flops += flops;
    c->s += t;
    if (h->ex && h->ex->fn) {
        explain *ex = h->ex;
        char bt[64] = "";
        if (batch > 1) snprintf(bt, sizeof bt, " x %s", num(ex, batch, 6));
        if (t_math >= t_mem)
            SAY(ex, ex->group, what, t, _("(m x n x k) %s x %s x %s%s: %s FLOP at %s TFLOP/s x shape %s (tiles %d x %d, %s waves)"),
                num(ex, m, 6), num(ex, n, 6), num(ex, k, 6), bt, num(ex, flops, 3), num(ex, h->flops / 1e12, 4), num(ex, q, 3), tm, tn,
                num(ex, waves, 3));
        else
            SAY(ex, ex->group, what, t, _("(m x n x k) %s x %s x %s%s: memory-bound, %s bytes at %s TB/s"), num(ex, m, 6), num(ex, n, 6),
                num(ex, k, 6), bt, num(ex, bytes, 3), num(ex, h->mem_Bps / 1e12, 4));
    }
}

/* Forward GEMM and the two of its backward pass (input gradient, weight gradient). `what` is an
 * N_() name, translated and composed only for an explanation (predictions run by the thousand in
 * the plan search). */
static void gemm_fb(cost *f, cost *b, const hw *h, const char *what, double m, double n, double k, double batch)
{
    char in[96] = "", wt[96] = "";
    if (h->ex && h->ex->fn) {
        what = _(what);
        snprintf(in, sizeof in, _("%s, input gradient"), what);
        snprintf(wt, sizeof wt, _("%s, weight gradient"), what);
    }
    gemm(f, h, what, m, n, k, batch);
    gemm(b, h, in, m, k, n, batch);
    gemm(b, h, wt, k, n, m, batch);
}

coll_algo tm_group_algo(const net *n, const int *gpus, int p, coll_op op)
{
    if (op == COLL_P2P || op == COLL_ALLTOALL) return COLL_DIRECT;
    if (op != COLL_ALLREDUCE || p < 2) return COLL_RING;
    int gpn = n->gpus_per_node, per = 0;
    for (int i = 0; i < p && gpus[i] / gpn == gpus[0] / gpn; i++) per++;
    int nodes = gpus[p - 1] / gpn - gpus[0] / gpn + 1;
    return per > 1 && nodes > 1 && p % per == 0 ? COLL_HIER : COLL_RING;
}

/* What one flow of a group gets where it crosses a shared bundle (a fat tree's leaf uplinks; a
 * minimally routed dragonfly's direct links between two groups), when every GPU of the machine runs
 * a group of the same shape at once (data, tensor and context parallelism do). A ring leaves a
 * domain once per group inside it, and the hierarchical all-reduce once per ring between nodes (one
 * per local rank), so a crossing carries (the domain's GPUs / the group's members there) x those
 * rings; the other algorithms (and a pipeline's sends) cross with every member, one flow per GPU of
 * the domain. A group inside one domain crosses nothing. (Adaptive and Valiant routing spread a
 * dragonfly's load over the machine's global links: not counted.) */
static double crossing_share(const tm_ctx *c, const int *gpus, int p, coll_algo algo, int ranks_per_node)
{
    int *members = ut_calloc((size_t)c->domains, sizeof *members);
    for (int r = 0; r < p; r++) members[domain_of(c, gpus[r])]++;
    double share = INFINITY;
    for (int r = 0; r < p; r++) {
        /* every domain the group leaves is left by some ring neighbour (or pair) */
        int a = domain_of(c, gpus[r]), b = domain_of(c, gpus[(r + 1) % p]);
        if (a == b) continue;
        double groups = ceil((double)c->domain_gpus[a] / members[a]);
        double flows = algo == COLL_RING ? groups : algo == COLL_HIER ? groups * ranks_per_node : c->domain_gpus[a];
        double cap = c->dragonfly ? net_group_pair_Bps(c->net, a, b) : net_leaf_up_Bps(c->net, a);
        if (cap > 0) share = fmin(share, cap / flows);
    }
    free(members);
    return share;
}

/* Collective time over p ranks spaced `stride` GPUs apart from GPU 0, with the alpha-beta closed
 * form of coll.h, alpha and bandwidth measured on the network. Every GPU of a node communicates at
 * once (all the groups of a kind run together), so the node's NICs are shared by its GPUs. */
/* What each pipeline send gets where domains cut the boundary between the stage starting at GPU
 * `first` and the next (each GPU sends to the one `stage` further): the stage's GPUs whose partner
 * sits in another domain all cross at once, those leaving one leaf share its uplinks, those
 * between two dragonfly groups their direct bundle. INFINITY where nothing crosses. Walked by runs
 * of GPUs whose domain and partner's domain stay the same. */
static double boundary_share(const tm_ctx *c, int first, int stage)
{
    double share = INFINITY;
    int a = domain_of(c, first), b = domain_of(c, first + stage), n = 0;
    for (int g = first; g < first + stage;) {
        int end = first + stage;                                /* the run: a and b both stay */
        if (c->domain_first[a + 1] < end) end = c->domain_first[a + 1];
        if (c->domain_first[b + 1] - stage < end) end = c->domain_first[b + 1] - stage;
        if (a != b) n += end - g;
        g = end;
        int na = g < first + stage ? domain_of(c, g) : -1, nb = g < first + stage ? domain_of(c, g + stage) : -1;
        if (n && (na != a || (c->dragonfly && nb != b))) {    /* a pair (or a leaf) done with */
            double cap = c->dragonfly ? net_group_pair_Bps(c->net, a, b) : net_leaf_up_Bps(c->net, a);
            if (cap > 0) share = fmin(share, cap / n);
            n = 0;
        }
        a = na, b = nb;
    }
    return share;
}

/* Collective time over p ranks `stride` GPUs apart from GPU `first` (see coll_s); `cross`: what
 * each gets where it crosses domains, when the caller knows it (boundary_share), else NaN. */
static double coll_from_s(const tm_ctx *c, coll_op op, int p, int first, int stride, double bytes, double cross)
{
    if (p < 2 || !(bytes > 0)) return 0;
    int *gpus = ut_malloc((size_t)p * sizeof *gpus);
    for (int r = 0; r < p; r++) gpus[r] = first + r * stride;
    coll_cost k;
    ds_collective_cost(c->net, gpus, p, &k);
    coll_algo algo = tm_group_algo(c->net, gpus, p, op);
    int nodes = (first + (p - 1) * stride) / c->gpn - first / c->gpn + 1;
    int active = c->gpn < c->gpus ? c->gpn : c->gpus;
    double share = c->nic_Bps / active;
    if (nodes > 1 && c->domain_gpus)
        share = fmin(share, !isnan(cross) ? cross : crossing_share(c, gpus, p, algo, k.ranks_per_node));
    free(gpus);
    k.bw_inter_all_Bps = fmin(k.bw_inter_all_Bps, share);
    if (k.ranks_per_node == 1) k.bw_inter_Bps = fmin(k.bw_inter_Bps, share);
    coll_plan plan;
    char e[256];
    if (coll_plan_init(&plan, op, algo, p, bytes, &k, e, sizeof e) != 0) return 0;
    double t = coll_closed_form_s(&plan, &k);
    coll_plan_free(&plan);
    if ((op == COLL_ALLGATHER || op == COLL_REDUCESCATTER) && nodes > 1 && k.ranks_per_node > 1) {
        /* the same rail argument: the node's NICs carry the (nodes-1)/nodes of the buffer once */
        double rails = (double)(nodes - 1) / nodes * bytes / (share * k.ranks_per_node);
        double inside = (double)(k.ranks_per_node - 1) / k.ranks_per_node * bytes / k.bw_intra_Bps;
        t = fmin(t, (p - 1) * k.alpha_inter_s + fmax(rails, inside));
    }
    return t;
}

static double coll_s(const tm_ctx *c, coll_op op, int p, int stride, double bytes)
{
    return coll_from_s(c, op, p, 0, stride, bytes, NAN);
}

/* ------------------------------------------------------------------------------------------ */
/* One layer, one micro-batch, one GPU. */

typedef struct layer_cost {
    cost fwd, bwd;              /* GEMMs + memory-bound operations */
    double gemm_f_s, gemm_b_s, mem_f_s, mem_b_s;
    cost attn_core;             /* QK^T, softmax, AV: what selective recomputation redoes */
    double model_f_flops;       /* fwd.flops less the experts' capacity padding: the model FLOPs */
    double repl_f_flops;        /* of model_f_flops, what every tensor-parallel rank computes whole (MLA's
                                 * down-projections, the router): counted once in the model FLOPs */
    double tp_fwd_s, tp_bwd_s;  /* tensor-parallel collectives */
    double cp_fwd_s, cp_bwd_s;  /* context-parallel exchanges, exposed */
    double cp_bytes;            /* one layer's context-parallel ring, the keys and values of every chunk */
    double core_b_s;            /* the attention core's backward */
} layer_cost;

/* The projections of multi-head latent attention (DeepSeek-V2/V3), as Megatron-Core computes them
 * in training: the down-projections to the latents are replicated on the tensor-parallel ranks,
 * the up-projections split by heads; the keys' rope part is one per token, shared by the heads. */
static void mla_projections(cost *f, cost *bw, const tm_model *m, const hw *h, double T, double a_loc)
{
    double hid = m->hidden, qk = (double)m->qk_nope_dim + m->qk_rope_dim;
    if (m->q_lora_rank > 0) {
        gemm_fb(f, bw, h, N_("query down-projection (MLA)"), T, m->q_lora_rank, hid, 1);
        gemm_fb(f, bw, h, N_("query up-projection (MLA)"), T, a_loc * qk, m->q_lora_rank, 1);
    } else gemm_fb(f, bw, h, N_("query projection (MLA)"), T, a_loc * qk, hid, 1);
    gemm_fb(f, bw, h, N_("key/value down-projection (MLA)"), T, (double)m->kv_lora_rank + m->qk_rope_dim, hid, 1);
    gemm_fb(f, bw, h, N_("key/value up-projection (MLA)"), T, a_loc * ((double)m->qk_nope_dim + m->v_head_dim), m->kv_lora_rank, 1);
}

/* A MoE layer's feed-forward part with every expert on the GPU (no expert parallelism): the router
 * (replicated on the tensor-parallel ranks), each routed expert a product of its capacity buffer
 * (tokens x top_k x capacity / experts rows, split by tensor parallelism as a dense MLP), the
 * shared experts as one product of all of them. Returns the routed experts' forward FLOPs beyond
 * the routed tokens (the capacity's padding, not model FLOPs). */
static double moe_mlp(cost *f, cost *bw, const tm_model *m, const hw *h, double T, double t)
{
    double hid = m->hidden, E = m->experts, rows = T * m->top_k * m->capacity / E, eff_loc = m->expert_ffn / t;
    gemm_fb(f, bw, h, N_("router"), T, E, hid, 1);
    double before = f->flops;
    gemm_fb(f, bw, h, m->gated ? N_("routed experts up and gate") : N_("routed experts up"), rows, eff_loc * (m->gated ? 2 : 1),
            hid, E);
    gemm_fb(f, bw, h, N_("routed experts down"), rows, hid, eff_loc, E);
    double routed = f->flops - before;
    if (m->shared_experts > 0) {
        double sff_loc = (double)m->shared_experts * shared_ffn(m) / t;
        gemm_fb(f, bw, h, m->gated ? N_("shared experts up and gate") : N_("shared experts up"), T, sff_loc * (m->gated ? 2 : 1),
                hid, 1);
        gemm_fb(f, bw, h, N_("shared experts down"), T, hid, sff_loc, 1);
    }
    return routed - routed / m->capacity;
}

/* One layer, dense (moe = 0) or MoE. */
static void layer(const tm_ctx *c, const tm_model *m, const tm_plan *pl, const hw *h, int moe, layer_cost *L)
{
    memset(L, 0, sizeof *L);
    double t = pl->tp, b = pl->mbs, s_loc = (double)m->seq / pl->cp, T = b * s_loc;
    double hid = m->hidden, hd = m->head_dim ? m->head_dim : hid / m->heads, a_loc = m->heads / t;
    double kv_loc = m->kv_heads >= t ? m->kv_heads / t : 1;
    double ffn_loc = m->ffn / t;
    int mla = m->kv_lora_rank > 0;
    /* the heads' sizes for scores and values: hd each, or MLA's nope + rope and v */
    double d_qk = mla ? (double)m->qk_nope_dim + m->qk_rope_dim : hd, d_v = mla ? m->v_head_dim : hd;
    cost f = { 0 }, bw = { 0 }, core_f = { 0 }, core_b = { 0 };
    if (mla) mla_projections(&f, &bw, m, h, T, a_loc);
    else gemm_fb(&f, &bw, h, N_("QKV projection"), T, (a_loc + 2 * kv_loc) * hd, hid, 1);
    if (pl->flash && mla) {
        /* the same fused kernel with MLA's head sizes: 2 T s (qk + v) FLOPs per head */
        double fl = 2 * T * m->seq * (d_qk + d_v) * a_loc;
        core_f.flops = fl, core_f.s = fl / h->flops;
        core_b.flops = 2 * fl, core_b.s = 2.5 * fl / h->flops;
        SAY(h->ex, "layer", _("FlashAttention"), core_f.s,
            _("2 x %s tokens x %s x (%s + %s) x %s heads = %s FLOP at %s TFLOP/s; backward 2.5 times that"), num(h->ex, T, 6),
            num(h->ex, m->seq, 6), num(h->ex, d_qk, 6), num(h->ex, d_v, 6), num(h->ex, a_loc, 6), num(h->ex, fl, 3),
            num(h->ex, h->flops / 1e12, 4));
    } else if (pl->flash) {
        /* fused kernel: the same FLOPs at the matrix rate, scores never reach memory */
        double fl = 4 * T * m->seq * hd * a_loc;
        core_f.flops = fl, core_f.s = fl / h->flops;
        core_b.flops = 2 * fl, core_b.s = 2.5 * fl / h->flops; /* backward recomputes the scores */
        SAY(h->ex, "layer", _("FlashAttention"), core_f.s, _("4 x %s tokens x %s x %s x %s heads = %s FLOP at %s TFLOP/s; backward 2.5 times that"),
            num(h->ex, T, 6), num(h->ex, m->seq, 6), num(h->ex, hd, 6), num(h->ex, a_loc, 6), num(h->ex, fl, 3), num(h->ex, h->flops / 1e12, 4));
    } else {
        gemm_fb(&core_f, &core_b, h, N_("attention scores Q K^T"), s_loc, m->seq, d_qk, b * a_loc);
        gemm_fb(&core_f, &core_b, h, N_("attention values P V"), s_loc, d_v, m->seq, b * a_loc);
        double scores = b * a_loc * s_loc * m->seq;                                   /* elements */
        /* scale-mask-softmax (r+w), dropout (r+w+mask); as three separate kernels the scale and the
         * mask read and write the scores once more each */
        double pass_f = (tm_stack_of(pl)->unfused ? 8.5 : 4.5) * scores * h->e / h->mem_Bps;
        core_f.s += pass_f, core_b.s += 2 * pass_f;
        SAY(h->ex, "layer", _("softmax and dropout of the scores"), pass_f,
            _("4.5 passes over %s scores of %s bytes at %s TB/s; backward twice that"), num(h->ex, scores, 3), num(h->ex, h->e, 2),
            num(h->ex, h->mem_Bps / 1e12, 4));
    }
    L->attn_core = core_f;
    L->core_b_s = core_b.s;
    f.flops += core_f.flops, f.s += core_f.s;
    bw.flops += core_b.flops, bw.s += core_b.s;
    gemm_fb(&f, &bw, h, N_("attention output projection"), T, hid, a_loc * d_v, 1);
    double padding = 0;
    if (moe) padding = moe_mlp(&f, &bw, m, h, T, t);
    else {
        gemm_fb(&f, &bw, h, m->gated ? N_("MLP up and gate") : N_("MLP up"), T, ffn_loc * (m->gated ? 2 : 1), hid, 1);
        gemm_fb(&f, &bw, h, N_("MLP down"), T, hid, ffn_loc, 1);
    }
    L->gemm_f_s = f.s, L->gemm_b_s = bw.s;
    L->model_f_flops = f.flops - padding;
    L->repl_f_flops = (mla ? 2 * T * hid * ((double)m->q_lora_rank + m->kv_lora_rank + m->qk_rope_dim) : 0) +
                      (moe ? 2 * T * hid * m->experts : 0);
    /* memory-bound passes over activations (one read or one write of an element each):
     * two norms (2 each), two bias-dropout-residual (3.5 each: x, residual, out, half a mask),
     * the activation function (2, SwiGLU 3), over the hidden (replicated across the tensor-parallel
     * ranks unless sequence parallelism splits them) or the local ffn width */
    double E_h = T * hid / (pl->seq_parallel ? t : 1), E_f = T * ffn_loc;
    if (moe) E_f = T * (m->top_k * m->capacity * m->expert_ffn + (double)m->shared_experts * shared_ffn(m)) / t;
    double passes = 11 * E_h + (m->gated ? 3 : 2) * E_f;
    /* a MoE layer also permutes the tokens into the experts' buffers and back (a read and a write
     * of every routed copy each way) and takes the softmax and top-k of the router's logits */
    if (moe) passes += 4 * T * m->top_k * m->capacity * hid + 3 * T * m->experts;
    /* unfused (Megatron-LM before 2020): the bias add apart from the activation (+2 passes of the ffn
     * width), and bias, dropout and residual add apart (7.5 passes against 3.5, twice) */
    if (tm_stack_of(pl)->unfused) passes += 8 * E_h + 2 * E_f;
    double mem = passes * h->e / h->mem_Bps;
    L->mem_f_s = mem, L->mem_b_s = 2 * mem;
    f.s += mem, bw.s += 2 * mem;
    SAY(h->ex, "layer", _("norms, residuals, dropout, activation"), mem,
        _("%s element passes of %s bytes at %s TB/s; backward twice that"), num(h->ex, passes, 3), num(h->ex, h->e, 2),
        num(h->ex, h->mem_Bps / 1e12, 4));
    L->fwd = f, L->bwd = bw;
    /* tensor parallel: two all-reduces of the layer's activations forward, two backward (with
     * sequence parallelism each is an all-gather plus a reduce-scatter: the same bytes) */
    if (pl->tp > 1) {
        double bytes = T * hid * h->e;
        double one = pl->seq_parallel ? coll_s(c, COLL_ALLGATHER, pl->tp, 1, bytes) + coll_s(c, COLL_REDUCESCATTER, pl->tp, 1, bytes)
                                      : coll_s(c, COLL_ALLREDUCE, pl->tp, 1, bytes);
        L->tp_fwd_s = 2 * one, L->tp_bwd_s = 2 * one;
        if (pl->tp_overlap) {
            /* fused with the adjacent matrix multiplies: only what outlasts them waits */
            L->tp_fwd_s = fmax(0, L->tp_fwd_s - L->gemm_f_s), L->tp_bwd_s = fmax(0, L->tp_bwd_s - L->gemm_b_s);
        }
        SAY(h->ex, "layer", _("tensor-parallel communication"), L->tp_fwd_s,
            pl->seq_parallel ? _("2 all-gathers and 2 reduce-scatters of %s bytes over %d GPUs, forward; the same backward")
                             : _("2 all-reduces of %s bytes over %d GPUs, forward; the same backward"),
            num(h->ex, bytes, 3), pl->tp);
    }
    /* context parallel: a ring passes the keys and values of every chunk around (cp - 1 steps),
     * hidden behind the attention core when it is long enough; backward also returns their gradients */
    if (pl->cp > 1) {
        double kvb = 2 * b * s_loc * kv_loc * hd * h->e;
        double ring = coll_s(c, COLL_ALLGATHER, pl->cp, pl->tp, kvb * pl->cp);
        L->cp_bytes = kvb * pl->cp;
        L->cp_fwd_s = fmax(0, ring - core_f.s);
        L->cp_bwd_s = fmax(0, 2 * ring - core_b.s);
        SAY(h->ex, "layer", _("context-parallel exchange, exposed"), L->cp_fwd_s,
            _("a ring of %s bytes of keys and values over %d GPUs (%s s) behind the attention core (%s s)"),
            num(h->ex, kvb * pl->cp, 3), pl->cp, num(h->ex, ring, 3), num(h->ex, core_f.s, 3));
    }
}

/* The mean layer of a model with MoE layers: its dense and MoE layers' costs weighted by their
 * counts (every member of layer_cost is a double). A stage of n layers is priced as n mean layers:
 * exact when every layer is MoE (Mixtral, Qwen3) or without a pipeline; with one, a stage holding
 * the dense layers (DeepSeek-V3's first three) is priced as if they were spread evenly. */
static void mean_layer(const tm_ctx *c, const tm_model *m, const tm_plan *pl, const hw *h, int moe_layers, layer_cost *L)
{
    _Static_assert(sizeof(layer_cost) % sizeof(double) == 0, "layer_cost holds doubles only");
    layer_cost dense, moe;
    int dense_layers = m->layers - moe_layers;
    if (dense_layers > 0) {
        SAY(h->ex, "layer", _("dense layers"), 0, _("%d of the %d layers; their terms follow"), dense_layers, m->layers);
        layer(c, m, pl, h, 0, &dense);
    } else memset(&dense, 0, sizeof dense);
    SAY(h->ex, "layer", _("MoE layers"), 0, _("%d of the %d layers, every expert on this GPU (no expert parallelism); their terms follow"),
        moe_layers, m->layers);
    layer(c, m, pl, h, 1, &moe);
    const double *d = (const double *)&dense, *e = (const double *)&moe;
    double *out = (double *)L, wd = (double)dense_layers / m->layers, we = (double)moe_layers / m->layers;
    for (size_t i = 0; i < sizeof *L / sizeof(double); i++) out[i] = wd * d[i] + we * e[i];
    SAY(h->ex, "layer", _("mean layer"), L->fwd.s, _("forward: %d dense x %s s + %d MoE x %s s, over %d layers"), dense_layers,
        num(h->ex, dense.fwd.s, 3), moe_layers, num(h->ex, moe.fwd.s, 3), m->layers);
}

/* ------------------------------------------------------------------------------------------ */

static double prec_bytes(int prec) { return prec == PLAT_FP32 || prec == PLAT_TF32 ? 4 : 2; }

/* What the parts of a prediction share: the hardware, the plan's shape, one layer's costs and the
 * per-micro-batch times of a stage. */
typedef struct pred {
    hw h;
    const tm_stack *sk;         /* the plan's stack */
    int split;                  /* pipeline sends split across the tensor-parallel ranks */
    double e;                   /* bytes per element at the training precision */
    double grad_e;              /* bytes per gradient element (4 where the stack keeps bf16 gradients in fp32) */
    int dp, tp, pp, v;
    long mb;                    /* micro-batches per step and replica */
    double Lps, T;              /* mean layers per stage, tokens per micro-batch on one GPU */
    int n_first, n_last, n_mid; /* layers of the first, the last and the largest middle stage (tm_stage_layers) */
    int n_crit, n_max;          /* of the slowest stage, of the largest */
    layer_cost L;
    double f_s, b_s, rc_s;      /* per micro-batch on the slowest stage */
    double rc_flops;            /* per micro-batch on a stage of Lps layers */
    cost of, ob;                /* the output layer, forward and backward */
    double ce, out_f, out_b, emb;
    double P_gpu;               /* parameters on the busiest GPU */
    double opt_B;               /* optimizer bytes per parameter */
} pred;

/* One micro-batch's forward, backward and recomputation on a stage of n layers, without the
 * embedding and the output layer. */
static void stage_work(const pred *x, const tm_plan *pl, double n, double *f, double *b, double *rc)
{
    const layer_cost *L = &x->L;
    *f = n * (L->fwd.s + L->tp_fwd_s + L->cp_fwd_s);
    *b = n * (L->bwd.s + L->tp_bwd_s + L->cp_bwd_s);
    *rc = pl->recompute == TM_RC_FULL ? n * (L->fwd.s + L->tp_fwd_s + L->cp_fwd_s)
        : pl->recompute == TM_RC_SELECTIVE ? n * L->attn_core.s : 0;
}

/* Compute, recomputation, tensor and context parallelism, the pipeline and its bubble. The
 * slowest stage sets the pace: the first (with the embedding), the last (with the output layer and
 * the loss) or the largest in between. */
static void predict_compute(const tm_ctx *c, const tm_model *m, const tm_plan *pl, pred *x, tm_result *r)
{
    const hw *h = &x->h;
    int tp = x->tp, pp = x->pp, v = x->v;
    long mb = x->mb;
    double Lps = x->Lps, T = x->T, e = x->e;
    const layer_cost *L = &x->L;
    if (pl->recompute == TM_RC_FULL) x->rc_flops = Lps * L->fwd.flops;
    else if (pl->recompute == TM_RC_SELECTIVE) x->rc_flops = Lps * L->attn_core.flops;
    /* the output layer and the loss (last stage), the embedding (first stage) */
    if (h->ex) h->ex->group = "stage";
    gemm_fb(&x->of, &x->ob, h, N_("output layer"), T, (double)m->vocab / tp, m->hidden, 1);
    x->ce = T * m->vocab / tp * 4.0 / h->mem_Bps;      /* fp32 softmax cross-entropy: ~3 passes forward, 2 back */
    double ce = x->ce;
    x->out_f = x->of.s + 3 * ce, x->out_b = x->ob.s + 2 * ce;
    x->emb = 2 * T * m->hidden * e / h->mem_Bps;
    double out_f = x->out_f, out_b = x->out_b, emb = x->emb;
    double f_s, b_s, rc_s, stage_max, stage_avg;
    const char *which = N_(", with the embedding, the output layer and the loss");   /* for the explanation */
    if (pp == 1) {
        stage_work(x, pl, Lps, &f_s, &b_s, &rc_s);
        stage_max = stage_avg = f_s + b_s + rc_s + emb * 3 + out_f + out_b;
        x->n_crit = m->layers;
    } else {
        double f1, b1, r1, fl, bl, rl, fm, bm, rm;
        stage_work(x, pl, x->n_first, &f1, &b1, &r1);
        stage_work(x, pl, x->n_last, &fl, &bl, &rl);
        stage_work(x, pl, x->n_mid, &fm, &bm, &rm);
        double first = f1 + b1 + r1 + emb * 3, last = fl + bl + rl + out_f + out_b, mid = pp > 2 ? fm + bm + rm : 0;
        stage_max = fmax(first, last);
        x->n_crit = first > last ? x->n_first : x->n_last;
        which = first > last ? N_(": the first, with the embedding") : N_(": the last, with the output layer and the loss");
        if (mid > stage_max) stage_max = mid, x->n_crit = x->n_mid, which = N_(": a middle one");
        stage_work(x, pl, Lps, &f_s, &b_s, &rc_s);      /* the mean stage, for the bubble */
        stage_avg = f_s + b_s + rc_s + (emb * 3 + out_f + out_b) / pp;
    }
    double n = x->n_crit;
    stage_work(x, pl, n, &x->f_s, &x->b_s, &x->rc_s);
    explain *ex = h->ex;
    SAY(ex, "stage", _("loss (cross-entropy)"), 5 * ce, _("%s logits of 4 bytes, 3 passes forward and 2 backward, at %s TB/s"),
        num(ex, T * m->vocab / tp, 3), num(ex, h->mem_Bps / 1e12, 4));
    SAY(ex, "stage", _("slowest stage, one micro-batch"), stage_max,
        _("%d layers x (forward %s s + backward %s s + recomputation %s s)%s"), x->n_crit, num(ex, x->f_s / n, 3),
        num(ex, x->b_s / n, 3), num(ex, x->rc_s / n, 3),
        _(which));

    /* pipeline: every micro-batch on the slowest stage, then the bubble of (pp - 1) / vpp stage
     * times; each micro-batch crosses every virtual-stage boundary forward and backward */
    r->b.compute_s = mb * stage_max;
    r->b.recompute_s = mb * x->rc_s;
    r->b.gemm_s = mb * n * (L->gemm_f_s + L->gemm_b_s + (pl->recompute == TM_RC_FULL ? L->gemm_f_s : 0)) + mb * (x->of.s + x->ob.s);
    r->b.memops_s = mb * n * (L->mem_f_s + L->mem_b_s + (pl->recompute == TM_RC_FULL ? L->mem_f_s : 0)) + mb * (5 * ce + 3 * emb);
    r->b.tp_s = mb * n * (L->tp_fwd_s + L->tp_bwd_s + (pl->recompute == TM_RC_FULL ? L->tp_fwd_s : 0));
    r->b.cp_s = mb * n * (L->cp_fwd_s + L->cp_bwd_s + (pl->recompute == TM_RC_FULL ? L->cp_fwd_s : 0));
    r->b.compute_s -= r->b.tp_s + r->b.cp_s;
    if (pp > 1) {
        /* the bubble: pp - 1 chunk times; a chunk is 1/vpp of a stage, or, where the chunks of the
         * largest stage are unequal, its largest chunk */
        double chunk = v > 1 ? (double)((x->n_max + v - 1) / v) * v / x->n_max : 1;
        r->b.bubble_s = (double)(pp - 1) / v * stage_avg * chunk;
        /* Megatron's scatter-gather: each tensor-parallel rank sends 1/tp of the activations on its
         * own NIC, the receiving node all-gathers them over the scale-up links (not needed with
         * sequence parallelism, where each rank owns its slice anyway) */
        double act = T * m->hidden * e;
        int split = x->split;
        /* a stage sends forward over the boundary after it and backward over the one before it (an
         * end stage over its one boundary, both ways); where domains (leaves behind oversubscribed
         * uplinks, dragonfly groups under minimal routing) cut the pipeline, some boundaries share
         * a bundle and others do not, and the stage whose two boundaries cost most sets the pace */
        int stage = tp * pl->cp * x->dp, nb = c->crossing_binds ? pp - 1 : 1;
        double bytes = split ? act / tp : act, prev = 0, pair = 0, last_cross = NAN;
        for (int b = 0; b < nb; b++) {      /* the machine is uniform: boundaries that share alike cost alike */
            double cross = c->domain_gpus ? boundary_share(c, b * stage, stage) : NAN;
            double cur = b > 0 && cross == last_cross ? prev : coll_from_s(c, COLL_P2P, 2, b * stage, stage, bytes, cross);
            pair = fmax(pair, (b > 0 ? prev : cur) + cur);  /* stage b: its boundaries before and after */
            prev = cur, last_cross = cross;
        }
        pair = fmax(pair, 2 * prev);        /* the last stage: its one boundary, both ways */
        double p2p = pair / 2;
        if (split && !pl->seq_parallel) p2p += coll_s(c, COLL_ALLGATHER, tp, 1, act);
        r->b.pp_s = 2.0 * mb * v * p2p;
        SAY(ex, "step", _("pipeline bubble"), r->b.bubble_s, _("(pp - 1) / vpp = (%d - 1) / %d mean stage times of %s s"), pp, v,
            num(ex, stage_avg, 3));
        SAY(ex, "step", _("pipeline sends"), r->b.pp_s,
            _("2 x %ld micro-batches x %d virtual stages x %s s (%s bytes%s)"), mb, v, num(ex, p2p, 3),
            num(ex, split ? act / tp : act, 3), split && !pl->seq_parallel ? _(" per tensor-parallel rank, then an all-gather in the node") : "");
    }
    SAY(ex, "step", _("compute of every micro-batch"), r->b.compute_s,
        _("%ld micro-batches x %s s on the slowest stage, less its exposed tensor and context communication"), mb,
        num(ex, stage_max, 3));
}

/* Parameters on the busiest GPU: its stage's layers, plus the embedding (first stage) or the
 * output layer (last; a copy of the embedding when tied and pp > 1). */
static void predict_params(const tm_model *m, pred *x, tm_result *r)
{
    int tp = x->tp, pp = x->pp;
    double embp = embedding_params(m) / tp, outp = (double)m->vocab * m->hidden / tp;
    if (pp == 1) x->P_gpu = x->Lps * mean_layer_params(m) / tp + embp + (m->tied ? 0 : outp);
    else {
        double first = x->n_first * mean_layer_params(m) / tp + embp, last = x->n_last * mean_layer_params(m) / tp + outp;
        x->P_gpu = fmax(fmax(first, last), x->n_mid * mean_layer_params(m) / tp);
    }
    r->params = tm_model_params(m);
    r->active_params = tm_model_active_params(m);
    r->experts = m->experts;
    r->params_per_gpu = x->P_gpu;
}

/* ZeRO-3 gathering one layer's parameter tensors one by one (a stack with zero3_tensor_s): the
 * seconds and the elements, for a model with latent attention, a head dimension or experts. Each
 * tensor pays the launch overhead and its own all-gather: attention's matrices (MLA: its down- and
 * up-projections and the latents' norms; else Q, K and V fused with their bias, and the output), the
 * MLP's (a dense layer's as the dense count has them; a MoE layer's router, each routed expert's
 * fused up and gate and its down, the shared experts'), and the norms. */
static void zero3_layer(const tm_ctx *c, const tm_model *m, const tm_stack *sk, int dp, int stride, double tp, double e,
                        int moe, double *seconds, double *elements)
{
    double H = m->hidden, g = m->gated ? 2 : 1, t[16];
    int n = 0;
    if (m->kv_lora_rank > 0) {
        double qk = (double)m->qk_nope_dim + m->qk_rope_dim, A = m->heads, ql = m->q_lora_rank, kl = m->kv_lora_rank;
        if (ql > 0) t[n++] = H * ql, t[n++] = ql, t[n++] = ql * A * qk / tp;
        else t[n++] = H * A * qk / tp;
        t[n++] = H * (kl + m->qk_rope_dim), t[n++] = kl, t[n++] = kl * A * ((double)m->qk_nope_dim + m->v_head_dim) / tp;
        t[n++] = A * m->v_head_dim * H / tp;
    } else {
        double hd = head_size(m), q = m->heads * hd, qkv = q + 2.0 * m->kv_heads * hd;
        t[n++] = H * qkv / tp, t[n++] = qkv / tp, t[n++] = q * H / tp, t[n++] = H;
    }
    if (!moe) t[n++] = H * m->ffn * g / tp, t[n++] = m->ffn / tp, t[n++] = m->ffn * H / tp, t[n++] = H;
    else {
        t[n++] = H * m->experts;
        if (m->shared_experts > 0) {
            double sff = (double)m->shared_experts * shared_ffn(m);
            t[n++] = H * sff * g / tp, t[n++] = sff * H / tp;
        }
    }
    for (int k = 0; k < 4; k++) t[n++] = H;
    double s = 0, el = 0;
    for (int i = 0; i < n; i++) s += sk->zero3_tensor_s + coll_s(c, COLL_ALLGATHER, dp, stride, t[i] * e), el += t[i];
    if (moe) {                                          /* the routed experts, two tensors each */
        double up = H * m->expert_ffn * g / tp, down = m->expert_ffn * H / tp;
        s += m->experts * (2 * sk->zero3_tensor_s + coll_s(c, COLL_ALLGATHER, dp, stride, up * e) +
                           coll_s(c, COLL_ALLGATHER, dp, stride, down * e));
        el += m->experts * (up + down);
    }
    *seconds = s, *elements = el;
}

/* Data parallelism and ZeRO, with their overlap with the backward pass, and the optimizer. */
static void predict_data_parallel(const tm_ctx *c, const tm_model *m, const tm_plan *pl, const pred *x, tm_result *r)
{
    int dp = x->dp;
    double P_gpu = x->P_gpu, e = x->e, Lps = x->n_crit;   /* the slowest stage's layers */
    double grad_B = P_gpu * x->grad_e;
    double window = x->b_s + x->rc_s;                    /* backward of the last micro-batch */
    const tm_stack *sk = x->sk;
    int overlap = pl->dp_overlap && sk->dp_overlap;
    explain *ex = x->h.ex;
    if (dp > 1) {
        int stride = x->tp * pl->cp;
        if (pl->zero <= 1) {
            double red = pl->zero == 0 ? coll_s(c, COLL_ALLREDUCE, dp, stride, grad_B)
                                       : coll_s(c, COLL_REDUCESCATTER, dp, stride, grad_B);
            double gather = pl->zero == 1 ? coll_s(c, COLL_ALLGATHER, dp, stride, P_gpu * e) : 0;
            r->b.dp_total_s = red + gather;
            double hidden = overlap ? fmax(0, fmin(red - red / Lps, window)) : 0;
            /* the updated parameters' all-gather, bucket by bucket during the next step's first
             * forward pass where the stack does so (Megatron-Core's --overlap-param-gather) */
            double gather_hidden = overlap && sk->param_overlap ? fmax(0, fmin(gather - gather / Lps, x->f_s)) : 0;
            r->b.dp_s = red - hidden + gather - gather_hidden;
            SAY(ex, "step", _("data-parallel gradients, exposed"), r->b.dp_s,
                _("%s of %s bytes over %d GPUs (%s s), %s s hidden behind the last backward pass%s%s"),
                pl->zero == 0 ? _("all-reduce") : _("reduce-scatter"), num(ex, grad_B, 3), dp, num(ex, red, 3), num(ex, hidden, 3),
                overlap ? "" : _(" (no overlap in this stack or plan)"),
                pl->zero != 1 ? "" : gather_hidden > 0 ? _(", then the parameters' all-gather, partly behind the next forward pass")
                                                       : _(", then the parameters' all-gather"));
        } else {
            /* ZeRO-2: gradients reduce-scattered as each micro-batch's backward produces them;
             * ZeRO-3 also gathers every layer's weights before its forward and its backward, and
             * again before the recomputed forward of full recomputation (Rajbhandari et al., ZeRO,
             * SC'20, section 5.3: parameters are gathered wherever a layer runs) */
            double rs = coll_s(c, COLL_REDUCESCATTER, dp, stride, grad_B);
            double ag = coll_s(c, COLL_ALLGATHER, dp, stride, P_gpu * e);
            if (pl->zero == 3 && sk->zero3_tensor_s > 0) {
                /* one blocking all-gather per parameter tensor, each paying the launch overhead and its
                 * own ring latency: a layer's weight matrices (QKV, attention output, the MLP's) and
                 * their biases, and the two norms' scale and shift, on every layer of the stage; the
                 * embedding and the output layer in bulk */
                double hd = (double)m->hidden / m->heads, tp = x->tp, H = m->hidden, F = m->ffn;
                double qkv = (m->heads + 2.0 * m->kv_heads) * hd;
                const double elems[] = { H * qkv / tp, qkv / tp, H * H / tp, H, H * F * (m->gated ? 2 : 1) / tp, F / tp,
                                         F * H / tp, H, H, H, H, H };
                double layer_s = 0, layer_elems = 0;
                for (size_t i = 0; i < sizeof elems / sizeof *elems; i++) {
                    layer_s += sk->zero3_tensor_s + coll_s(c, COLL_ALLGATHER, dp, stride, elems[i] * e);
                    layer_elems += elems[i];
                }
                if (m->experts > 0 || m->head_dim || m->kv_lora_rank > 0) {
                    /* the mean layer's tensors: the dense and the MoE layers' weighted by their counts */
                    int moe = tm_model_moe_layers(m);
                    double dense_s = 0, de = 0, ms = 0, me = 0;
                    if (moe < m->layers) zero3_layer(c, m, sk, dp, stride, tp, e, 0, &dense_s, &de);
                    if (moe) zero3_layer(c, m, sk, dp, stride, tp, e, 1, &ms, &me);
                    layer_s = ((m->layers - moe) * dense_s + moe * ms) / m->layers;
                    layer_elems = ((m->layers - moe) * de + moe * me) / m->layers;
                }
                double rest = fmax(0, P_gpu - Lps * layer_elems);
                ag = Lps * layer_s + (rest > 0 ? sk->zero3_tensor_s + coll_s(c, COLL_ALLGATHER, dp, stride, rest * e) : 0);
            }
            int gathers = pl->zero == 3 ? 2 + (pl->recompute == TM_RC_FULL) : 0;
            double per_mb = rs + gathers * ag;
            double work = x->f_s + x->b_s + x->rc_s;
            double exposed_mb = overlap && (pl->zero == 2 || sk->zero3_prefetch) ? fmax(0, per_mb - work) + per_mb / Lps : per_mb;
            r->b.zero_total_s = x->mb * per_mb + (pl->zero == 2 ? ag : 0);
            r->b.zero_s = x->mb * exposed_mb + (pl->zero == 2 ? ag : 0);
            SAY(ex, "step", _("ZeRO communication, exposed"), r->b.zero_s,
                _("%ld micro-batches x (a reduce-scatter of %s s + %d all-gathers of %s s of %s bytes over %d GPUs), "
                  "%s s each behind %s s of compute"),
                x->mb, num(ex, rs, 3), gathers, num(ex, ag, 3), num(ex, P_gpu * e, 3), dp, num(ex, exposed_mb, 3), num(ex, work, 3));
        }
    }
    /* optimizer: Adam reads the gradient, reads and writes the fp32 master weights and two moments,
     * writes the working copy: about 32 bytes per parameter it owns */
    double P_opt = pl->zero >= 1 ? P_gpu / dp : P_gpu;
    r->b.optimizer_s = P_opt * 32 / x->h.mem_Bps;
    SAY(ex, "step", _("optimizer"), r->b.optimizer_s, _("32 bytes per parameter for %s parameters at %s TB/s"), num(ex, P_opt, 3),
        num(ex, x->h.mem_Bps / 1e12, 4));
}

/* The pieces the discrete-event simulator replays (tm_parts), per layer. */
static void predict_parts(const tm_plan *pl, const tm_model *m, const pred *x, tm_result *r)
{
    tm_parts *P = &r->parts;
    int tp = x->tp;
    double T = x->T, e = x->e;
    P->f_layer_s = x->L.fwd.s;
    P->b_layer_s = x->L.bwd.s;
    P->rc_layer_s = pl->recompute == TM_RC_FULL ? x->L.fwd.s : pl->recompute == TM_RC_SELECTIVE ? x->L.attn_core.s : 0;
    P->first_f_s = x->emb, P->first_b_s = 2 * x->emb;
    P->last_f_s = x->out_f, P->last_b_s = x->out_b;
    P->tp_bytes = tp > 1 ? T * m->hidden * e : 0;
    P->tp_f = tp > 1 ? 2 : 0;
    P->tp_b = tp > 1 ? 2 * (pl->recompute == TM_RC_FULL ? 2 : 1) : 0;
    P->p2p_bytes = T * m->hidden * e / (x->split ? tp : 1);
    P->p2p_gather_bytes = x->split && !pl->seq_parallel ? T * m->hidden * e : 0;
    P->cp_bytes = x->L.cp_bytes;
    P->core_f_s = x->L.attn_core.s, P->core_b_s = x->L.core_b_s;
    P->grad_bytes = x->P_gpu * x->grad_e;
    P->param_bytes = x->P_gpu * e;
    P->optimizer_s = r->b.optimizer_s;
}

/* FLOPs: model FLOPs count forward + backward once (6 N per token plus attention); hardware FLOPs
 * add what recomputation does again. Needs the step time. */
static void predict_flops(const tm_ctx *c, const tm_model *m, const tm_plan *pl, const pred *x, tm_result *r)
{
    int tp = x->tp;
    const layer_cost *L = &x->L;
    double fwd_flops_mb = m->layers * L->fwd.flops * tp + x->of.flops * tp;   /* whole model, one micro-batch, all tp ranks */
    double extra_mb = 0;                                /* what the hardware runs beyond the model FLOPs, forward */
    if (m->experts > 0 || m->kv_lora_rank > 0) {
        /* the experts' capacity padding, and the GEMMs every tensor-parallel rank runs whole, once */
        extra_mb = m->layers * ((L->fwd.flops - L->model_f_flops) * tp + (tp - 1) * L->repl_f_flops);
        fwd_flops_mb -= extra_mb;
    }
    double per_seq_fwd = fwd_flops_mb / pl->mbs * pl->cp;                       /* one sequence */
    r->model_flops_step = 3 * per_seq_fwd * pl->gbs;
    r->hw_flops_step = r->model_flops_step + (double)m->layers * x->rc_flops / x->Lps * tp * pl->cp / pl->mbs * pl->gbs;
    if (extra_mb > 0) r->hw_flops_step += 3 * extra_mb / pl->mbs * pl->cp * pl->gbs;
    r->tokens_per_step = (double)pl->gbs * m->seq;
    r->tokens_per_s = r->tokens_per_step / r->step_s;
    r->peak_tflops = c->acc->peak_tflops[pl->prec];
    r->model_tflops_per_gpu = r->model_flops_step / r->step_s / pl->gpus / 1e12;
    r->hardware_tflops_per_gpu = r->hw_flops_step / r->step_s / pl->gpus / 1e12;
    r->mfu = r->model_tflops_per_gpu / r->peak_tflops;
    r->hfu = r->hardware_tflops_per_gpu / r->peak_tflops;
}

/* Memory per GPU (Korthikanti et al. 2022 for the activations, generalised to GQA and SwiGLU).
 * Per layer and micro-batch, in units of sbh bytes for 2-byte elements (their section 4.1): what
 * sequence parallelism splits (the two norms' inputs 4, the attention's and the MLP's inputs 2 + 2,
 * the two dropout masks 1 + 1: 10) and what tensor parallelism splits (Q 2, K and V 4 kv/heads, the
 * output projection's input 2, and 2 more that the model counts on purpose, a little more
 * generously than the paper's 8 for the attention, as the course on memory says; the MLP's 16 for
 * GeLU with ffn = 4h, 6 ffn/h for SwiGLU), with 5 a s / h for the scores unless FlashAttention or
 * selective recomputation drops them: 36 + 5 a s / h for GPT-3 where the paper's equation (1) has
 * 34 + 5 a s / h. Under 1F1B, stage st holds min(micro-batches, pp - st) micro-batches in
 * flight (the first stage pp of them; their section 4.2.2), interleaving (1 + (pp - 1) / (pp vpp))
 * times that; the busiest stage sets the figure. The estimate is stated with a margin of
 * TM_MEMORY_MARGIN of the total: over the capacity by less than that, the plan is at the limit. */
/* What tensor parallelism splits of attention's activations, in the units of predict_memory (sbh
 * bytes for 2-byte elements): Q 2 and 2 more, K and V 4 kv / heads, the output projection's input
 * 2, scaled by heads x head_dim / hidden when the heads are not hidden / heads; multi-head latent
 * attention keeps its two latents (2 ranks / h each), Q and K of (nope + rope), V and the output's
 * input of v_head_dim per head. */
static double attn_act_units(const tm_model *m)
{
    double h = m->hidden, H = m->heads;
    if (m->kv_lora_rank > 0) {
        double qk = (double)m->qk_nope_dim + m->qk_rope_dim, v = m->v_head_dim;
        return 2.0 * (m->q_lora_rank + m->kv_lora_rank) / h + 2 + 2 * H * (2 * qk + 2 * v) / h;
    }
    double q = m->head_dim ? H * m->head_dim / h : 1, kvr = (double)m->kv_heads / m->heads;
    return q * (4 + 4 * kvr + 2);
}

/* The same for the MLP, over the model's layers: a dense layer's 16 for GeLU with ffn = 4h (6 ffn/h
 * for SwiGLU); a MoE layer's over the experts' buffers (top_k x capacity copies of each token, and
 * those copies themselves, 2 each) and the shared experts, with the router's fp32 probabilities. */
static double mlp_act_units(const tm_model *m)
{
    double h = m->hidden, per = m->gated ? 6.0 : 4.0, dense = per * m->ffn / h;
    int moe = tm_model_moe_layers(m);
    if (!moe) return dense;
    double copies = m->top_k * m->capacity;
    double expert = per * (copies * m->expert_ffn + (double)m->shared_experts * shared_ffn(m)) / h + 2 * copies + 2.0 * m->experts / h;
    return ((m->layers - moe) * dense + moe * expert) / m->layers;
}

static void predict_memory(const tm_ctx *c, const tm_model *m, const tm_plan *pl, pred *x, const stage_split *sp, tm_result *r)
{
    tm_memory *M = &r->mem;
    int dp = x->dp, tp = x->tp, pp = x->pp, v = x->v;
    double e = x->e, ew = e, P_gpu = x->P_gpu, T = x->T;
    x->opt_B = pl->prec == PLAT_FP32 || pl->prec == PLAT_TF32 ? 8 : 12;
    M->weights_gib = P_gpu * ew / (pl->zero == 3 ? dp : 1) / GIB;
    M->grads_gib = P_gpu * x->grad_e / (pl->zero >= 2 ? dp : 1) / GIB;
    M->optimizer_gib = P_gpu * x->opt_B / (pl->zero >= 1 ? dp : 1) / GIB;
    double sbh = T * m->hidden * (e / 2);               /* the paper's unit is for 2-byte elements */
    double kvr = (double)m->kv_heads / m->heads;
    double split = 4 + 4 * kvr + 2 + (m->gated ? 6.0 : 4.0) * m->ffn / m->hidden; /* Q, K, V, attention out, MLP */
    if (m->experts > 0 || m->head_dim || m->kv_lora_rank > 0) split = attn_act_units(m) + mlp_act_units(m);
    double scores = pl->flash || pl->recompute != TM_RC_NONE ? 0 : 5.0 * m->heads * m->seq / m->hidden;
    double repl = 10;                                   /* norms' inputs, dropout masks, layer inputs */
    double per_layer_full = sbh * ((pl->seq_parallel ? repl / tp : repl) + (split + scores) / tp);
    double per_layer_keep = pl->recompute == TM_RC_FULL ? 2 * sbh / (pl->seq_parallel ? tp : 1) : per_layer_full;
    double interleave = pp > 1 && v > 1 ? 1 + (double)(pp - 1) / (pp * v) : 1, held = 0;
    for (int st = 0; st < pp; st++) {
        double inflight = fmin((double)x->mb, (double)(pp - st)) * interleave;
        held = fmax(held, stage_of(sp, st) * inflight);
    }
    double act = per_layer_keep * held;                 /* layer-micro-batches of the busiest stage */
    if (pl->recompute == TM_RC_FULL) act += per_layer_full;          /* the layer being recomputed */
    act += T * (double)m->vocab / tp * 4;                             /* fp32 logits on the last stage */
    M->activations_gib = act / GIB;
    M->buffers_gib = (pl->zero == 3 ? 2 * max_layer_params(m) / tp * e : 0) / GIB; /* gathered layers, prefetch */
    M->runtime_gib = 2;                                /* CUDA/HIP context, communication buffers, fragmentation */
    M->total_gib = M->weights_gib + M->grads_gib + M->optimizer_gib + M->activations_gib + M->buffers_gib + M->runtime_gib;
    M->capacity_gib = c->acc->memory_gb * 1e9 / GIB;
    M->margin_gib = TM_MEMORY_MARGIN * M->total_gib;
    M->fits = M->total_gib <= M->capacity_gib;
    M->at_limit = !M->fits && M->total_gib - M->margin_gib <= M->capacity_gib;
}

int tm_memory_may_fit(const tm_memory *m) { return m->fits || m->at_limit; }

/* The job: power, the run of `tokens` tokens, reliability (Young/Daly), energy, carbon, cost. */
static void predict_job(const tm_ctx *c, const tm_model *m, const tm_plan *pl, const pred *x, double tokens, tm_result *r)
{
    int nodes_used = (pl->gpus + c->gpn - 1) / c->gpn;
    r->power_it_mw = nodes_used * c->node_power_w / 1e6;
    r->tokens = tokens;
    r->steps = tokens > 0 ? ceil(tokens / r->tokens_per_step) : 1;
    r->time_to_train_s = r->steps * r->step_s;
    double rate_h = nodes_used * (c->node->mtbf_h > 0 ? 1 / c->node->mtbf_h : 0) +
                    pl->gpus * (c->acc->mtbf_h > 0 ? 1 / c->acc->mtbf_h : 0);
    r->job_mtbf_s = rate_h > 0 ? 3600 / rate_h : 0;
    /* a checkpoint: bf16/fp32 weights and the fp32 optimizer state of the whole model */
    r->checkpoint_B = r->params * (x->e + x->opt_B);
    const plat_storage *st = c->p->nstorage ? &c->p->storage[0] : NULL;
    r->goodput = 1;
    r->wall_time_s = r->time_to_train_s;
    if (st && st->write_gbs > 0) r->checkpoint_write_s = r->checkpoint_B / (st->write_gbs * 1e9);
    if (r->job_mtbf_s > 0) {
        r->interruptions = r->time_to_train_s / r->job_mtbf_s;
        if (r->checkpoint_write_s > 0) {
            /* Young/Daly: tau = sqrt(2 delta M) - delta; lost: the checkpoints, half an interval
             * of recomputed work and a restart (reading the checkpoint back) per failure */
            double d = r->checkpoint_write_s, M_s = r->job_mtbf_s;
            double restart = st->read_gbs > 0 ? r->checkpoint_B / (st->read_gbs * 1e9) : d;
            double tau = d < M_s / 2 ? sqrt(2 * d * M_s) - d : M_s;
            r->checkpoint_interval_s = tau;
            double waste = d / (tau + d) + (tau / 2 + restart) / M_s;
            r->goodput = waste < 1 ? 1 - waste : 0;
            r->wall_time_s = r->goodput > 0 ? r->time_to_train_s / r->goodput : INFINITY;
            r->interruptions = r->wall_time_s / M_s;
        }
    }
    r->gpu_hours = pl->gpus * r->wall_time_s / 3600;
    r->energy_it_mwh = r->power_it_mw * r->wall_time_s / 3600;
    r->energy_mwh = r->energy_it_mwh * c->p->facility.pue;
    r->carbon_t = r->energy_mwh * 1000 * c->p->facility.carbon_g_per_kwh / 1e6;
    r->cost_eur = r->energy_mwh * 1000 * c->p->facility.price_eur_per_kwh;
    r->data_Bps = r->tokens_per_s * (m->vocab > 65536 ? 4 : 2);
}

static int predict(const tm_ctx *c, const tm_model *m, const tm_plan *plan_in, double tokens, tm_result *r, explain *ex,
                   char *err, size_t n)
{
    memset(r, 0, sizeof *r);
    tm_plan plc = *plan_in, *pl = &plc;
    if (tm_model_check(m, c->names, err, n) || tm_plan_check(c, m, pl, err, n)) return -1;
    const plat_accel *acc = c->acc;
    const tm_stack *sk = tm_stack_of(pl);
    double factor = c->matmul_factor > 0 ? c->matmul_factor : sk->matmul;
    pred x = { 0 };
    x.sk = sk;
    x.split = pl->tp > 1 && (pl->seq_parallel || sk->pp_scatter_gather);
    x.h = (hw){ acc->peak_tflops[pl->prec] * 1e12 * c->eff_matmul * factor, acc->memory_tbs * 1e12 * c->eff_memory,
                prec_bytes(pl->prec), acc->compute_units, ex };
    if (ex) {
        ex->group = "layer";
        SAY(ex, "rates", _("matrix multiplications"), 0, _("%s TFLOP/s peak x %s achievable (MAMF) x %s in training (%s) = %s TFLOP/s"),
            num(ex, acc->peak_tflops[pl->prec], 4), num(ex, c->eff_matmul, 3), num(ex, factor, 3), sk->id,
            num(ex, x.h.flops / 1e12, 4));
        SAY(ex, "rates", _("memory"), 0, _("%s TB/s x %s = %s TB/s"), num(ex, acc->memory_tbs, 4), num(ex, c->eff_memory, 3),
            num(ex, x.h.mem_Bps / 1e12, 4));
    }
    x.e = x.h.e;
    x.grad_e = sk->grads_fp32 && (pl->prec == PLAT_BF16 || pl->prec == PLAT_FP8) ? 4 : x.e;   /* fp8 GEMMs on bf16 weights */
    x.dp = pl->dp, x.tp = pl->tp, x.pp = pl->pp, x.v = pl->vpp;
    x.mb = pl->gbs / ((long)x.dp * pl->mbs);
    r->dp = x.dp, r->micro_batches = (int)x.mb;
    x.Lps = (double)m->layers / x.pp;
    x.T = (double)pl->mbs * m->seq / pl->cp;
    stage_split sp;
    split_of(m, pl, c->names, &sp, err, n);           /* checked by tm_plan_check */
    x.n_first = stage_of(&sp, 0), x.n_last = stage_of(&sp, x.pp - 1), x.n_max = 0;
    for (int st = 0; st < x.pp; st++) {
        int layers = stage_of(&sp, st);
        if (st > 0 && st < x.pp - 1 && layers > x.n_mid) x.n_mid = layers;
        if (layers > x.n_max) x.n_max = layers;
    }
    int moe_layers = tm_model_moe_layers(m);
    if (!moe_layers) layer(c, m, pl, &x.h, 0, &x.L);
    else mean_layer(c, m, pl, &x.h, moe_layers, &x.L);

    predict_compute(c, m, pl, &x, r);
    predict_params(m, &x, r);
    predict_data_parallel(c, m, pl, &x, r);
    predict_parts(pl, m, &x, r);
    r->step_s = r->b.compute_s + r->b.tp_s + r->b.cp_s + r->b.pp_s + r->b.bubble_s + r->b.dp_s +
                r->b.zero_s + r->b.optimizer_s;
    assert(r->step_s > 0 && r->b.compute_s > 0);
    if (ex) {
        SAY(ex, "step", _("tensor-parallel communication"), r->b.tp_s, _("%ld micro-batches x %d layers, exposed"), x.mb, x.n_crit);
        if (pl->cp > 1)
            SAY(ex, "step", _("context-parallel exchange"), r->b.cp_s, _("%ld micro-batches x %d layers, exposed"), x.mb, x.n_crit);
        SAY(ex, "total", _("step"), r->step_s, "%s", _("the sum of the step's terms above"));
    }
    predict_flops(c, m, pl, &x, r);
    predict_memory(c, m, pl, &x, &sp, r);
    predict_job(c, m, pl, &x, tokens, r);
    return 0;
}

int tm_predict(const tm_ctx *c, const tm_model *m, const tm_plan *pl, double tokens, tm_result *r, char *err, size_t n)
{
    return predict(c, m, pl, tokens, r, NULL, err, n);
}

const char *tm_explain_group_title(const char *g)
{
    if (!strcmp(g, "rates")) return _("rates the terms use");
    if (!strcmp(g, "layer")) return _("one layer, one micro-batch, one GPU (forward; backward terms named)");
    if (!strcmp(g, "stage")) return _("the slowest pipeline stage");
    if (!strcmp(g, "step")) return _("the step");
    return _("total");
}

typedef struct term_list { tm_term *t; int n; size_t cap; } term_list;

static void keep_term(void *user, const char *group, const char *name, double seconds, const char *how)
{
    term_list *k = user;
    ut_grow(&k->t, &k->cap, (size_t)k->n + 1, sizeof *k->t);
    tm_term *t = &k->t[k->n++];
    ut_strlcpy(t->group, group, sizeof t->group);
    ut_strlcpy(t->name, name, sizeof t->name);
    ut_strlcpy(t->how, how, sizeof t->how);
    t->s = seconds;
}

int tm_predict_terms(const tm_ctx *c, const tm_model *m, const tm_plan *pl, double tokens, tm_result *r,
                     const ut_numstyle *numbers, tm_term **terms, int *count, char *err, size_t n)
{
    term_list k = { NULL, 0, 0 };
    int rc = tm_predict_explain(c, m, pl, tokens, r, keep_term, &k, numbers, err, n);
    if (rc != 0) free(k.t), k.t = NULL, k.n = 0;
    *terms = k.t, *count = k.n;
    return rc;
}

int tm_predict_explain(const tm_ctx *c, const tm_model *m, const tm_plan *pl, double tokens, tm_result *r,
                       tm_explain_fn fn, void *user, const ut_numstyle *st, char *err, size_t n)
{
    explain ex = { fn, user, st ? *st : (ut_numstyle){ ".", "", 0, 0, 0, 0 }, NULL, { { 0 } }, 0 };
    return predict(c, m, pl, tokens, r, fn ? &ex : NULL, err, n);
}

/* ------------------------------------------------------------------------------------------ */
/* Plan search */

static int cmp_ranked(const void *a, const void *b)
{
    const tm_ranked *x = a, *y = b;
    if (x->r.step_s != y->r.step_s) return x->r.step_s < y->r.step_s ? -1 : 1;
    if (x->r.mem.total_gib != y->r.mem.total_gib) return x->r.mem.total_gib < y->r.mem.total_gib ? -1 : 1;
    return 0;
}

/* Two plans of the same shape (tp, pp, vpp, cp, mbs, ZeRO, stages) that predict the same step and
 * memory are one row for a user: what else differs (recomputing nothing more, an overlap with
 * nothing to hide) changes nothing. The search tries the knob that does least first, and the row
 * kept is the first inserted. */
static int same_row(const tm_ranked *a, const tm_plan *pl, const tm_result *r)
{
    const tm_plan *q = &a->plan;
    return q->tp == pl->tp && q->pp == pl->pp && q->vpp == pl->vpp && q->cp == pl->cp && q->mbs == pl->mbs &&
           q->zero == pl->zero && q->first_layers == pl->first_layers && q->last_layers == pl->last_layers &&
           a->r.step_s == r->step_s && a->r.mem.total_gib == r->mem.total_gib;
}

/* Insert into out[0..*kept), sorted by cmp_ranked, keeping at most max entries. Rows that compare
 * equal sit together, so only that run is looked at for a same row. 0: merged into a row kept. */
static int insert_ranked(tm_ranked *out, int *kept, int max, const tm_plan *pl, const tm_result *r)
{
    tm_ranked item = { *pl, *r };
    int lo = 0, hi = *kept;                             /* first entry not before item */
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (cmp_ranked(&out[mid], &item) < 0) lo = mid + 1;
        else hi = mid;
    }
    for (int i = lo; i < *kept && cmp_ranked(&out[i], &item) == 0; i++)
        if (same_row(&out[i], pl, r)) return 0;
    while (lo < *kept && cmp_ranked(&out[lo], &item) == 0) lo++;   /* after its equals: first tried first */
    if (lo >= max) return 1;
    int last = *kept < max ? (*kept)++ : max - 1;
    memmove(&out[lo + 1], &out[lo], (size_t)(last - lo) * sizeof *out);
    out[lo] = item;
    return 1;
}

/* The values the search tries for one knob: the base plan's alone when it is fixed. */
static int knob(unsigned fixed, unsigned bit, int base_value, const int *all, int nall, int *out)
{
    if (fixed & bit) {
        out[0] = base_value;
        return 1;
    }
    memcpy(out, all, (size_t)nall * sizeof *out);
    return nall;
}

enum { KNOB_MAX = 64 };

/* Tensor parallelism: every divisor of a node's GPUs that the heads allow (tm_plan_check's rule). */
static int knob_tp(const tm_ctx *c, const tm_model *m, int *out)
{
    int n = 0;
    for (int tp = 1; tp <= c->gpn && n < KNOB_MAX; tp++)
        if (c->gpn % tp == 0 && m->heads % tp == 0 && (m->kv_heads % tp == 0 || tp % m->kv_heads == 0)) out[n++] = tp;
    return n;
}

/* Context parallelism: 1, and for long sequences the powers of two that the sequence allows with
 * at least TM_SEARCH_CP_CHUNK tokens per rank. */
static int knob_cp(const tm_model *m, int gpus, int *out)
{
    int n = 0;
    out[n++] = 1;
    if (m->seq < TM_SEARCH_CP_SEQ) return n;
    for (int cp = 2; cp <= gpus && m->seq / cp >= TM_SEARCH_CP_CHUNK && n < KNOB_MAX; cp *= 2)
        if (m->seq % (2 * cp) == 0 && gpus % cp == 0) out[n++] = cp;
    return n;
}

static int gcd(int a, int b)
{
    while (b) {
        int t = a % b;
        a = b, b = t;
    }
    return a;
}

/* Interleaving: every vpp that divides each stage's layers, or where the stack's chunks may be
 * unequal every vpp up to the smallest stage's layers (1 alone without a pipeline). */
static int knob_vpp(const tm_model *m, const tm_plan *pl, int *stages, int *out)
{
    int n = 0;
    out[n++] = 1;
    char err[256];
    if (pl->pp < 2 || tm_stage_layers(m, pl, stages, NULL, err, sizeof err) != 0) return n;
    int g = 0, least = stages[0];
    for (int st = 0; st < pl->pp; st++) g = gcd(g, stages[st]), least = stages[st] < least ? stages[st] : least;
    int uneven = tm_stack_of(pl)->uneven_chunks;
    for (int v = 2; v <= (uneven ? least : g) && n < KNOB_MAX; v++)
        if (uneven || g % v == 0) out[n++] = v;
    return n;
}

/* One search, and what it has kept so far. */
typedef struct search {
    const tm_ctx *c;
    const tm_model *m;
    unsigned fixed;
    tm_ranked *out;
    int max_out, kept, found;
    long evals;
} search;

/* Predict one candidate and rank it: -1 invalid, 0 over the memory, 1 kept (or merged). */
static int try_plan(search *s, tm_plan *pl)
{
    char err[512];
    tm_result r;
    if (tm_predict(s->c, s->m, pl, 0, &r, err, sizeof err) != 0) return -1;
    s->evals++;
    if (s->fixed & TM_FIT_SURE ? !r.mem.fits : !tm_memory_may_fit(&r.mem)) return 0;
    pl->dp = r.dp;
    s->found += s->max_out > 0 ? insert_ranked(s->out, &s->kept, s->max_out, pl, &r) : 1;
    return 1;
}

/* The micro-batch last, in powers of two: a larger one needs more memory and divides the batch
 * only when the smaller did, so the first that is over or does not divide ends the row. */
static void try_mbs(search *s, const tm_plan *base, tm_plan *pl)
{
    if (s->fixed & TM_FIX(TM_MBS)) {
        try_plan(s, pl);
        return;
    }
    for (int mbs = 1; mbs <= tm_limit_of(TM_MBS)->max; mbs *= 2) {
        long per = (long)pl->dp * mbs;
        if (per > base->gbs || base->gbs % per) break;
        pl->mbs = mbs;
        if (try_plan(s, pl) == 0) break;
    }
}

/* Every choice that does not change the plan's shape, for one (tp, cp, pp, vpp), among those the
 * plan's stack offers. */
static void try_knobs(search *s, const tm_plan *base, tm_plan pl)
{
    unsigned fx = s->fixed;
    const tm_stack *sk = tm_stack_of(base);
    int zeros[4], rcs[3], sps[2], flashes[2], ovs[2], tovs[2];
    int zmax = pl.dp > 1 ? (pl.pp > 1 ? tm_stack_zero_pp(sk) : 3) : 0;
    int nzero = knob(fx, TM_FIX(TM_ZERO), base->zero, (const int[]){ 0, 1, 2, 3 }, 1 + (sk->zero_max < zmax ? sk->zero_max : zmax), zeros);
    int nrc = knob(fx, TM_FIX_RECOMPUTE, (int)base->recompute,
                   sk->selective ? (const int[]){ TM_RC_NONE, TM_RC_SELECTIVE, TM_RC_FULL } : (const int[]){ TM_RC_NONE, TM_RC_FULL },
                   sk->selective ? 3 : 2, rcs);
    int nsp = knob(fx, TM_FIX_SEQ_PARALLEL, base->seq_parallel, (const int[]){ 0, 1 },
                   pl.tp > 1 && sk->seq_parallel != TM_OFFER_NO ? 2 : 1, sps);
    int nfl = knob(fx, TM_FIX_FLASH, base->flash, (const int[]){ 0, 1 }, sk->flash != TM_OFFER_NO ? 2 : 1, flashes);
    int nov = knob(fx | (pl.dp > 1 && sk->dp_overlap ? 0 : TM_FIX_OVERLAP), TM_FIX_OVERLAP, base->dp_overlap, (const int[]){ 1, 0 }, 2, ovs);
    int ntov = knob(fx | (pl.tp > 1 && sk->tp_overlap != TM_OFFER_NO ? 0 : TM_FIX_TP_OVERLAP), TM_FIX_TP_OVERLAP,
                    fx & TM_FIX_TP_OVERLAP ? base->tp_overlap : pl.tp > 1 && base->tp_overlap, (const int[]){ 1, 0 }, 2, tovs);
    for (int zi = 0; zi < nzero; zi++)
        for (int ri = 0; ri < nrc; ri++)
            for (int si = 0; si < nsp; si++)
                for (int fi = 0; fi < nfl; fi++)
                    for (int oi = 0; oi < nov; oi++)
                        for (int ti = 0; ti < ntov; ti++) {
                            pl.zero = zeros[zi], pl.recompute = (tm_recompute)rcs[ri], pl.seq_parallel = sps[si];
                            pl.flash = flashes[fi], pl.dp_overlap = ovs[oi], pl.tp_overlap = tovs[ti];
                            if (pl.tp_overlap && !pl.seq_parallel) continue;   /* it needs sequence parallelism */
                            try_mbs(s, base, &pl);
                        }
}

int tm_search_fixed(const tm_ctx *c, const tm_model *m, const tm_plan *base, unsigned fixed, tm_ranked *out, int max_out,
                    long *evaluated)
{
    search s = { .c = c, .m = m, .fixed = fixed, .out = out, .max_out = max_out };
    int tps[KNOB_MAX], cps[KNOB_MAX], vpps[KNOB_MAX];
    int ntp = fixed & TM_FIX(TM_TP) ? (tps[0] = base->tp, 1) : knob_tp(c, m, tps);
    int ncp = fixed & TM_FIX(TM_CP) ? (cps[0] = base->cp, 1) : knob_cp(m, base->gpus, cps);
    int pp_lo = fixed & TM_FIX(TM_PP) ? base->pp : 1, pp_hi = fixed & TM_FIX(TM_PP) ? base->pp : m->layers;
    int *stages = ut_malloc((size_t)(m->layers > base->pp ? m->layers : base->pp) * sizeof *stages);
    for (int ti = 0; ti < ntp; ti++)
        for (int ci = 0; ci < ncp; ci++)
            for (int pp = pp_lo; pp <= pp_hi; pp++) {
                /* every pp that divides the GPUs: a pp that does not divide the layers splits them by
                 * the stage rule (tm_stage_layers), lighter at the ends */
                long mp = (long)tps[ti] * pp * cps[ci];
                if (mp < 1 || base->gpus % mp) continue;
                tm_plan pl = *base;
                pl.tp = tps[ti], pl.cp = cps[ci], pl.pp = pp, pl.dp = (int)(base->gpus / mp), pl.vpp = 1;
                if (!(fixed & TM_FIX(TM_MBS))) pl.mbs = 1;
                int nvpp = fixed & TM_FIX(TM_VPP) ? (vpps[0] = base->vpp, 1) : knob_vpp(m, &pl, stages, vpps);
                for (int vi = 0; vi < nvpp; vi++) {
                    pl.vpp = vpps[vi];
                    try_knobs(&s, base, pl);
                }
            }
    free(stages);
    if (evaluated) *evaluated = s.evals;
    return s.found;
}

int tm_search(const tm_ctx *c, const tm_model *m, const tm_plan *base, tm_ranked *out, int max_out, long *evaluated)
{
    unsigned kept = TM_FIX(TM_CP) | TM_FIX_SEQ_PARALLEL | TM_FIX_FLASH | TM_FIX_OVERLAP | TM_FIX_TP_OVERLAP | TM_FIT_SURE;
    return tm_search_fixed(c, m, base, kept, out, max_out, evaluated);
}

/* A probe: the fixed knobs as given, the others at values that every plan check accepts (1, no
 * stages given, no interleaving unless pp is fixed too) and a batch that divides. */
int tm_search_check(const tm_ctx *c, const tm_model *m, const tm_plan *base, unsigned fixed, char *err, size_t n)
{
    tm_plan pl = *base;
    if (!(fixed & TM_FIX(TM_TP))) pl.tp = 1;
    if (!(fixed & TM_FIX(TM_PP))) pl.pp = 1;
    if (!(fixed & TM_FIX(TM_CP))) pl.cp = 1;
    if (!(fixed & TM_FIX(TM_MBS))) pl.mbs = 1;
    if (!(fixed & TM_FIX(TM_ZERO))) pl.zero = 0;
    if (pl.tp_overlap && !(fixed & TM_FIX_SEQ_PARALLEL)) pl.seq_parallel = 1;  /* the overlap asked needs it */
    if (!(fixed & TM_FIX(TM_VPP)) || !(fixed & TM_FIX(TM_PP))) pl.vpp = 1;
    if (!(fixed & TM_FIX(TM_PP))) pl.first_layers = pl.last_layers = 0;
    if (!(fixed & TM_FIX(TM_FIRST_LAYERS))) pl.first_layers = 0;
    if (!(fixed & TM_FIX(TM_LAST_LAYERS))) pl.last_layers = 0;
    if ((fixed & TM_FIX(TM_VPP)) && !(fixed & TM_FIX(TM_PP)) && base->vpp > 1) {
        /* interleaving asked, the pipeline searched: the first pp whose stages the vpp divides */
        int *stages = ut_malloc((size_t)m->layers * sizeof *stages), found = 0;
        for (int pp = 2; pp <= m->layers && !found; pp++) {
            long mp = (long)pl.tp * pp * pl.cp;
            pl.pp = pp;
            if (mp < 1 || pl.gpus % mp || tm_stage_layers(m, &pl, stages, NULL, err, n) != 0) continue;
            found = 1;
            for (int st = 0; st < pp; st++) found &= stages[st] % base->vpp == 0;
        }
        free(stages);
        if (!found) {
            snprintf(err, n, _("no pipeline on %d GPUs splits the %d layers into stages that %s %d divides"), pl.gpus,
                     m->layers, field_name(c->names, TM_VPP), base->vpp);
            return -1;
        }
        pl.vpp = base->vpp;
    }
    long mp = (long)pl.tp * pl.pp * pl.cp;
    if (mp >= 1 && pl.gpus >= 1 && pl.gpus % mp == 0 && pl.mbs >= 1 && pl.pp >= 1)
        pl.gbs = pl.gpus / mp * pl.mbs * pl.pp;
    if (tm_model_check(m, c->names, err, n) != 0) return -1;
    return tm_plan_check(c, m, &pl, err, n);
}
