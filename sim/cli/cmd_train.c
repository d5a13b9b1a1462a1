/* cmd_train.c: `usine predict`, `usine plan` and `usine validate`: the analytic training model of
 * train.h on a platform, for one plan, over every plan, and against published runs. */
#include "cli.h"
#include "ds.h"
#include "train.h"
#include "util.h"

#include <cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------------------------------------------------ */
/* Options shared by predict, plan and simulate step */

static void train_usage(FILE *out, const char *cmd)
{
    fprintf(out, _("Usage:\n"
                   "  usine %s --platform FILE|NAME [--partition ID]\n"
                   "        (--model NAME | --layers L --hidden H --heads A [--kv-heads K] [--ffn F] --vocab V --seq S)\n"
                   "        [--head-dim D] [--kv-lora-rank R --qk-nope-dim D --qk-rope-dim D --v-head-dim D [--q-lora-rank R]]\n"
                   "        [--experts E --top-k K --expert-ffn F [--shared-experts S] [--shared-ffn F] [--dense-first N]\n"
                   "         [--moe-every N] [--capacity-factor C] [--imbalance I]]\n"
                   "        --gpus N --gbs B [--tp T] [--pp P] [--vpp V] [--cp C] [--mbs M] [--zero 0-3]\n"
                   "        [--first-stage-layers N] [--last-stage-layers N] [--nodes N] [--routing POLICY]\n"
                   "        [--[no-]seq-parallel] [--recompute none|selective|full] [--precision fp32|tf32|fp16|bf16|fp8]\n"
                   "        [--[no-]flash] [--[no-]overlap] [--[no-]tp-overlap] [--stack NAME] [--tokens N] [--json]%s\n"),
            cmd, !strcmp(cmd, "predict") ? " [--explain]" : "");
    if (!strcmp(cmd, "plan"))
        fprintf(out, _("        [--top K]   (tp, pp, vpp, cp, mbs, zero, recompute, sequence parallelism, FlashAttention\n"
                       "        and the overlaps are searched among what the stack offers, unless given; cp only for\n"
                       "        sequences of %d tokens or more)\n"),
                TM_SEARCH_CP_SEQ);
    if (!strcmp(cmd, "simulate step"))
        fprintf(out, "%s", _("        [--trace FILE.json] [--every-message] [--jobs N]   (--jobs: N copies of the job side by\n"
                             "        side on the partition, each on the GPUs after the last, sharing its network)\n"
                             "        [--background FILE]   (collectives that run during the step, one per line as in\n"
                             "        'simulate collective --scenario': OP ALGO|- BYTES GPUS [START]; the job is on GPUs\n"
                             "        0 to gpus - 1, the background on the job's GPUs (sharing their NICs) or others)\n"
                             "        [--beside \"OPTIONS\"]...   (another job on the GPUs after the first: its model and\n"
                             "        plan as for this command, e.g. --beside \"--model llama2-70b --gpus 512 --tp 4 --pp 8\n"
                             "        --gbs 512\"; up to 8, each on the GPUs after the one before)\n"));
    fprintf(out, "%s", !strcmp(cmd, "plan")
                           ? _("Not given: --partition the platform's first, --precision bf16, --stack megatron-core; the search\n"
                               "tries every other knob that is not given.\n")
                           : _("Not given: --partition the platform's first, --precision bf16, --tp 1, --pp 1, --vpp 1, --cp 1,\n"
                               "--mbs 1, --zero 0, --recompute none, --stack megatron-core (which sets --flash and --overlap).\n"));
    fprintf(out, "%s", _("Data parallel = gpus / (tp x pp x cp). Batches are in sequences. --tokens takes 300e9 or 300B, 15T.\n"
                         "Stages: when pp does not divide the layers, the stages at the ends get one layer less, from the\n"
                         "last inwards (70 layers on 12 stages: 5, 6 x 10, 5); --first-stage-layers and --last-stage-layers\n"
                         "set the ends, and the other stages share the rest evenly.\n"
                         "--nodes N: the partition with N nodes (what if the machine were larger?); its network grows\n"
                         "by its own rules (a fat tree adds levels) and says which limit stops it. --routing POLICY\n"
                         "replaces the network's (dragonfly adaptive, minimal or valiant; fat tree spray, ecmp or adaptive).\n"
                         "--stack NAME: the training software assumed (default megatron-core; 'usine stacks' lists them\n"
                         "and what each offers). --overlap: the data-parallel reduction behind the backward pass;\n"
                         "--tp-overlap: the tensor-parallel collectives behind the matrix multiplies (with --seq-parallel).\n"
                         "Mixture of experts: --experts routed experts per MoE layer, --top-k of them per token, each of\n"
                         "--expert-ffn; --dense-first N dense layers first, then one MoE layer in --moe-every (1: all);\n"
                         "--capacity-factor: each expert computes capacity x its mean tokens (default 1); --imbalance: the\n"
                         "busiest expert's tokens over the mean (default 1). Every expert is on every GPU (no expert\n"
                         "parallelism yet). Model FLOPs and MFU count the active parameters (6 x active x tokens + attention).\n"
                         "Attention: --head-dim when it is not hidden / heads; multi-head latent attention (DeepSeek-V3)\n"
                         "with --kv-lora-rank and the head sizes --qk-nope-dim, --qk-rope-dim, --v-head-dim.\n"
                         "--model: "));
    int n;
    const tm_model *m = tm_model_presets(&n);
    for (int i = 0; i < n; i++) fprintf(out, "%s%s", m[i].id, i + 1 < n ? ", " : "\n");
}

/* The model's and the plan's fields as options, for the core's messages ("use --tp 4 or less"). */
static tm_names cli_field_names = {
    [TM_LAYERS] = "--layers", [TM_HIDDEN] = "--hidden", [TM_HEADS] = "--heads", [TM_KV_HEADS] = "--kv-heads",
    [TM_FFN] = "--ffn", [TM_VOCAB] = "--vocab", [TM_SEQ] = "--seq", [TM_GPUS] = "--gpus", [TM_TP] = "--tp",
    [TM_PP] = "--pp", [TM_VPP] = "--vpp", [TM_CP] = "--cp", [TM_GBS] = "--gbs", [TM_MBS] = "--mbs", [TM_ZERO] = "--zero",
    [TM_FIRST_LAYERS] = "--first-stage-layers", [TM_LAST_LAYERS] = "--last-stage-layers",
    [TM_HEAD_DIM] = "--head-dim", [TM_Q_LORA_RANK] = "--q-lora-rank", [TM_KV_LORA_RANK] = "--kv-lora-rank",
    [TM_QK_NOPE_DIM] = "--qk-nope-dim", [TM_QK_ROPE_DIM] = "--qk-rope-dim", [TM_V_HEAD_DIM] = "--v-head-dim",
    [TM_EXPERTS] = "--experts", [TM_TOP_K] = "--top-k", [TM_EXPERT_FFN] = "--expert-ffn",
    [TM_SHARED_EXPERTS] = "--shared-experts", [TM_SHARED_FFN] = "--shared-ffn", [TM_DENSE_FIRST] = "--dense-first",
    [TM_MOE_EVERY] = "--moe-every", [TM_CAPACITY] = "--capacity-factor", [TM_IMBALANCE] = "--imbalance",
};

#define TRAIN_MAX_JOBS 64     /* --jobs */
#define TRAIN_MAX_BESIDE 8

typedef struct train_opts {
    const char *platform, *partition, *trace, *routing;
    tm_model model;
    int have_model;
    tm_plan plan;
    double tokens;
    int json, top, explain, every_message;
    int jobs;                   /* --jobs: copies of the job side by side (simulate step) */
    const char *background;     /* --background FILE: collectives that run during the step (simulate step) */
    const char *beside[TRAIN_MAX_BESIDE];   /* --beside "OPTIONS": other jobs after it (simulate step) */
    int nbeside;
    int precision_given;        /* --precision was given (else bf16, the default) */
    long beside_gpus;           /* their GPUs, all together (set by simulate_step before train_open) */
    cli_scenario *bg;           /* read by train_open */
    unsigned fixed;             /* TM_FIX bits of the plan's knobs given on the command line */
    long nodes;                 /* --nodes: the partition grown or shrunk to that many (0: as the file has it) */
    long file_nodes;            /* the file's count, when --nodes changed it */
} train_opts;

/* "300e9", "300B", "15T", "2M": a count */
static int parse_count(const char *s, double *out)
{
    char buf[64];
    size_t n = strlen(s);
    if (!n || n >= sizeof buf) return -1;
    memcpy(buf, s, n + 1);
    double scale = 1;
    switch (buf[n - 1]) {
    case 'K': case 'k': scale = 1e3; break;
    case 'M': scale = 1e6; break;
    case 'B': case 'G': scale = 1e9; break;
    case 'T': scale = 1e12; break;
    default: break;
    }
    if (scale > 1) buf[n - 1] = '\0';
    if (ut_parse_double(buf, out) != 0) return -1;
    *out *= scale;
    return isfinite(*out) && *out >= 0 ? 0 : -1;
}

/* The numbers an option sets, named and ranged as the core says (and --top). */
typedef struct int_opt { const char *name; int *slot; long min, max; } int_opt;

/* Is a an option of cmd that takes a value? */
static int takes_value(const char *a, const char *cmd, const int_opt *ints, size_t nints)
{
    static const char *const named[] = { "--nodes", "--platform", "--partition", "--model", "--gbs", "--tokens",
                                         "--recompute", "--precision", "--routing", "--stack", "--capacity-factor", "--imbalance" };
    for (size_t k = 0; k < nints; k++)
        if (!strcmp(a, ints[k].name))
            return !strcmp(a, "--top") ? !strcmp(cmd, "plan") : !strcmp(a, "--jobs") ? !strcmp(cmd, "simulate step") : 1;
    for (size_t k = 0; k < sizeof named / sizeof *named; k++)
        if (!strcmp(a, named[k])) return 1;
    return (!strcmp(a, "--trace") || !strcmp(a, "--background") || !strcmp(a, "--beside")) && !strcmp(cmd, "simulate step");
}

/* Returns -1 when the arguments are fine, else the exit status (help: 0, bad usage: 2). */
static int train_parse(int argc, char **argv, const char *cmd, train_opts *o)
{
    memset(o, 0, sizeof *o);
    o->plan = tm_plan_default();
    o->plan.gpus = 0;
    o->top = 10;
    const char *model = NULL;
    /* the model's and the plan's numbers, named and ranged as the core says (tm_limit_of) */
    struct { tm_field f; int *slot; } fields[] = {
        { TM_LAYERS, &o->model.layers }, { TM_HIDDEN, &o->model.hidden }, { TM_HEADS, &o->model.heads },
        { TM_KV_HEADS, &o->model.kv_heads }, { TM_FFN, &o->model.ffn }, { TM_VOCAB, &o->model.vocab },
        { TM_SEQ, &o->model.seq }, { TM_GPUS, &o->plan.gpus }, { TM_TP, &o->plan.tp }, { TM_PP, &o->plan.pp },
        { TM_VPP, &o->plan.vpp }, { TM_CP, &o->plan.cp }, { TM_MBS, &o->plan.mbs }, { TM_ZERO, &o->plan.zero },
        { TM_FIRST_LAYERS, &o->plan.first_layers }, { TM_LAST_LAYERS, &o->plan.last_layers },
        { TM_HEAD_DIM, &o->model.head_dim }, { TM_Q_LORA_RANK, &o->model.q_lora_rank },
        { TM_KV_LORA_RANK, &o->model.kv_lora_rank }, { TM_QK_NOPE_DIM, &o->model.qk_nope_dim },
        { TM_QK_ROPE_DIM, &o->model.qk_rope_dim }, { TM_V_HEAD_DIM, &o->model.v_head_dim },
        { TM_EXPERTS, &o->model.experts }, { TM_TOP_K, &o->model.top_k }, { TM_EXPERT_FFN, &o->model.expert_ffn },
        { TM_SHARED_EXPERTS, &o->model.shared_experts }, { TM_SHARED_FFN, &o->model.shared_ffn },
        { TM_DENSE_FIRST, &o->model.dense_first }, { TM_MOE_EVERY, &o->model.moe_every },
    };
    /* the attention and MoE options given (they may be 0, so "given" cannot be read from the value) */
    int moe_given[TM_FIELD_COUNT] = { 0 };
    double capacity = 0, imbalance = 0;
    enum { NFIELDS = sizeof fields / sizeof *fields };
    int_opt ints[NFIELDS + 2];
    for (size_t k = 0; k < NFIELDS; k++) {
        const tm_limit *l = tm_limit_of(fields[k].f);
        ints[k].name = cli_field_names[fields[k].f], ints[k].slot = fields[k].slot, ints[k].min = l->min, ints[k].max = l->max;
    }
    ints[NFIELDS].name = "--top", ints[NFIELDS].slot = &o->top, ints[NFIELDS].min = 1, ints[NFIELDS].max = 100000;
    ints[NFIELDS + 1].name = "--jobs", ints[NFIELDS + 1].slot = &o->jobs, ints[NFIELDS + 1].min = 1, ints[NFIELDS + 1].max = TRAIN_MAX_JOBS;
    o->jobs = 1;
    long gbs = 0;
    int switches[4] = { -1, -1, -1, -1 }; /* seq_parallel, flash, dp_overlap, tp_overlap as given; -1: not given */
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) { train_usage(stdout, cmd); return CLI_OK; }
        if (!strcmp(a, "--json")) { o->json = 1; continue; }
        if (!strcmp(a, "--explain") && !strcmp(cmd, "predict")) { o->explain = 1; continue; }
        if (!strcmp(a, "--every-message") && !strcmp(cmd, "simulate step")) { o->every_message = 1; continue; }
        /* switches: each given is fixed for plan, the last of a pair wins; applied after the loop, so
         * that they override the defaults of a --stack given anywhere */
        static const struct { const char *name; unsigned bit; int value; } sw[] = {
            { "--seq-parallel", TM_FIX_SEQ_PARALLEL, 1 }, { "--no-seq-parallel", TM_FIX_SEQ_PARALLEL, 0 },
            { "--flash", TM_FIX_FLASH, 1 }, { "--no-flash", TM_FIX_FLASH, 0 },
            { "--overlap", TM_FIX_OVERLAP, 1 }, { "--no-overlap", TM_FIX_OVERLAP, 0 },
            { "--tp-overlap", TM_FIX_TP_OVERLAP, 1 }, { "--no-tp-overlap", TM_FIX_TP_OVERLAP, 0 },
        };
        size_t w;
        for (w = 0; w < sizeof sw / sizeof *sw && strcmp(a, sw[w].name); w++) {}
        if (w < sizeof sw / sizeof *sw) {
            switches[w / 2] = sw[w].value;
            o->fixed |= sw[w].bit;
            continue;
        }
        if (i + 1 >= argc || strncmp(a, "--", 2)) {
            if (strncmp(a, "--", 2)) cli_error(_("unexpected argument '%s'; see 'usine %s --help'"), a, cmd);
            else if (!takes_value(a, cmd, ints, sizeof ints / sizeof *ints))
                cli_error(_("unknown option '%s' for 'usine %s'; see 'usine %s --help'"), a, cmd, cmd);
            else cli_error(_("%s needs a value; see 'usine %s --help'"), a, cmd);
            return CLI_BAD_INPUT;
        }
        const char *v = argv[++i];
        size_t k;
        for (k = 0; k < sizeof ints / sizeof *ints; k++)
            if (!strcmp(a, ints[k].name)) break;
        if (k < sizeof ints / sizeof *ints) {
            if (!strcmp(a, "--top") && strcmp(cmd, "plan")) goto unknown;
            if (!strcmp(a, "--jobs") && strcmp(cmd, "simulate step")) goto unknown;
            long x;
            if (ut_parse_long(v, ints[k].min, ints[k].max, &x) != 0) {
                cli_error(_("%s takes a whole number from %ld to %ld, not '%s'"), a, ints[k].min, ints[k].max, v);
                return CLI_BAD_INPUT;
            }
            *ints[k].slot = (int)x;
            if (k < NFIELDS && fields[k].f <= TM_LAST_LAYERS) o->fixed |= TM_FIX(fields[k].f);
            if (k < NFIELDS && fields[k].f >= TM_HEAD_DIM) moe_given[fields[k].f] = 1;
        } else if (!strcmp(a, "--capacity-factor") || !strcmp(a, "--imbalance")) {
            double x;
            if (ut_parse_double(v, &x) != 0 || !isfinite(x)) {
                cli_error(_("%s takes a number such as 1.25, not '%s'"), a, v);
                return CLI_BAD_INPUT;
            }
            tm_field f = !strcmp(a, "--imbalance") ? TM_IMBALANCE : TM_CAPACITY;
            *(f == TM_IMBALANCE ? &imbalance : &capacity) = x;
            moe_given[f] = 1;
        } else if (!strcmp(a, "--nodes")) {
            if (ut_parse_long(v, 1, PLAT_MAX_NODES_TOTAL, &o->nodes) != 0) {
                cli_error(_("--nodes takes a whole number of nodes from 1 to %ld, not '%s'"), PLAT_MAX_NODES_TOTAL, v);
                return CLI_BAD_INPUT;
            }
        } else if (!strcmp(a, "--stack")) {
            int sk = tm_stack_find(v);
            if (sk < 0) {
                cli_error(_("unknown --stack '%s'; 'usine stacks' lists them"), v);
                return CLI_BAD_INPUT;
            }
            tm_stack_apply(sk, &o->plan);
        } else if (!strcmp(a, "--platform")) o->platform = v;
        else if (!strcmp(a, "--routing")) o->routing = v;
        else if (!strcmp(a, "--partition")) o->partition = v;
        else if (!strcmp(a, "--model")) model = v;
        else if (!strcmp(a, "--trace") && !strcmp(cmd, "simulate step")) o->trace = v;
        else if (!strcmp(a, "--background") && !strcmp(cmd, "simulate step")) o->background = v;
        else if (!strcmp(a, "--beside") && !strcmp(cmd, "simulate step")) {
            if (o->nbeside == TRAIN_MAX_BESIDE) {
                cli_error(_("at most %d --beside jobs"), TRAIN_MAX_BESIDE);
                return CLI_BAD_INPUT;
            }
            o->beside[o->nbeside++] = v;
        }
        else if (!strcmp(a, "--gbs")) {
            if (ut_parse_long(v, tm_limit_of(TM_GBS)->min, tm_limit_of(TM_GBS)->max, &gbs) != 0) {
                cli_error(_("--gbs takes a whole number of sequences of at least 1, not '%s'"), v);
                return CLI_BAD_INPUT;
            }
        } else if (!strcmp(a, "--tokens")) {
            if (parse_count(v, &o->tokens) != 0 || !(o->tokens > 0) || o->tokens > 1e18) {
                cli_error(_("--tokens takes a positive count such as 300e9, 300B or 15T, not '%s'"), v);
                return CLI_BAD_INPUT;
            }
        } else if (!strcmp(a, "--recompute")) {
            int r = tm_recompute_from_name(v);
            if (r < 0) {
                cli_error(_("unknown --recompute '%s' (none, selective or full)"), v);
                return CLI_BAD_INPUT;
            }
            o->plan.recompute = (tm_recompute)r;
            o->fixed |= TM_FIX_RECOMPUTE;
        } else if (!strcmp(a, "--precision")) {
            int p = plat_prec_from_name(v);
            if (p < 0 || p == PLAT_FP64) {
                cli_error(_("unknown --precision '%s' (fp32, tf32, fp16, bf16 or fp8)"), v);
                return CLI_BAD_INPUT;
            }
            o->plan.prec = p;
            o->precision_given = 1;
        } else {
        unknown:
            cli_error(_("unknown option '%s' for 'usine %s'; see 'usine %s --help'"), a, cmd, cmd);
            return CLI_BAD_INPUT;
        }
    }
    o->plan.gbs = gbs;
    int *const slots[4] = { &o->plan.seq_parallel, &o->plan.flash, &o->plan.dp_overlap, &o->plan.tp_overlap };
    for (int k = 0; k < 4; k++)
        if (switches[k] >= 0) *slots[k] = switches[k];  /* else the stack's (overlap, attention kernel) */
    if (model) {
        const tm_model *m = tm_model_preset(model);
        if (!m) {
            cli_error(_("unknown --model '%s'; see 'usine %s --help' for the list"), model, cmd);
            return CLI_BAD_INPUT;
        }
        /* o->model holds the shape options given (0: not given, every one is at least 1) */
        tm_model given = o->model;
        o->model = *m;
        int *const to[] = { &o->model.layers, &o->model.hidden, &o->model.heads, &o->model.kv_heads, &o->model.ffn,
                            &o->model.vocab, &o->model.seq };
        const int from[] = { given.layers, given.hidden, given.heads, given.kv_heads, given.ffn, given.vocab, given.seq };
        for (size_t i = 0; i < sizeof from / sizeof *from; i++)
            if (from[i]) *to[i] = from[i];
        for (size_t k = 0; k < NFIELDS; k++)   /* the attention and MoE options given, 0 included */
            if (fields[k].f >= TM_HEAD_DIM && moe_given[fields[k].f]) {
                size_t off = (size_t)((char *)fields[k].slot - (char *)&o->model);
                *fields[k].slot = *(const int *)((const char *)&given + off);
            }
    } else {
        if (!o->model.layers || !o->model.hidden || !o->model.heads || !o->model.vocab || !o->model.seq) {
            cli_error(_("give --model NAME, or the shape: --layers, --hidden, --heads, --vocab and --seq"));
            return CLI_BAD_INPUT;
        }
        snprintf(o->model.id, sizeof o->model.id, "custom");
        snprintf(o->model.name, sizeof o->model.name, "L%d H%d", o->model.layers, o->model.hidden);
        if (!o->model.kv_heads) o->model.kv_heads = o->model.heads;
        if (!o->model.ffn) o->model.ffn = 4 * o->model.hidden;
        o->model.tied = 1;
    }
    /* a mixture of experts: capacity and imbalance 1 unless given (a preset's own otherwise); given
     * without experts, the model's check says that they need --experts */
    if (moe_given[TM_CAPACITY]) o->model.capacity = capacity;
    else if (o->model.experts > 0 && o->model.capacity == 0) o->model.capacity = 1;
    if (moe_given[TM_IMBALANCE]) o->model.imbalance = imbalance;
    else if (o->model.experts > 0 && o->model.imbalance == 0) o->model.imbalance = 1;
    if (!o->platform) {
        cli_error(_("'usine %s' needs --platform (a file or a preset such as jean-zay)"), cmd);
        return CLI_BAD_INPUT;
    }
    if (!o->plan.gpus || !o->plan.gbs) {
        cli_error(_("'usine %s' needs --gpus and --gbs (the global batch in sequences)"), cmd);
        return CLI_BAD_INPUT;
    }
    char err[256];
    if (tm_model_check(&o->model, &cli_field_names, err, sizeof err) != 0) {
        cli_error("%s", err);
        return CLI_BAD_INPUT;
    }
    return -1;
}

/* The partition's accelerator has no peak in the plan's precision: say which partition and
 * precision were taken by default, what the accelerator offers and where the precision is. */
static int no_peak_said(const train_opts *o, const plat_platform *p, int part)
{
    const plat_partition *pt = &p->partitions[part];
    int a = p->node_types[pt->node].accel;
    if (a < 0 || p->accels[a].peak_tflops[o->plan.prec] > 0) return 0;
    const plat_accel *acc = &p->accels[a];
    const char *want = plat_prec_name((plat_prec)o->plan.prec);
    char has[128], elsewhere[256];
    plat_prec_offer(p, part, (plat_prec)o->plan.prec, has, sizeof has, elsewhere, sizeof elsewhere);
    char which[160], prec[96], fix[320];
    if (o->partition) snprintf(which, sizeof which, _("partition '%s'"), pt->id);
    else snprintf(which, sizeof which, _("partition '%s' (the first, taken without --partition)"), pt->id);
    if (o->precision_given) snprintf(prec, sizeof prec, "%s", want);
    else snprintf(prec, sizeof prec, _("%s (the default --precision)"), want);
    if (has[0] && elsewhere[0]) snprintf(fix, sizeof fix, _("give --precision %s, or --partition %s"), has, elsewhere);
    else if (has[0]) snprintf(fix, sizeof fix, _("give --precision %s"), has);
    else if (elsewhere[0]) snprintf(fix, sizeof fix, _("give --partition %s"), elsewhere);
    else snprintf(fix, sizeof fix, "%s", _("no partition of this platform trains in it"));
    cli_error(_("%s of %s: its %s has no %s peak in the platform file; %s"), which, p->id, acc->name ? acc->name : acc->id, prec, fix);
    return 1;
}

/* Load the platform, find the partition, prepare the model's context for opts->plan.gpus GPUs. */
static int train_open(train_opts *o, plat_platform **pp, tm_ctx **ctx, int *partition)
{
    *pp = cli_load_platform(o->platform, NULL, 0);
    if (!*pp) return CLI_BAD_INPUT;
    plat_platform *p = *pp;
    int part = o->partition ? plat_find_partition(p, o->partition) : 0;
    if (part < 0) {
        cli_error(_("platform '%s' has no partition '%s'; see 'usine platform show %s'"), p->id, o->partition, o->platform);
        return CLI_BAD_INPUT;
    }
    *partition = part;
    char err[512];
    const plat_partition *pt = &p->partitions[part];
    if (no_peak_said(o, p, part)) return CLI_BAD_INPUT;
    long file_nodes = pt->nodes;
    if (o->nodes && plat_resize_partition(p, part, o->nodes, err, sizeof err) != 0) {
        cli_error("--nodes %ld: %s", o->nodes, err);
        return CLI_BAD_INPUT;
    }
    if (o->nodes && o->nodes != file_nodes) o->file_nodes = file_nodes;
    if (o->routing) {
        /* the network's routing replaced: the analytic model prices it and the simulator routes by it */
        plat_network *nw = &p->networks[pt->network];
        int r = plat_routing_parse(nw, o->routing, err, sizeof err);
        if (r < 0) {
            cli_error("--routing: %s", err);
            return CLI_BAD_INPUT;
        }
        nw->routing = r;
    }
    long have = (long)pt->nodes * p->node_types[pt->node].accels_per_node;
    char na[48], nb[48], nc[48];   /* counts as the rest of the output writes them ("4,568", "4 568") */
    if (o->plan.gpus > have) {
        cli_error(_("%s GPUs asked, partition '%s' of %s has %s; --nodes N asks for a larger machine"),
                  app_num(na, sizeof na, o->plan.gpus, 0), pt->id, p->id, app_num(nb, sizeof nb, (double)have, 0));
        return CLI_BAD_INPUT;
    }
    if ((long)o->plan.gpus * o->jobs > have) {
        cli_error(_("%d jobs of %s GPUs need %s GPUs, partition '%s' of %s has %s; fewer --jobs or --gpus, or --nodes N"),
                  o->jobs, app_num(na, sizeof na, o->plan.gpus, 0), app_num(nb, sizeof nb, (double)o->plan.gpus * o->jobs, 0), pt->id,
                  p->id, app_num(nc, sizeof nc, (double)have, 0));
        return CLI_BAD_INPUT;
    }
    long span = (long)o->plan.gpus * o->jobs + o->beside_gpus;
    if (span > have) {
        cli_error(_("the jobs side by side need %s GPUs (%s for the --beside jobs), partition '%s' of %s has %s; "
                    "fewer GPUs, or --nodes N"), app_num(na, sizeof na, (double)span, 0), app_num(nb, sizeof nb, (double)o->beside_gpus, 0),
                  pt->id, p->id, app_num(nc, sizeof nc, (double)have, 0));
        return CLI_BAD_INPUT;
    }
    if (o->background) {
        /* its collectives may name any GPU of the partition: the simulated network spans them */
        if (!(o->bg = cli_scenario_read(o->background, have))) return CLI_BAD_INPUT;
        if (cli_scenario_span(o->bg) > span) span = cli_scenario_span(o->bg);
    }
    *ctx = tm_ctx_create(p, part, (int)span, err, sizeof err);
    if (!*ctx) {
        cli_error("%s", err);
        return CLI_BAD_INPUT;
    }
    tm_ctx_set_names(*ctx, &cli_field_names);
    return CLI_OK;
}

/* A what-if machine says so, under the first line of a command's text output. */
static void print_what_if(const train_opts *o, const plat_platform *p, int part)
{
    if (!o->file_nodes) return;
    const plat_network *nw = &p->networks[p->partitions[part].network];
    char a[48], b[48], levels[96] = "";
    if (nw->topology == PLAT_TOPO_FAT_TREE) snprintf(levels, sizeof levels, _(", a fat tree of %d levels"), nw->levels);
    printf(_("  what-if        partition %s with %s nodes (the file has %s)%s\n"), p->partitions[part].id,
           app_num(a, sizeof a, (double)p->partitions[part].nodes, 0), app_num(b, sizeof b, (double)o->file_nodes, 0), levels);
}

static const char *pct(char *buf, size_t n, double x) { return app_num(buf, n, x * 100, 1); }

/* A mixture of experts, under the first line of predict's text: its shape, and the convention of
 * the model FLOPs (6 x active parameters x tokens, plus attention). */
static void print_experts(const tm_model *m, const tm_result *r)
{
    char a[48], b[48], d[48], e[48];
    printf(_("  experts        %d routed (top %d) and %d shared in %d of %d layers, every expert on every GPU (no expert "
             "parallelism yet); capacity factor %s, imbalance %s\n"),
           m->experts, m->top_k, m->shared_experts, tm_model_moe_layers(m), m->layers, app_sig(a, sizeof a, m->capacity, 3),
           app_sig(b, sizeof b, m->imbalance, 3));
    printf(_("  active         %s billion parameters per token of %s: model FLOPs are 6 x active x tokens + attention, "
             "MFU counts them\n"),
           app_num(d, sizeof d, r->active_params / 1e9, 2), app_num(e, sizeof e, r->params / 1e9, 1));
}

/* Three significant figures, so that a CPU's 0.233 TFLOP/s does not print as 0. */
static const char *sig3(char *buf, size_t n, double x) { return app_sig(buf, n, x, 3); }

/* A quantity given in mega-units (MW, MWh) or tonnes, written with the prefix that reads best:
 * a laptop draws 30 W, not 0.00 MW. */
static const char *scaled(char *buf, size_t n, double mega, const char *const unit[3])
{
    char v[48];
    int k = mega >= 1 ? 2 : mega >= 1e-3 ? 1 : 0;
    snprintf(buf, n, "%s %s", sig3(v, sizeof v, mega * (k == 2 ? 1 : k == 1 ? 1e3 : 1e6)), unit[k]);
    return buf;
}
static const char *power(char *buf, size_t n, double mw) { return scaled(buf, n, mw, (const char *const[3]){ "W", "kW", "MW" }); }
static const char *energy(char *buf, size_t n, double mwh) { return scaled(buf, n, mwh, (const char *const[3]){ "Wh", "kWh", "MWh" }); }
static const char *carbon(char *buf, size_t n, double t) { return scaled(buf, n, t, (const char *const[3]){ "g", "kg", "t" }); }

static const char *duration(char *buf, size_t n, double s)
{
    char a[48];
    if (!isfinite(s)) snprintf(buf, n, "%s", _("never"));
    else if (s >= 2 * 86400) snprintf(buf, n, _("%s days"), app_num(a, sizeof a, s / 86400, 1));
    else if (s >= 2 * 3600) snprintf(buf, n, _("%s hours"), app_num(a, sizeof a, s / 3600, 1));
    else return app_time(buf, n, s);
    return buf;
}

/* The plan table's overlap column: the data-parallel and tensor-parallel overlaps on. */
static const char *overlap_name(const tm_plan *pl)
{
    return pl->dp_overlap ? (pl->tp_overlap ? "dp+tp" : "dp") : pl->tp_overlap ? "tp" : _("no");
}

static void plan_line(char *buf, size_t n, const tm_model *m, const tm_plan *pl, int dp)
{
    char vpp[32] = "", split[256], stages[300] = "";
    if (pl->vpp > 1) snprintf(vpp, sizeof vpp, " --vpp %d", pl->vpp);
    if (*tm_stage_split_text(m, pl, split, sizeof split)) snprintf(stages, sizeof stages, _(" (stages of %s layers)"), split);
    snprintf(buf, n, "--tp %d --pp %d%s%s --cp %d (dp %d) --mbs %d --zero %d --recompute %s%s%s%s%s", pl->tp, pl->pp, vpp, stages,
             pl->cp, dp, pl->mbs, pl->zero, tm_recompute_name(pl->recompute), pl->seq_parallel ? " --seq-parallel" : "",
             pl->flash ? " --flash" : "", pl->dp_overlap ? "" : " --no-overlap", pl->tp_overlap ? " --tp-overlap" : "");
}

/* The prediction's fields as the core names them (tm_result_fields) into o: the top-level ones and
 * each group as an object; only the fields of group `only` (directly into o) when it is not NULL. */
static void result_json(cJSON *o, const tm_result *r, const char *only)
{
    int n;
    const tm_result_field *f = tm_result_fields(&n);
    for (int i = 0; i < n; i++) {
        if (!tm_result_field_in_json(r, &f[i])) continue;
        if (only && (!f[i].group || strcmp(f[i].group, only))) continue;
        cJSON *into = o;
        if (f[i].group && !only) {
            into = cJSON_GetObjectItemCaseSensitive(o, f[i].group);
            if (!into) into = cJSON_AddObjectToObject(o, f[i].group);
        }
        double v = tm_result_value(r, &f[i]);
        if (f[i].json == TM_JSON_NULL_IF_ZERO && !(v > 0)) cJSON_AddNullToObject(into, f[i].name);
        else if (f[i].type == TM_FIELD_BOOL) cJSON_AddBoolToObject(into, f[i].name, v != 0);
        else cJSON_AddNumberToObject(into, f[i].name, v);
    }
}

static cJSON *train_breakdown_json(const tm_result *r)
{
    cJSON *b = cJSON_CreateObject();
    result_json(b, r, "breakdown");
    return b;
}

static cJSON *plan_json(const tm_model *m, const tm_plan *pl, int dp)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "gpus", pl->gpus);
    cJSON_AddNumberToObject(o, "tp", pl->tp);
    cJSON_AddNumberToObject(o, "pp", pl->pp);
    int *st = ut_malloc((size_t)(pl->pp > 0 ? pl->pp : 1) * sizeof *st);
    char err[256];
    if (pl->pp >= 1 && pl->pp <= m->layers && tm_stage_layers(m, pl, st, NULL, err, sizeof err) == 0)
        cJSON_AddItemToObject(o, "stage_layers", cJSON_CreateIntArray(st, pl->pp));
    free(st);
    cJSON_AddNumberToObject(o, "vpp", pl->vpp);
    cJSON_AddNumberToObject(o, "cp", pl->cp);
    cJSON_AddNumberToObject(o, "dp", dp);
    cJSON_AddNumberToObject(o, "gbs", (double)pl->gbs);
    cJSON_AddNumberToObject(o, "mbs", pl->mbs);
    cJSON_AddNumberToObject(o, "zero", pl->zero);
    cJSON_AddBoolToObject(o, "seq_parallel", pl->seq_parallel);
    cJSON_AddStringToObject(o, "recompute", tm_recompute_name(pl->recompute));
    cJSON_AddStringToObject(o, "precision", plat_prec_name((plat_prec)pl->prec));
    cJSON_AddBoolToObject(o, "flash", pl->flash);
    cJSON_AddBoolToObject(o, "dp_overlap", pl->dp_overlap);
    cJSON_AddBoolToObject(o, "tp_overlap", pl->tp_overlap);
    return o;
}

/* ------------------------------------------------------------------------------------------ */
/* --explain: every term of the step with its inputs, as the core computes it */

typedef struct terms { tm_term *t; int n; } terms;

/* Predict with an explanation; 0, or -1 with err. */
static int explain_terms(const tm_ctx *c, const tm_model *m, const tm_plan *pl, double tokens, tm_result *r, terms *ts,
                         char *err, size_t n)
{
    ut_numstyle st = app_style();
    return tm_predict_terms(c, m, pl, tokens, r, &st, &ts->t, &ts->n, err, n);
}

static void print_terms(const terms *ts)
{
    printf("%s", _("How the step is obtained: every term with its inputs (usine predict --explain)\n"));
    const char *group = "";
    for (int i = 0; i < ts->n; i++) {
        const tm_term *t = &ts->t[i];
        if (strcmp(t->group, group)) printf("  %s\n", tm_explain_group_title(group = t->group));
        char a[48], name[160];
        printf("    %s %10s  %s\n", ut_pad(name, sizeof name, t->name, 44), t->s > 0 ? app_time(a, sizeof a, t->s) : "", t->how);
    }
}

static cJSON *terms_json(const terms *ts)
{
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; i < ts->n; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "group", ts->t[i].group);
        cJSON_AddStringToObject(o, "term", ts->t[i].name);
        cJSON_AddNumberToObject(o, "seconds", ts->t[i].s);
        cJSON_AddStringToObject(o, "how", ts->t[i].how);
        cJSON_AddItemToArray(arr, o);
    }
    return arr;
}

/* The fastest plan that fits, as advice after a failure. */
static void suggest(const tm_ctx *c, const tm_model *m, const tm_plan *pl)
{
    tm_ranked best;
    long evaluated;
    if (tm_search(c, m, pl, &best, 1, &evaluated) > 0) {
        char line[256], g[48];
        plan_line(line, sizeof line, m, &best.plan, best.r.dp);
        cli_error(_("the fastest plan that fits on %d GPUs with this batch: %s (%s GiB per GPU); see 'usine plan'"),
                  pl->gpus, line, app_num(g, sizeof g, best.r.mem.total_gib, 1));
    } else {
        cli_error(_("no plan fits on %d GPUs with a global batch of %ld: use more GPUs or a smaller model"), pl->gpus,
                  pl->gbs);
    }
}

/* ------------------------------------------------------------------------------------------ */

int cmd_predict(int argc, char **argv)
{
    train_opts o;
    int rc = train_parse(argc - 1, argv + 1, "predict", &o);
    if (rc >= 0) return rc;
    plat_platform *p = NULL;
    tm_ctx *c = NULL;
    int part;
    if ((rc = train_open(&o, &p, &c, &part)) != CLI_OK) goto out;
    tm_result r;
    char err[512];
    terms ts = { 0 };
    double t0 = ut_now_s();
    if ((o.explain ? explain_terms(c, &o.model, &o.plan, o.tokens, &r, &ts, err, sizeof err)
                   : tm_predict(c, &o.model, &o.plan, o.tokens, &r, err, sizeof err)) != 0) {
        cli_error("%s", err);
        rc = CLI_BAD_INPUT;
        goto out;
    }
    double wall = ut_now_s() - t0;
    const tm_stack *sk = tm_stack_of(&o.plan);
    const plat_partition *pt = &p->partitions[part];
    const plat_accel *acc = &p->accels[p->node_types[pt->node].accel];
    if (o.json) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "platform", p->id);
        cJSON_AddStringToObject(j, "partition", pt->id);
        cJSON_AddStringToObject(j, "model", o.model.id);
        cJSON_AddItemToObject(j, "plan", plan_json(&o.model, &o.plan, r.dp));
        result_json(j, &r, NULL);
        cJSON_AddStringToObject(j, "stack", sk->id);
        cJSON_AddNumberToObject(j, "eff_matmul", acc->eff_matmul);
        cJSON_AddNumberToObject(j, "stack_matmul", sk->matmul);
        cJSON_AddNumberToObject(j, "eff_memory", acc->eff_memory);
        cJSON_AddNumberToObject(j, "wall_s", wall);
        if (o.explain) cJSON_AddItemToObject(j, "explain", terms_json(&ts));
        cli_print_json(j, "usine.predict/1");
    } else {
        char a[64], b[64], d[64], e[64], f[64], g[64], line[256];
        plan_line(line, sizeof line, &o.model, &o.plan, r.dp);
        printf(P_("%s (%s billion parameters) on %s GPU of %s/%s, %s, global batch %ld x %d tokens\n",
                  "%s (%s billion parameters) on %s GPUs of %s/%s, %s, global batch %ld x %d tokens\n", o.plan.gpus), o.model.name,
               app_num(a, sizeof a, r.params / 1e9, 1), app_num(b, sizeof b, o.plan.gpus, 0), p->id, pt->id,
               plat_prec_name((plat_prec)o.plan.prec), o.plan.gbs, o.model.seq);
        print_what_if(&o, p, part);
        if (o.model.experts > 0) print_experts(&o.model, &r);
        printf(P_("  plan           %s, %d micro-batch per step\n", "  plan           %s, %d micro-batches per step\n", r.micro_batches), line,
               r.micro_batches);
        printf(_("  stack          %s (%s; --stack NAME, 'usine stacks')\n"), sk->id, sk->name);
        printf(_("  step           %s   %s tokens/s\n"), app_time(a, sizeof a, r.step_s), app_num(b, sizeof b, r.tokens_per_s, 0));
        printf(_("  per GPU        %s TFLOP/s model (MFU %s %%), %s TFLOP/s hardware (HFU %s %%), of %s peak\n"),
               sig3(a, sizeof a, r.model_tflops_per_gpu), pct(b, sizeof b, r.mfu),
               sig3(d, sizeof d, r.hardware_tflops_per_gpu), pct(line, sizeof line, r.hfu),
               sig3(e, sizeof e, r.peak_tflops));
        printf("%s", _("  step breakdown (seconds on the critical path)\n"));
        struct { const char *what; double s; } rows[] = {
            { N_("matrix multiplications"), r.b.gemm_s }, { N_("memory-bound operations"), r.b.memops_s },
            { N_("  (recomputation, included above)"), r.b.recompute_s },
            { N_("tensor-parallel communication"), r.b.tp_s }, { N_("context-parallel communication"), r.b.cp_s },
            { N_("pipeline sends"), r.b.pp_s }, { N_("pipeline bubble"), r.b.bubble_s },
            { N_("data-parallel reduction (exposed)"), r.b.dp_s }, { N_("ZeRO gathers and reductions (exposed)"), r.b.zero_s },
            { N_("optimizer"), r.b.optimizer_s },
        };
        for (size_t i = 0; i < sizeof rows / sizeof *rows; i++)
            if (rows[i].s > 0) {
                char w[160];   /* padded by characters, not bytes: French rows have accents */
                printf("    %s %12s  %5s %%\n", ut_pad(w, sizeof w, _(rows[i].what), 40), app_time(a, sizeof a, rows[i].s),
                       pct(b, sizeof b, rows[i].s / r.step_s));
            }
        if (r.b.dp_total_s > r.b.dp_s) printf(_("    (the data-parallel reduction takes %s, %s of it hidden behind the backward pass)\n"),
                                              app_time(a, sizeof a, r.b.dp_total_s), app_time(b, sizeof b, r.b.dp_total_s - r.b.dp_s));
        printf(_("  memory per GPU %s GiB of %s: weights %s, gradients %s, optimizer %s, activations %s, other %s%s\n"),
               app_num(a, sizeof a, r.mem.total_gib, 1), app_num(b, sizeof b, r.mem.capacity_gib, 1),
               app_num(d, sizeof d, r.mem.weights_gib, 1), app_num(line, sizeof line, r.mem.grads_gib, 1),
               app_num(e, sizeof e, r.mem.optimizer_gib, 1), app_num(f, sizeof f, r.mem.activations_gib, 1),
               app_num(g, sizeof g, r.mem.buffers_gib + r.mem.runtime_gib, 1),
               r.mem.fits ? "" : r.mem.at_limit ? _("  MAY NOT FIT") : _("  DOES NOT FIT"));
        if (o.tokens > 0) {
            printf(_("  training       %s billion tokens: %s steps, %s"), app_num(a, sizeof a, o.tokens / 1e9, 0),
                   app_num(b, sizeof b, r.steps, 0), duration(d, sizeof d, r.time_to_train_s));
            if (r.goodput < 1) printf(_(", %s with failures and checkpoints"), duration(line, sizeof line, r.wall_time_s));
            printf("\n");
        }
        if (o.tokens > 0)
            printf(_("  power          %s IT; %s GPU-hours, %s (%s with PUE %s), %s CO2e\n"),
                   power(a, sizeof a, r.power_it_mw), app_num(b, sizeof b, r.gpu_hours, 0),
                   energy(d, sizeof d, r.energy_it_mwh), energy(line, sizeof line, r.energy_mwh),
                   app_num(e, sizeof e, p->facility.pue, 2), carbon(f, sizeof f, r.carbon_t));
        else printf(_("  power          %s IT at full load (give --tokens for the energy of a run)\n"), power(a, sizeof a, r.power_it_mw));
        if (r.job_mtbf_s > 0)
            printf(_("  reliability    a failure every %s on these GPUs (%s over the run); checkpoint of %s written in %s, every %s (Young/Daly); goodput %s %%\n"),
                   duration(a, sizeof a, r.job_mtbf_s), app_num(b, sizeof b, r.interruptions, 1),
                   app_bytes(d, sizeof d, r.checkpoint_B), app_time(line, sizeof line, r.checkpoint_write_s),
                   duration(e, sizeof e, r.checkpoint_interval_s), pct(f, sizeof f, r.goodput));
        else printf("%s", _("  reliability    the platform file gives no failure rate (mtbf_h): goodput not computed\n"));
        if (r.data_Bps >= 1e5) printf(_("  input data     %s MB/s of tokens\n"), app_num(a, sizeof a, r.data_Bps / 1e6, 2));
        else if (r.data_Bps >= 1e3) printf(_("  input data     %s kB/s of tokens\n"), app_sig(a, sizeof a, r.data_Bps / 1e3, 3));
        else printf(_("  input data     %s B/s of tokens\n"), app_sig(a, sizeof a, r.data_Bps, 3));   /* a laptop's */
        if (!(acc->eff_matmul > 0)) printf("%s", _("  note: the accelerator has no <efficiency> in the platform file, so peak rates were used\n"));
        if (o.explain) print_terms(&ts);
    }
    free(ts.t);
    if (r.mem.at_limit) {
        /* over the capacity by less than the model's stated uncertainty: a prediction, with a warning */
        char a[48], b[48], d[48], e[48];
        cli_error(_("warning: may not fit: %s GiB predicted, %s available, within the model's +/-%s %% margin (%s GiB)"),
                  app_num(a, sizeof a, r.mem.total_gib, 1), app_num(b, sizeof b, r.mem.capacity_gib, 1),
                  app_num(d, sizeof d, TM_MEMORY_MARGIN * 100, 0), app_num(e, sizeof e, r.mem.margin_gib, 1));
    } else if (!r.mem.fits) {
        char a[48], b[48], d[48];
        cli_error(_("this plan needs %s GiB per GPU, the %s has %s GiB: %s GiB too many"), app_num(a, sizeof a, r.mem.total_gib, 1),
                  acc->name ? acc->name : acc->id, app_num(b, sizeof b, r.mem.capacity_gib, 1),
                  app_num(d, sizeof d, r.mem.total_gib - r.mem.capacity_gib, 1));
        suggest(c, &o.model, &o.plan);
        rc = CLI_BAD_INPUT;
    }
out:
    tm_ctx_destroy(c);
    plat_free(p);
    return rc;
}


int cmd_plan(int argc, char **argv)
{
    train_opts o;
    int rc = train_parse(argc - 1, argv + 1, "plan", &o);
    if (rc >= 0) return rc;
    plat_platform *p = NULL;
    tm_ctx *c = NULL;
    tm_ranked *best = NULL;
    int part;
    if ((rc = train_open(&o, &p, &c, &part)) != CLI_OK) goto out;
    char err[512];
    if (tm_search_check(c, &o.model, &o.plan, o.fixed, err, sizeof err) != 0) {
        cli_error("%s", err);                            /* a knob given that no plan can have */
        rc = CLI_BAD_INPUT;
        goto out;
    }
    best = ut_calloc((size_t)o.top, sizeof *best);
    long evaluated = 0;
    double t0 = ut_now_s();
    int found = tm_search_fixed(c, &o.model, &o.plan, o.fixed, best, o.top, &evaluated);
    double wall = ut_now_s() - t0;
    if (!evaluated) {
        cli_error(_("no valid plan on %d GPUs with a global batch of %ld and the knobs given: the batch must be a multiple of dp x mbs"),
                  o.plan.gpus, o.plan.gbs);
        rc = CLI_BAD_INPUT;
        goto out;
    }
    int shown = found < o.top ? found : o.top, at_limit = 0;
    for (int i = 0; i < shown; i++) at_limit += best[i].r.mem.at_limit;
    if (o.json) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "platform", p->id);
        cJSON_AddStringToObject(j, "partition", p->partitions[part].id);
        cJSON_AddStringToObject(j, "model", o.model.id);
        cJSON_AddNumberToObject(j, "evaluated", (double)evaluated);
        cJSON_AddNumberToObject(j, "fitting", found);
        cJSON_AddNumberToObject(j, "wall_s", wall);
        cJSON *arr = cJSON_AddArrayToObject(j, "plans");
        for (int i = 0; i < shown; i++) {
            const tm_result *r = &best[i].r;
            cJSON *e = plan_json(&o.model, &best[i].plan, r->dp);
            cJSON_AddNumberToObject(e, "step_time_s", r->step_s);
            cJSON_AddNumberToObject(e, "tokens_per_s", r->tokens_per_s);
            cJSON_AddNumberToObject(e, "mfu", r->mfu);
            cJSON_AddNumberToObject(e, "hfu", r->hfu);
            cJSON_AddNumberToObject(e, "memory_per_gpu_gib", r->mem.total_gib);
            cJSON_AddBoolToObject(e, "fits", r->mem.fits);
            cJSON *mem = cJSON_AddObjectToObject(e, "memory");
            result_json(mem, r, "memory");
            cJSON_AddItemToObject(e, "breakdown", train_breakdown_json(r));
            cJSON_AddItemToArray(arr, e);
        }
        cli_print_json(j, "usine.plan/1");
    } else {
        char a[64], b[64], d[64], e[64];
        printf(_("%s on %s GPUs of %s/%s, global batch %ld: %s plans evaluated, %s fit in memory or are at its limit (%s)\n"),
               o.model.name, app_num(a, sizeof a, o.plan.gpus, 0), p->id, p->partitions[part].id, o.plan.gbs,
               app_num(b, sizeof b, (double)evaluated, 0), app_num(d, sizeof d, found, 0), app_time(e, sizeof e, wall));
        print_what_if(&o, p, part);
        if (shown)
            printf("%s", _("   #   tp   cp   pp  vpp   dp  mbs zero recompute  seqpar flash overlap       step      tokens/s    MFU   GiB/GPU\n"));
        for (int i = 0; i < shown; i++) {
            const tm_plan *pl = &best[i].plan;
            const tm_result *r = &best[i].r;
            char split[256], stages[300] = "";
            if (*tm_stage_split_text(&o.model, pl, split, sizeof split)) snprintf(stages, sizeof stages, _("   stages %s"), split);
            printf("%4d %4d %4d %4d %4d %4d %4d %4d %-9s  %-6s %-5s %-7s %10s %13s %6s %9s%s%s\n", i + 1, pl->tp, pl->cp, pl->pp,
                   pl->vpp, r->dp, pl->mbs, pl->zero, tm_recompute_name(pl->recompute), pl->seq_parallel ? _("yes") : _("no"),
                   pl->flash ? _("yes") : _("no"), overlap_name(pl), app_time(a, sizeof a, r->step_s),
                   app_num(b, sizeof b, r->tokens_per_s, 0), pct(d, sizeof d, r->mfu), app_num(e, sizeof e, r->mem.total_gib, 1),
                   r->mem.at_limit ? _("  may not fit") : "", stages);
        }
        if (at_limit)
            printf(_("'may not fit': over the %s GiB of a GPU by less than the memory model's +/-%s %% margin\n"),
                   app_num(a, sizeof a, best[0].r.mem.capacity_gib, 1), app_num(b, sizeof b, TM_MEMORY_MARGIN * 100, 0));
    }
    if (!found) {
        cli_error(_("no plan fits in memory on %d GPUs with a global batch of %ld; use more GPUs, a smaller model or another batch"),
                  o.plan.gpus, o.plan.gbs);
        rc = CLI_BAD_INPUT;
    }
out:
    free(best);
    tm_ctx_destroy(c);
    plat_free(p);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* validate: the published runs of assets/data/published-runs.csv, predicted on their machines. */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Median of n values, sorting them. */
static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n ? (n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2) : 0;
}

/* The |errors| of a set: how many, median, mean, max, within 10 %. */
typedef struct err_summary { int n, within; double median, mean, max; } err_summary;

static err_summary summarize(const double *err, int n)
{
    err_summary s = { n, 0, 0, 0, 0 };
    double *v = ut_malloc((size_t)(n > 0 ? n : 1) * sizeof *v);
    for (int i = 0; i < n; i++) {
        v[i] = fabs(err[i]);
        s.mean += v[i] / n;
        s.max = fmax(s.max, v[i]);
        s.within += v[i] <= 10;
    }
    s.median = median(v, n);
    free(v);
    return s;
}

static void print_summary(const char *what, err_summary s)
{
    char a[48], b[48], d[48];
    printf(_("%s: |error| median %s %%, mean %s %%, max %s %%; %d of %d within 10 %%\n"), what, app_num(a, sizeof a, s.median, 1),
           app_num(b, sizeof b, s.mean, 1), app_num(d, sizeof d, s.max, 1), s.within, s.n);
}

static cJSON *summary_json(err_summary s)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "predictions", s.n);
    cJSON_AddNumberToObject(o, "median_abs_error_pct", s.median);
    cJSON_AddNumberToObject(o, "mean_abs_error_pct", s.mean);
    cJSON_AddNumberToObject(o, "max_abs_error_pct", s.max);
    cJSON_AddNumberToObject(o, "within_10_pct", s.within);
    return o;
}

/* The runs and a context for each, on the run's own platform and partition (shared by the runs of
 * the same machine). */
typedef struct runs {
    tm_run *rows;
    int n;
    tm_ctx **ctx;               /* per row; NULL: the machine could not be prepared (said on stderr) */
    plat_platform **plats;
    tm_ctx **owned;
    int nowned;
    char path[4096];
} runs;

static void runs_free(runs *R)
{
    for (int i = 0; i < R->nowned; i++) {
        tm_ctx_destroy(R->owned[i]);
        plat_free(R->plats[i]);
    }
    free(R->owned);
    free(R->plats);
    free(R->ctx);
    free(R->rows);
}

static int runs_open(runs *R)
{
    memset(R, 0, sizeof *R);
    if (app_data_file("data/published-runs.csv", R->path, sizeof R->path) != 0) {
        cli_error("%s", _("cannot find data/published-runs.csv in the data folder (set USINE_DATADIR?)"));
        return CLI_BAD_INPUT;
    }
    char why[512];
    if (tm_runs_read(R->path, &R->rows, &R->n, why, sizeof why) != 0) {
        cli_error("%s", why);
        return CLI_BAD_INPUT;
    }
    R->ctx = ut_calloc((size_t)(R->n > 0 ? R->n : 1), sizeof *R->ctx);
    R->plats = ut_calloc((size_t)(R->n > 0 ? R->n : 1), sizeof *R->plats);
    R->owned = ut_calloc((size_t)(R->n > 0 ? R->n : 1), sizeof *R->owned);
    for (int i = 0; i < R->n; i++) {
        if (R->ctx[i]) continue;
        const tm_run *row = &R->rows[i];
        int maxg = 0;
        for (int j = i; j < R->n; j++)
            if (!strcmp(R->rows[j].platform, row->platform) && !strcmp(R->rows[j].partition, row->partition) &&
                R->rows[j].plan.gpus > maxg)
                maxg = R->rows[j].plan.gpus;
        plat_platform *p = cli_load_platform(row->platform, NULL, 0);
        int part = p ? plat_find_partition(p, row->partition) : -1;
        char err[512] = "";
        const plat_partition *pt = part >= 0 ? &p->partitions[part] : NULL;
        long have = pt ? (long)pt->nodes * p->node_types[pt->node].accels_per_node : 0;
        /* a run on more GPUs than the preset has: the machine as large as the run (plat_resize_partition) */
        if (pt && maxg > have) {
            int gpn = p->node_types[pt->node].accels_per_node;
            if (plat_resize_partition(p, part, (maxg + gpn - 1) / gpn, err, sizeof err) != 0) part = -1;
        }
        tm_ctx *c = part >= 0 ? tm_ctx_create(p, part, maxg, err, sizeof err) : NULL;
        if (!c) {
            cli_error(_("%s:%d: run %s: cannot prepare %s/%s: %s"), R->path, row->line, row->name, row->platform, row->partition,
                      *err ? err : _("no such platform or partition"));
            plat_free(p);
            runs_free(R);
            return CLI_BAD_INPUT;
        }
        R->plats[R->nowned] = p;
        R->owned[R->nowned++] = c;
        for (int j = i; j < R->n; j++)
            if (!strcmp(R->rows[j].platform, row->platform) && !strcmp(R->rows[j].partition, row->partition)) R->ctx[j] = c;
    }
    return CLI_OK;
}

/* One training factor fitted on the runs of use[], then each of them predicted with the factor
 * fitted without it (leave one out) and without its whole source (leave one source out): the
 * accuracy on what the fit never saw. */
static void fit_group(runs *R, const int *use, const char *what, double have)
{
    int n = R->n, count = 0;
    for (int i = 0; i < n; i++) count += use[i];
    tm_fit_set fs = { R->ctx, R->rows, n };
    double all = tm_fit_matmul(&fs, use);
    char a[48], b[48];
    printf(_("%s: fitted on %d calibration runs: %s (train_stacks.c has %s)\n"), what, count, app_num(a, sizeof a, all, 3),
           app_num(b, sizeof b, have, 3));
    tm_held_out *held = ut_calloc((size_t)(n > 0 ? n : 1), sizeof *held), *held2 = ut_calloc((size_t)(n > 0 ? n : 1), sizeof *held2);
    double *e1 = ut_calloc((size_t)(n > 0 ? n : 1), sizeof *e1), *e2 = ut_calloc((size_t)(n > 0 ? n : 1), sizeof *e2);
    int k1 = tm_fit_cross_validate(&fs, use, 0, held), k2 = tm_fit_cross_validate(&fs, use, 1, held2);
    for (int i = 0; i < k1; i++) e1[i] = held[i].error_pct;
    for (int i = 0; i < k2; i++) e2[i] = held2[i].error_pct;
    char h1[96], h2[96], h3[96], h4[96];
    printf("  %s %s %s %s\n", ut_pad(h1, sizeof h1, _("run"), 26), ut_pad(h2, sizeof h2, _("source"), 16),
           ut_pad(h3, sizeof h3, _("leave one out"), -22), ut_pad(h4, sizeof h4, _("leave source out"), -22));
    for (int i = 0; i < k1; i++) {
        const tm_run *row = &R->rows[held[i].row];
        char x[48], y[48], z[48], w[48], c1[96], c2[96], p1[96], p2[96];
        int j = 0;
        while (j < k2 && held2[j].row != held[i].row) j++;
        snprintf(c1, sizeof c1, "%s  %s %%", app_num(x, sizeof x, held[i].matmul, 3), app_signed(y, sizeof y, held[i].error_pct, 1));
        if (j < k2)
            snprintf(c2, sizeof c2, "%s  %s %%", app_num(z, sizeof z, held2[j].matmul, 3), app_signed(w, sizeof w, held2[j].error_pct, 1));
        else snprintf(c2, sizeof c2, "%s", _("(one source only)"));
        printf("  %-26s %-16s %s %s\n", row->name, row->source, ut_pad(p1, sizeof p1, c1, -22), ut_pad(p2, sizeof p2, c2, -22));
    }
    print_summary(_("Leave one out"), summarize(e1, k1));
    if (k2) print_summary(_("Leave one source out"), summarize(e2, k2));
    else printf("%s", _("Leave one source out: these calibration runs come from one source only\n"));
    free(held);
    free(held2);
    free(e1);
    free(e2);
}

/* validate --fit: the shared training factor on the calibration runs of the stacks without runs of
 * their own, then each stack's own factor on its runs, each with its cross-validation. */
static int validate_fit(runs *R)
{
    int n = R->n, ns;
    const tm_stack *st = tm_stacks(&ns);
    int *use = ut_calloc((size_t)(n > 0 ? n : 1), sizeof *use);
    double shared = 0;
    for (int i = 0; i < n; i++) {
        const tm_stack *k = &st[R->rows[i].plan.stack];
        use[i] = R->rows[i].set == TM_SET_CALIBRATION && !k->own_factor;
        if (!k->own_factor) shared = k->matmul;
    }
    fit_group(R, use, _("Training factor shared by the stacks without runs of their own"), shared);
    for (int k = 0; k < ns; k++) {
        if (!st[k].own_factor) continue;
        int any = 0;
        for (int i = 0; i < n; i++) any += use[i] = R->rows[i].set == TM_SET_CALIBRATION && R->rows[i].plan.stack == k;
        if (!any) continue;
        char what[160];
        snprintf(what, sizeof what, _("Training factor of %s"), st[k].id);
        printf("\n");
        fit_group(R, use, what, st[k].matmul);
    }
    free(use);
    return CLI_OK;
}

/* validate --explain NAME: one run's prediction, term by term. */
static int validate_explain(runs *R, const char *name)
{
    for (int i = 0; i < R->n; i++) {
        tm_run *row = &R->rows[i];
        if (strcmp(row->name, name)) continue;
        tm_result r;
        if (tm_run_predict(R->ctx[i], row, &r) != 0) {
            cli_error(_("%s:%d: run %s: no valid plan (see 'usine predict' with the row's options)"), R->path, row->line, row->name);
            return CLI_BAD_INPUT;
        }
        terms ts;
        char err[512], line[256];
        if (explain_terms(R->ctx[i], &row->model, &row->plan, 300e9, &r, &ts, err, sizeof err) != 0) {
            cli_error("%s", err);
            return CLI_BAD_INPUT;
        }
        plan_line(line, sizeof line, &row->model, &row->plan, r.dp);
        printf(_("%s (%s, %s; %s set) on %s/%s, stack %s\n  plan %s\n"), row->name, row->source, row->where,
               row->set == TM_SET_CALIBRATION ? _("calibration") : _("validation"), row->platform, row->partition,
               tm_stack_of(&row->plan)->id, line);
        tm_run_metric m[4];
        int k = tm_run_metrics(row, &r, m);
        for (int j = 0; j < k; j++) {
            char a[48], b[48], d[48];
            printf(_("  %-22s published %s, predicted %s (%s %%)\n"), m[j].name, app_sig(a, sizeof a, m[j].published, 4),
                   app_sig(b, sizeof b, m[j].predicted, 4), app_signed(d, sizeof d, m[j].error_pct, 1));
        }
        if (row->memory_gb > 0) {
            char a[48], b[48];
            printf(_("  memory per GPU         published %s GB, predicted %s GiB\n"), app_sig(a, sizeof a, row->memory_gb, 3),
                   app_num(b, sizeof b, r.mem.total_gib, 1));
        }
        print_terms(&ts);
        free(ts.t);
        return CLI_OK;
    }
    cli_error(_("no run named '%s' in %s; 'usine validate' lists them"), name, R->path);
    return CLI_BAD_INPUT;
}

int cmd_validate(int argc, char **argv)
{
    int json = 0, fit = 0, check = 0;
    const char *explain = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) json = 1;
        else if (!strcmp(argv[i], "--fit")) fit = 1;
        else if (!strcmp(argv[i], "--check")) check = 1;
        else if (!strcmp(argv[i], "--explain")) {
            if (i + 1 >= argc) {
                cli_error("%s", _("--explain needs the name of a run; 'usine validate' lists them"));
                return CLI_BAD_INPUT;
            }
            explain = argv[++i];
        } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("%s", _("Usage: usine validate [--json] [--fit] [--check] [--explain RUN]\n"
                           "Predicts every run of published-runs.csv on its own machine and stack and prints the error of\n"
                           "each, for the calibration runs (which the stacks' training factor may be fitted on) and the\n"
                           "validation runs (never fitted on) separately, with the median and max of each set.\n"
                           "Exit status 0 when it ran, whatever the errors; --check: exit status 1 if a validation run is\n"
                           "off by more than 10 %.\n"
                           "--fit: fit the training factor on the calibration runs, with leave-one-out and\n"
                           "       leave-one-source-out cross-validation.\n"
                           "--explain RUN: every term of one run's predicted step, with its inputs.\n"));
            return CLI_OK;
        } else {
            cli_error(_("unknown argument '%s' for 'usine validate'; see 'usine validate --help'"), argv[i]);
            return CLI_BAD_INPUT;
        }
    }
    runs R;
    int rc = runs_open(&R);
    if (rc != CLI_OK) return rc;
    if (fit || explain) {
        rc = explain ? validate_explain(&R, explain) : validate_fit(&R);
        runs_free(&R);
        return rc;
    }
    int n = R.n;
    double *errs[2] = { ut_calloc((size_t)n * 4 + 1, sizeof(double)), ut_calloc((size_t)n * 4 + 1, sizeof(double)) };
    int nerr[2] = { 0, 0 }, failed = 0, refused[2] = { 0, 0 }, ran[2] = { 0, 0 }, nmem[2] = { 0, 0 };
    double *merrs[2] = { ut_calloc((size_t)n + 1, sizeof(double)), ut_calloc((size_t)n + 1, sizeof(double)) };
    cJSON *arr = json ? cJSON_CreateArray() : NULL;
    for (int set = 0; set < 2; set++) {
        int count = 0;
        for (int i = 0; i < n; i++) count += (int)R.rows[i].set == set;
        if (!json) {
            printf(set == TM_SET_CALIBRATION ? _("Calibration runs (%d; the stacks' training factor is fitted on these)\n")
                                             : _("Validation runs (%d; never fitted on)\n"),
                   count);
            char h[6][64];
            printf("  %s %s %s %s %s %s   %9s\n", ut_pad(h[0], 64, _("run"), 26), ut_pad(h[1], 64, _("source"), 14),
                   ut_pad(h[2], 64, _("machine"), 16), ut_pad(h[3], 64, _("metric"), 20), ut_pad(h[4], 64, _("published"), -10),
                   ut_pad(h[5], 64, _("predicted"), -10), _("error"));
        }
        for (int i = 0; i < n; i++) {
            tm_run *row = &R.rows[i];
            if ((int)row->set != set) continue;
            tm_result r;
            if (tm_run_predict(R.ctx[i], row, &r) != 0) {
                cli_error(_("%s:%d: run %s: no valid plan (see 'usine predict' with the row's options)"), R.path, row->line, row->name);
                failed++;
                continue;
            }
            tm_run_metric m[4];
            int k = tm_run_metrics(row, &r, m);
            refused[set] += row->memory_refused, ran[set]++;
            double mem_err = row->memory_gb > 0 ? (r.mem.total_gib - row->memory_gb) / row->memory_gb * 100 : 0;
            if (row->memory_gb > 0) merrs[set][nmem[set]++] = mem_err;
            for (int j = 0; j < k; j++) {
                errs[set][nerr[set]++] = m[j].error_pct;
                if (json) {
                    cJSON *o = cJSON_CreateObject();
                    cJSON_AddStringToObject(o, "name", row->name);
                    cJSON_AddStringToObject(o, "set", set == TM_SET_CALIBRATION ? "calibration" : "validation");
                    cJSON_AddStringToObject(o, "source", row->source);
                    cJSON_AddStringToObject(o, "where", row->where);
                    cJSON_AddStringToObject(o, "stack", tm_stack_of(&row->plan)->id);
                    cJSON_AddStringToObject(o, "platform", row->platform);
                    cJSON_AddStringToObject(o, "partition", row->partition);
                    cJSON_AddStringToObject(o, "metric", m[j].name);
                    cJSON_AddNumberToObject(o, "published", m[j].published);
                    cJSON_AddNumberToObject(o, "predicted", m[j].predicted);
                    cJSON_AddNumberToObject(o, "error_pct", m[j].error_pct);
                    cJSON_AddBoolToObject(o, "memory_refused", row->memory_refused);
                    cJSON_AddNumberToObject(o, "memory_per_gpu_gib", r.mem.total_gib);
                    if (row->memory_gb > 0) {
                        cJSON_AddNumberToObject(o, "memory_published_gb", row->memory_gb);
                        cJSON_AddNumberToObject(o, "memory_error_pct", mem_err);
                    }
                    cJSON_AddItemToObject(o, "plan", plan_json(&row->model, &row->plan, r.dp));
                    cJSON_AddItemToObject(o, "breakdown", train_breakdown_json(&r));
                    cJSON_AddItemToArray(arr, o);
                } else {
                    char a[48], b[48], d[48], mach[64], c[6][96];
                    snprintf(mach, sizeof mach, "%s/%s", row->platform, row->partition);
                    char mem[128] = "";
                    if (row->memory_refused && !j)
                        snprintf(mem, sizeof mem, _("   ran, but the model needs %s GiB of %s"), app_num(a, sizeof a, r.mem.total_gib, 1),
                                 app_num(b, sizeof b, r.mem.capacity_gib, 1));
                    printf("  %s %s %s %s %s %s   %7s %%%s\n", ut_pad(c[0], 96, j ? "" : row->name, 26),
                           ut_pad(c[1], 96, j ? "" : row->source, 14), ut_pad(c[2], 96, j ? "" : mach, 16),
                           ut_pad(c[3], 96, m[j].name, 20), ut_pad(c[4], 96, app_sig(a, sizeof a, m[j].published, 4), -10),
                           ut_pad(c[5], 96, app_sig(b, sizeof b, m[j].predicted, 4), -10),
                           app_signed(d, sizeof d, m[j].error_pct, 1), mem);
                }
            }
        }
        if (!json) {
            print_summary(set == TM_SET_CALIBRATION ? _("Calibration") : _("Validation"), summarize(errs[set], nerr[set]));
            if (refused[set])
                printf(_("  memory: the model judges %d of these %d runs over the GPU's memory, though they ran\n"), refused[set], ran[set]);
            if (nmem[set]) {
                err_summary ms = summarize(merrs[set], nmem[set]);
                char a[48], b[48];
                printf(_("  memory per GPU against %d published figures (nvidia-smi's, as the sources print them): |error| median %s %%, max %s %%\n"),
                       nmem[set], app_num(a, sizeof a, ms.median, 1), app_num(b, sizeof b, ms.max, 1));
            }
        }
    }
    err_summary cal = summarize(errs[0], nerr[0]), val = summarize(errs[1], nerr[1]);
    if (json) {
        cJSON *j = cJSON_CreateObject(), *sum = cJSON_CreateObject();
        cJSON_AddItemToObject(j, "runs", arr);
        cJSON_AddItemToObject(sum, "calibration", summary_json(cal));
        cJSON_AddItemToObject(sum, "validation", summary_json(val));
        cJSON_AddNumberToObject(cJSON_GetObjectItem(sum, "calibration"), "memory_refused", refused[0]);
        cJSON_AddNumberToObject(cJSON_GetObjectItem(sum, "validation"), "memory_refused", refused[1]);
        for (int set = 0; set < 2; set++) {
            err_summary ms = summarize(merrs[set], nmem[set]);
            cJSON *o = cJSON_GetObjectItem(sum, set ? "validation" : "calibration");
            cJSON_AddNumberToObject(o, "memory_figures", nmem[set]);
            cJSON_AddNumberToObject(o, "memory_median_abs_error_pct", ms.median);
            cJSON_AddNumberToObject(o, "memory_max_abs_error_pct", ms.max);
        }
        cJSON_AddItemToObject(j, "summary", sum);
        cli_print_json(j, "usine.validate/1");
    } else {
        printf("%s", _("'usine validate --explain RUN' shows a run's terms; '--fit' refits the training factor with its cross-validation.\n"));
    }
    free(errs[0]);
    free(errs[1]);
    free(merrs[0]);
    free(merrs[1]);
    runs_free(&R);
    return check && (failed || val.within < val.n) ? CLI_FAILED : CLI_OK;
}

/* What a stack offers of a feature (TM_OFFER_*), for the JSON and for people. */
static const char *offer_id(int offer)
{
    return offer == TM_OFFER_DEFAULT ? "default" : offer == TM_OFFER_OPTION ? "option" : "no";
}

static const char *offer_name(int offer)
{
    return offer == TM_OFFER_DEFAULT ? _("by default") : offer == TM_OFFER_OPTION ? _("as an option") : _("no");
}

/* stacks: the software stacks, what each does and where that comes from. */
int cmd_stacks(int argc, char **argv)
{
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) json = 1;
        else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("%s", _("Usage: usine stacks [--json]\n"
                           "The training software stacks that predict, plan and simulate step can assume (--stack NAME),\n"
                           "what each does structurally, its training factor and where each fact comes from.\n"));
            return CLI_OK;
        } else {
            cli_error(_("unknown argument '%s' for 'usine stacks'; see 'usine stacks --help'"), argv[i]);
            return CLI_BAD_INPUT;
        }
    }
    int n;
    const tm_stack *s = tm_stacks(&n);
    cJSON *doc = json ? cJSON_CreateObject() : NULL, *arr = json ? cJSON_AddArrayToObject(doc, "stacks") : NULL;
    for (int i = 0; i < n; i++) {
        if (json) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "id", s[i].id);
            cJSON_AddStringToObject(o, "name", s[i].name);
            cJSON_AddStringToObject(o, "about", _(s[i].about));
            cJSON_AddBoolToObject(o, "default", i == 0);
            cJSON_AddBoolToObject(o, "dp_overlap", s[i].dp_overlap);
            cJSON_AddBoolToObject(o, "pp_scatter_gather", s[i].pp_scatter_gather);
            cJSON_AddBoolToObject(o, "zero3_prefetch", s[i].zero3_prefetch);
            cJSON_AddStringToObject(o, "tp_overlap", offer_id(s[i].tp_overlap));
            cJSON_AddStringToObject(o, "flash", offer_id(s[i].flash));
            cJSON_AddStringToObject(o, "seq_parallel", offer_id(s[i].seq_parallel));
            cJSON_AddBoolToObject(o, "selective", s[i].selective);
            cJSON_AddNumberToObject(o, "zero_max", s[i].zero_max);
            cJSON_AddBoolToObject(o, "param_overlap", s[i].param_overlap);
            cJSON_AddBoolToObject(o, "grads_fp32", s[i].grads_fp32);
            cJSON_AddBoolToObject(o, "fused_elementwise", !s[i].unfused);
            cJSON_AddBoolToObject(o, "interleaved", s[i].interleaved);
            cJSON_AddNumberToObject(o, "matmul", s[i].matmul);
            cJSON_AddStringToObject(o, "fitted", _(s[i].fitted));
            cJSON_AddStringToObject(o, "sources", s[i].sources);
            cJSON_AddItemToArray(arr, o);
            continue;
        }
        char a[48];
        printf("%s%s  %s\n  %s\n", s[i].id, i == 0 ? _(" (default)") : "", s[i].name, _(s[i].about));
        printf(_("  gradient reduction overlapped with the backward pass: %s; parameters' all-gather with the forward: %s;\n"
                 "  bf16 gradients reduced in fp32: %s; pipeline scatter/gather: %s; ZeRO up to stage %d; ZeRO-3 prefetch: %s;\n"
                 "  tensor-parallel overlap: %s; sequence parallelism: %s; selective recomputation: %s;\n"
                 "  FlashAttention: %s (else %s); element-wise kernels: %s\n"),
               s[i].dp_overlap ? _("yes") : _("no"), s[i].param_overlap ? _("yes") : _("no"), s[i].grads_fp32 ? _("yes") : _("no"),
               s[i].pp_scatter_gather ? _("yes") : _("no"), s[i].zero_max, s[i].zero3_prefetch ? _("yes") : _("no"),
               offer_name(s[i].tp_overlap), offer_name(s[i].seq_parallel), s[i].selective ? _("yes") : _("no"),
               offer_name(s[i].flash), s[i].unfused ? _("unfused softmax") : _("fused softmax"), s[i].unfused ? _("separate") : _("fused"));
        printf(_("  interleaved 1F1B schedule (--vpp): %s\n"), s[i].interleaved ? _("yes") : _("no"));
        printf(_("  training factor %s of the achievable matrix-multiply rate: %s\n"), app_num(a, sizeof a, s[i].matmul, 3), _(s[i].fitted));
        printf(_("  sources: %s\n\n"), s[i].sources);
    }
    if (json) cli_print_json(doc, "usine.stacks/1");
    return CLI_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* simulate step: the same step through the discrete-event simulator */

static void label_link(const void *ctx, int link, char *buf, size_t size) { net_link_label(ctx, link, buf, size); }

/* tm_step_opts.extra: the --background collectives, after the job's tasks (cli_scenario_add says
 * what is wrong, if anything) */
static int add_background(struct ds *s, void *ctx, char *err, size_t n)
{
    if (n) err[0] = '\0';
    return cli_scenario_add(ctx, s) == CLI_OK ? 0 : -1;
}

/* --beside "OPTIONS": another job's model and plan, read as this command reads its own; the
 * platform and what belongs to the whole run (the network, the output) are the first job's. */
static int parse_beside(const train_opts *o, int k, train_opts *b)
{
    static const char *const whole_run[] = { "--platform", "--partition", "--nodes", "--routing", "--jobs", "--background",
                                             "--beside", "--trace", "--json", "--every-message", "--help", "-h" };
    char what[32], *copy = ut_strdup(o->beside[k]), *argv[130];
    snprintf(what, sizeof what, "--beside %d", k + 1);
    int argc = 0, rc = -1;
    for (char *tok = strtok(copy, " \t\n"); tok; tok = strtok(NULL, " \t\n")) {
        size_t eq;
        char *value = NULL;
        if (cli_option_equals(tok, &eq)) {                      /* --gpus=512 as --gpus 512 */
            tok[eq] = '\0';
            value = tok + eq + 1;
        }
        for (size_t i = 0; i < sizeof whole_run / sizeof *whole_run && rc < 0; i++)
            if (!strcmp(tok, whole_run[i])) {
                cli_error(_("%s: %s belongs to the whole run, not to one job: give it outside --beside"), what, tok);
                rc = CLI_BAD_INPUT;
            }
        if (rc < 0 && argc >= 127) {
            cli_error(_("%s: too many options"), what);
            rc = CLI_BAD_INPUT;
        }
        if (rc >= 0) break;
        argv[argc++] = tok;
        if (value) argv[argc++] = value;
    }
    if (rc < 0) {
        argv[argc++] = "--platform";
        argv[argc++] = (char *)o->platform;
        cli_error_context(what);
        rc = train_parse(argc, argv, "simulate step", b);
        cli_error_context(NULL);
    }
    free(copy);
    return rc;
}

/* tm_step_opts.progress on a terminal: how far a long step has got (a whole exascale machine takes
 * tens of seconds), against the analytic step, at most four times a second after the first second. */
typedef struct step_progress {
    double t0, shown, predicted_s;
} step_progress;

static void show_progress(void *ctx, double now_s)
{
    step_progress *p = ctx;
    double t = ut_now_s();
    if (t - p->t0 < 1 || t - p->shown < 0.25) return;
    p->shown = t;
    char a[48], b[48], c[48];
    if (p->predicted_s > 0)
        cli_progress(_("simulating: %s of the step so far, of about %s (the analytic step); %s s of wall time"),
                     app_time(a, sizeof a, now_s), app_time(b, sizeof b, p->predicted_s), app_num(c, sizeof c, t - p->t0, 0));
    else cli_progress(_("simulating: %s of the step so far; %s s of wall time"), app_time(a, sizeof a, now_s), app_num(c, sizeof c, t - p->t0, 0));
}

int simulate_step(int argc, char **argv)
{
    train_opts o;
    int rc = train_parse(argc, argv, "simulate step", &o);
    if (rc >= 0) return rc;
    plat_platform *p = NULL;
    tm_ctx *c = NULL;
    tm_step *step = NULL;
    int part;
    train_opts *bs = ut_calloc((size_t)o.nbeside + 1, sizeof *bs);   /* the --beside jobs */
    for (int k = 0; k < o.nbeside; k++) {
        if ((rc = parse_beside(&o, k, &bs[k])) >= 0) {
            rc = CLI_BAD_INPUT;                                 /* (even a --help there) */
            goto out;
        }
        o.beside_gpus += bs[k].plan.gpus;
    }
    if ((rc = train_open(&o, &p, &c, &part)) != CLI_OK) goto out;
    char err[512];
    int njobs = o.jobs + o.nbeside;                             /* the copies of the first, then the others */
    for (int k = 0; k < o.nbeside; k++) {                      /* (checked here to say which is wrong) */
        tm_plan pl = bs[k].plan;
        if (tm_plan_check(c, &bs[k].model, &pl, err, sizeof err) != 0) {
            char what[32];
            snprintf(what, sizeof what, "--beside %d", k + 1);
            cli_error_context(what);
            cli_error("%s", err);
            cli_error_context(NULL);
            rc = CLI_BAD_INPUT;
            goto out;
        }
    }
    tm_job list[TRAIN_MAX_JOBS + TRAIN_MAX_BESIDE];
    for (int k = 0; k < njobs; k++)
        list[k] = k < o.jobs ? (tm_job){ &o.model, &o.plan } : (tm_job){ &bs[k - o.jobs].model, &bs[k - o.jobs].plan };
    double t0 = ut_now_s();
    step_progress prog = { .t0 = t0 };
    int shown = isatty(STDERR_FILENO);
    tm_result analytic;                                         /* (the first job's, to say how far it has got) */
    if (shown && tm_predict(c, &o.model, &o.plan, o.tokens, &analytic, err, sizeof err) == 0) prog.predicted_s = analytic.step_s;
    err[0] = 0;
    step = tm_jobs_simulate(c, list, njobs,
                            &(tm_step_opts){ .detail = o.trace != NULL, .every_message = o.every_message,
                                             .extra = o.bg ? add_background : NULL, .extra_ctx = o.bg,
                                             .progress = shown ? show_progress : NULL, .progress_ctx = &prog },
                            err, sizeof err);
    cli_progress_done();
    if (!step) {
        /* what only the analytic model runs: say which command runs it (the background said what
         * was wrong with it already) */
        if (err[0]) cli_error("%s%s", err, tm_step_runs(&o.plan) ? "" : " ('usine predict')");
        rc = CLI_BAD_INPUT;
        goto out;
    }
    double wall = ut_now_s() - t0;
    const ds_stats st = *tm_step_stats(step);
    const tm_result r = *tm_step_predicted(step);
    const net *nw = tm_step_net(step);
    /* the step: when its last job ended (a background may go on after it) */
    double step_s = 0;
    for (int k = 0; k < o.jobs; k++) step_s = fmax(step_s, tm_step_job_end_s(step, k));
    double diff = (step_s - r.step_s) / r.step_s * 100;
    if (o.trace) {
        FILE *f = fopen(o.trace, "w");
        double *caps = ut_malloc((size_t)nw->nlinks * sizeof *caps);
        for (int i = 0; i < nw->nlinks; i++) caps[i] = nw->links[i].cap_Bps;
        int bad = !f || tl_write_chrome_trace(tm_step_timeline(step), f, nw->gpus_per_node, label_link, nw, caps) != 0;
        if (f && fclose(f) != 0) bad = 1;
        free(caps);
        if (bad) {
            cli_error(_("cannot write the trace to '%s'"), o.trace);
            rc = CLI_BAD_INPUT;
            goto out;
        }
    }
    if (o.json) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "platform", p->id);
        cJSON_AddStringToObject(j, "partition", p->partitions[part].id);
        cJSON_AddStringToObject(j, "model", o.model.id);
        cJSON_AddItemToObject(j, "plan", plan_json(&o.model, &o.plan, r.dp));
        cJSON_AddNumberToObject(j, "micro_batches", r.micro_batches);
        cJSON_AddNumberToObject(j, "step_time_s", step_s);
        cJSON_AddNumberToObject(j, "analytic_step_time_s", r.step_s);
        cJSON_AddNumberToObject(j, "difference_pct", diff);
        cJSON_AddNumberToObject(j, "tokens_per_s", r.tokens_per_step / step_s);
        if (njobs > 1) {
            cJSON *jobs = cJSON_AddArrayToObject(j, "jobs");
            for (int k = 0; k < njobs; k++) {
                const tm_result *rk = tm_step_job_predicted(step, k);
                double end = tm_step_job_end_s(step, k);
                cJSON *e = cJSON_CreateObject();
                cJSON_AddNumberToObject(e, "first_gpu", tm_step_job_first_gpu(step, k));
                cJSON_AddStringToObject(e, "model", list[k].m->id);
                cJSON_AddItemToObject(e, "plan", plan_json(list[k].m, tm_step_job_plan(step, k), rk->dp));
                cJSON_AddNumberToObject(e, "step_time_s", end);
                cJSON_AddNumberToObject(e, "analytic_step_time_s", rk->step_s);
                cJSON_AddNumberToObject(e, "difference_pct", (end - rk->step_s) / rk->step_s * 100);
                cJSON_AddItemToArray(jobs, e);
            }
            cJSON_AddNumberToObject(j, "makespan_s", st.end_s);
        }
        if (o.bg) {
            cJSON_AddStringToObject(j, "background_file", o.background);
            cli_scenario_report(o.bg, nw, tm_step_sim(step), cJSON_AddArrayToObject(j, "background"));
            if (njobs == 1) cJSON_AddNumberToObject(j, "makespan_s", st.end_s);
        }
        cli_sim_counts_json(j, &st);
        cJSON_AddNumberToObject(j, "wall_s", wall);
        cli_bottlenecks_json(j, nw, tm_step_timeline(step), st.end_s);
        if (o.trace) cJSON_AddStringToObject(j, "trace", o.trace);
        cli_print_json(j, "usine.simulate.step/1");
    } else {
        char a[64], b[64], line[256];
        plan_line(line, sizeof line, &o.model, &o.plan, r.dp);
        if (o.jobs > 1)
            printf(P_("%s on %s GPUs of %s/%s, %d jobs side by side: one step each, %d micro-batch, %s\n",
                      "%s on %s GPUs of %s/%s, %d jobs side by side: one step each, %d micro-batches, %s\n", r.micro_batches), o.model.name,
                   app_num(a, sizeof a, o.plan.gpus, 0), p->id, p->partitions[part].id, o.jobs, r.micro_batches, line);
        else
            printf(P_("%s on %s GPUs of %s/%s: one step, %d micro-batch, %s\n", "%s on %s GPUs of %s/%s: one step, %d micro-batches, %s\n",
                      r.micro_batches), o.model.name, app_num(a, sizeof a, o.plan.gpus, 0),
                   p->id, p->partitions[part].id, r.micro_batches, line);
        print_what_if(&o, p, part);
        for (int k = o.jobs; k < njobs; k++) {
            const tm_result *rk = tm_step_job_predicted(step, k);
            char g0[32], g1[32];
            int first = tm_step_job_first_gpu(step, k);
            plan_line(line, sizeof line, list[k].m, tm_step_job_plan(step, k), rk->dp);
            printf(P_("  beside it      %s on %s GPUs (%s to %s): %d micro-batch, %s\n", "  beside it      %s on %s GPUs (%s to %s): %d micro-batches, %s\n",
                      rk->micro_batches), list[k].m->name,
                   app_num(a, sizeof a, list[k].pl->gpus, 0), app_num(g0, sizeof g0, first, 0),
                   app_num(g1, sizeof g1, first + list[k].pl->gpus - 1, 0), rk->micro_batches, line);
        }
        char counts[256];
        cli_sim_counts(counts, sizeof counts, &st);
        printf(_("  simulated      %s   (discrete-event: %s, %s of wall time)\n"), app_time(a, sizeof a, step_s), counts,
               app_time(line, sizeof line, wall));
        printf(_("  analytic       %s   (usine predict); the simulation is %s %% from it\n"), app_time(a, sizeof a, r.step_s),
               app_signed(b, sizeof b, diff, 1));
        for (int k = 0; njobs > 1 && k < njobs; k++) {
            char g0[32], g1[32], t1[64];
            double end = tm_step_job_end_s(step, k), alone = tm_step_job_predicted(step, k)->step_s;
            int first = tm_step_job_first_gpu(step, k), last = first + list[k].pl->gpus - 1;
            app_num(g0, sizeof g0, first, 0), app_num(g1, sizeof g1, last, 0);
            if (k < o.jobs)
                printf(_("  job %d          %s   GPUs %s to %s (%s %% from the analytic step, which is one job alone)\n"), k + 1,
                       app_time(a, sizeof a, end), g0, g1, app_signed(b, sizeof b, (end - alone) / alone * 100, 1));
            else
                printf(_("  job %d          %s   GPUs %s to %s, %s (%s %% from its analytic step alone, %s)\n"), k + 1,
                       app_time(a, sizeof a, end), g0, g1, list[k].m->name, app_signed(b, sizeof b, (end - alone) / alone * 100, 1),
                       app_time(t1, sizeof t1, alone));
        }
        if (o.nbeside)
            printf(_("  all done at    %s\n"), app_time(a, sizeof a, st.end_s));
        if (o.bg) {
            printf(_("  background     %d collectives from %s (everything done at %s):\n"), cli_scenario_count(o.bg), o.background,
                   app_time(a, sizeof a, st.end_s));
            cli_scenario_report(o.bg, nw, tm_step_sim(step), NULL);
        }
        cli_bottlenecks_print(nw, tm_step_timeline(step), st.end_s);
        if (o.trace) printf(_("  trace: %s (open it in https://ui.perfetto.dev)\n"), o.trace);
    }
out:
    tm_step_free(step);
    tm_ctx_destroy(c);
    plat_free(p);
    cli_scenario_free(o.bg);
    free(bs);
    return rc;
}
