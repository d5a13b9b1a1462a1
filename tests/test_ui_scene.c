/* test_ui_scene.c: what the desktop app draws comes from the core, faithfully. A scene's phase
 * tracks say what the simulator's timeline says at every instant; the extrapolations are the
 * analytic model's own predictions; the layout places every GPU inside its node and its rack,
 * and every simulated NIC link is drawn by exactly one cable. The explanation is the prediction
 * term by term; the stack and the end stages of the scenario are the plan's. No window, no SDL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ui.h"
#include "ui_plot.h"

#define PLATFORMS "assets/platforms"

static ui_scenario classroom(void)
{
    ui_scenario sc;
    memset(&sc, 0, sizeof sc);
    snprintf(sc.platform, sizeof sc.platform, "classroom");
    snprintf(sc.model, sizeof sc.model, "llama2-7b");
    sc.tp = 2, sc.pp = 4, sc.mbs = 1;
    sc.prec = PLAT_BF16;
    return sc;
}

static int setup(void **state)
{
    ui_scenario sc = classroom();
    ui_scene *s = ui_scene_build(&sc, PLATFORMS, NULL);
    if (!s || s->error[0]) return -1;
    *state = s;
    return 0;
}

static int teardown(void **state)
{
    ui_scene_free(*state);
    return 0;
}

static int in(ui_rect inner, ui_rect outer)
{
    return inner.x >= outer.x - 1e-4f && inner.y >= outer.y - 1e-4f && inner.x + inner.w <= outer.x + outer.w + 1e-4f &&
           inner.y + inner.h <= outer.y + outer.h + 1e-4f;
}

/* ui_track_at_near (the window's look-up of every GPU at every frame) gives what the search gives,
 * for times going on a little, jumping and going back, from the hint the last call left. */
static void test_track_at_near_is_the_search(void **state)
{
    const ui_scene *s = *state;
    int *hint = calloc((size_t)s->plan.gpus, sizeof *hint), compared = 0;
    uint64_t x = 987654321;
    for (int k = 0; k < 3000; k++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        double f = (double)(x >> 11) / 9007199254740992.0;
        double t = k % 11 == 0 ? (f * 1.2 - 0.1) * s->st.end_s : fmod(k * s->st.end_s / 613, s->st.end_s);
        for (int g = 0; g < s->plan.gpus; g++) {
            int c1, c2;
            ui_phase a = ui_track_at_near(&s->tracks[g], t, &c1, &hint[g]), b = ui_track_at(&s->tracks[g], t, &c2);
            if (a != b || c1 != c2) fail_msg("GPU %d at %.9g s: %d/%d from the hint, %d/%d searched", g, t, a, c1, b, c2);
            compared++;
        }
    }
    assert_true(compared > 100000);
    free(hint);
}

static void test_tracks_follow_the_timeline(void **state)
{
    const ui_scene *s = *state;
    assert_int_equal(s->plan.gpus, 128);
    assert_true(s->st.end_s > 0);
    /* at many instants, the phase agrees with the timeline's own query */
    int checked = 0, busy = 0;
    for (int g = 0; g < s->plan.gpus; g += 3) {
        for (int k = 0; k < 200; k++) {
            double t = s->st.end_s * (k + 0.37) / 200;
            unsigned bits = tl_gpu_state(s->timeline, g, t);
            int comm;
            ui_phase ph = ui_track_at(&s->tracks[g], t, &comm);
            if (bits & (1u << TL_COMPUTE)) {
                assert_true(ph == UI_FORWARD || ph == UI_BACKWARD || ph == UI_OPTIMIZER);
                busy++;
            } else if (bits & (1u << TL_COMM))
                assert_int_equal(ph, UI_COMM);
            else
                assert_int_equal(ph, UI_IDLE);
            assert_int_equal(comm, (bits & (1u << TL_COMM)) != 0);
            checked++;
        }
    }
    assert_true(busy > checked / 4);
    /* the time a track spends computing is the timeline's busy time */
    for (int g = 0; g < s->plan.gpus; g += 17) {
        const ui_track *tr = &s->tracks[g];
        double comp = 0;
        for (int i = 0; i < tr->n; i++) {
            double t1 = i + 1 < tr->n ? tr->t[i + 1] : s->st.end_s;
            if (tr->phase[i] == UI_FORWARD || tr->phase[i] == UI_BACKWARD || tr->phase[i] == UI_OPTIMIZER) comp += t1 - tr->t[i];
        }
        assert_true(fabs(comp - tl_gpu_busy_s(s->timeline, g, TL_COMPUTE)) < 1e-9 * s->st.end_s + 1e-12);
    }
}

static void test_pipeline_has_a_bubble(void **state)
{
    const ui_scene *s = *state;
    /* 1F1B: the last stage waits at the start of the step for the first micro-batch */
    int last_stage_gpu = (s->plan.pp - 1) * s->plan.tp * s->r.dp;
    int comm;
    assert_int_equal(ui_track_at(&s->tracks[last_stage_gpu], s->st.end_s * 1e-4, &comm), UI_IDLE);
    assert_int_equal(ui_track_at(&s->tracks[0], s->st.end_s * 1e-4, &comm), UI_FORWARD);
}

static void test_extrapolations_are_the_model(void **state)
{
    const ui_scene *s = *state;
    const ui_extra *full = &s->extra[UI_EXTRA_FULL];
    assert_true(full->ok);
    char err[512];
    tm_ctx *c = tm_ctx_create(s->plat, s->part, full->plan.gpus, err, sizeof err);
    assert_non_null(c);
    tm_result r;
    assert_int_equal(tm_predict(c, &s->model, &full->plan, 0, &r, err, sizeof err), 0);
    assert_true(fabs(r.step_s - full->r.step_s) <= 1e-12 * r.step_s);
    tm_ctx_destroy(c);
    /* Jean Zay: all 1,456 H100, the same per-replica batch */
    const ui_extra *jz = &s->extra[UI_EXTRA_JEANZAY];
    assert_true(jz->ok);
    assert_true(jz->plan.gpus <= 1456 && jz->plan.gpus > 1400);
    assert_true(jz->r.tokens_per_s > s->r.tokens_per_s);
    /* no calibration given: this computer says so */
    assert_false(s->extra[UI_EXTRA_LOCAL].ok);
    assert_non_null(strstr(s->extra[UI_EXTRA_LOCAL].why, "calibrate"));
}

/* The explanation is the prediction, term by term: the groups in the core's order, a total that
 * is the scene's analytic step (the simulator's own prediction) and a fresh tm_predict of the same
 * plan, and the step's terms adding up to it. */
static void test_explanation_is_the_prediction(void **state)
{
    const ui_scene *s = *state;
    assert_true(s->nterms > 20);
    static const char *const order[] = { "rates", "layer", "stage", "step", "total" };
    int g = 0, qkv = 0;
    double step_sum = 0;
    for (int i = 0; i < s->nterms; i++) {
        const ui_term *t = &s->terms[i];
        while (g < 5 && strcmp(t->group, order[g])) g++;
        if (g == 5) fail_msg("term '%s' of group '%s' is out of the core's order", t->name, t->group);
        assert_true(t->how[0]);
        qkv += !strcmp(t->name, "QKV projection");
        if (!strcmp(t->group, "step")) step_sum += t->s;
    }
    assert_int_equal(qkv, 1);
    const ui_term *total = &s->terms[s->nterms - 1];
    assert_string_equal(total->group, "total");
    assert_true(fabs(total->s - s->r.step_s) <= 1e-9 * s->r.step_s);
    assert_true(fabs(step_sum - s->r.step_s) <= 1e-6 * s->r.step_s);
    char err[512];
    tm_ctx *c = tm_ctx_create(s->plat, s->part, s->plan.gpus, err, sizeof err);
    assert_non_null(c);
    tm_result r;
    assert_int_equal(tm_predict(c, &s->model, &s->plan, 0, &r, err, sizeof err), 0);
    assert_true(fabs(r.step_s - total->s) <= 1e-12 * r.step_s);
    tm_ctx_destroy(c);
}

/* The scenario's stack is the plan's, with the stack's defaults; a stack the simulator cannot
 * replay is refused with its message, and the analytic side (explanation, extrapolations) stays. */
static void test_stack_in_the_scene(void **state)
{
    (void)state;
    ui_scenario sc = classroom();
    sc.stack = tm_stack_find("megatron-lm-2021");
    assert_true(sc.stack > 0);
    ui_scene *s = ui_scene_build(&sc, PLATFORMS, NULL);
    assert_string_equal(s->error, "");
    assert_int_equal(s->plan.stack, sc.stack);
    assert_int_equal(s->plan.dp_overlap, tm_stacks(&(int){ 0 })[sc.stack].dp_overlap);
    assert_int_equal(s->plan.flash, tm_stacks(&(int){ 0 })[sc.stack].flash);
    assert_non_null(s->tracks);
    double t2021 = s->r.step_s;
    ui_scene_free(s);

    sc = classroom();
    s = ui_scene_build(&sc, PLATFORMS, NULL);
    assert_int_equal(s->plan.stack, 0);
    assert_true(s->r.step_s < t2021);            /* overlap and FlashAttention: a shorter step */
    ui_scene_free(s);

    sc.stack = tm_stack_find("megascale-2024");
    tm_plan ms = tm_plan_default();
    tm_stack_apply(sc.stack, &ms);               /* its tensor-parallel overlap is on by default: replayed too */
    assert_true(tm_step_runs(&ms));
    s = ui_scene_build(&sc, PLATFORMS, NULL);
    assert_true(!s->error[0]);
    assert_true(s->plan.tp_overlap == (s->plan.tp > 1));
    assert_non_null(s->tracks);
    assert_true(fabs(s->st.end_s / s->r.step_s - 1) < 0.05);   /* both speeds agree with the overlap */
    assert_true(s->nterms > 20);
    assert_true(fabs(s->terms[s->nterms - 1].s - s->r.step_s) <= 1e-9 * s->r.step_s);
    assert_true(s->extra[UI_EXTRA_FULL].ok);
    assert_int_equal(s->plan.dp, s->r.dp);
    ui_scene_free(s);
}

/* The end-stage control walks the splits in the order of the layers the ends hold, the rule
 * among them, and stops at either end; the scene simulates the split it is given. */
static void test_stage_steps(void **state)
{
    (void)state;
    const tm_model *m = tm_model_preset("llama2-7b");   /* 32 layers */
    char buf[64];
    int f = 0, l = 0;
    assert_string_equal(ui_stage_text(m, 4, f, l, buf, sizeof buf), "8 x 4");
    assert_int_equal(ui_stage_step(m, 4, &f, &l, -1), 1);
    assert_int_equal(f, 7);
    assert_int_equal(l, 7);
    assert_string_equal(ui_stage_text(m, 4, f, l, buf, sizeof buf), "7, 9 x 2, 7");
    assert_int_equal(ui_stage_step(m, 4, &f, &l, +1), 1);
    assert_int_equal(f, 0);                              /* back to the rule, not its twin 8, 8 */
    assert_int_equal(l, 0);
    assert_int_equal(ui_stage_step(m, 4, &f, &l, +1), 1);
    assert_string_equal(ui_stage_text(m, 4, f, l, buf, sizeof buf), "9, 7 x 2, 9");
    for (int i = 0; i < 40 && ui_stage_step(m, 4, &f, &l, -1);) i++;
    assert_int_equal(f, 1);                              /* the lightest: one layer at each end */
    assert_int_equal(ui_stage_step(m, 4, &f, &l, -1), 0);
    for (int i = 0; i < 40 && ui_stage_step(m, 4, &f, &l, +1);) i++;
    assert_int_equal(f, 15);                             /* the heaviest: the middle stages keep one each */
    assert_string_equal(ui_stage_text(m, 4, f, l, buf, sizeof buf), "15, 1 x 2, 15");
    f = l = 0;
    assert_int_equal(ui_stage_step(m, 2, &f, &l, -1), 0); /* two stages are both ends */

    /* BLOOM's 70 layers on 12 stages: the rule is 5, 6 x 10, 5; the next equal ends are 10 */
    m = tm_model_preset("bloom-176b");
    f = l = 0;
    assert_string_equal(ui_stage_text(m, 12, f, l, buf, sizeof buf), "5, 6 x 10, 5");
    assert_int_equal(ui_stage_step(m, 12, &f, &l, -1), 0);
    assert_int_equal(ui_stage_step(m, 12, &f, &l, +1), 1);
    assert_string_equal(ui_stage_text(m, 12, f, l, buf, sizeof buf), "10, 5 x 10, 10");
    assert_string_equal(ui_stage_text(m, 12, 3, 4, buf, sizeof buf), "");   /* not a valid split */

    ui_scenario sc = classroom();
    sc.first_layers = sc.last_layers = 7;
    ui_scene *s = ui_scene_build(&sc, PLATFORMS, NULL);
    assert_string_equal(s->error, "");
    assert_int_equal(s->plan.first_layers, 7);
    assert_int_equal(s->plan.last_layers, 7);
    assert_non_null(s->tracks);
    ui_scene_free(s);
}

static void test_layout_nests_and_cables_cover_links(void **state)
{
    const ui_scene *s = *state;
    ui_layout *l = ui_layout_build(s->plat, s->part, s->nw, 16.0 / 9);
    assert_int_equal(l->nodes, 16);
    assert_int_equal(l->gpn, 8);
    assert_int_equal(l->racks, 4);
    for (int k = 0; k < l->racks; k++)
        for (int i = 0; i < l->rack[k].count; i++) {
            int v = l->rack[k].first + i;
            assert_true(in(l->node[v], l->rack[k].r));
            for (int g = 0; g < l->gpn; g++) assert_true(in(l->gpu[v * l->gpn + g], l->node[v]));
        }
    for (int a = 0; a < l->nodes; a++)
        for (int b = a + 1; b < l->nodes; b++) {
            ui_rect x = l->node[a], y = l->node[b];
            int overlap = x.x < y.x + y.w && y.x < x.x + x.w && x.y < y.y + y.h && y.y < x.y + x.h;
            assert_false(overlap);
        }
    /* the explicit network: 4 leaves and 2 spines drawn, each NIC link in one cable */
    assert_int_equal(l->nsw, 6);
    int *seen = calloc((size_t)s->nw->nlinks, sizeof *seen);
    for (int c = 0; c < l->ncables; c++)
        for (int i = 0; i < l->cables[c].nlinks; i++) {
            int id = l->cables[c].links[i];
            assert_true(id >= 0 && id < s->nw->nlinks);
            seen[id]++;
        }
    for (int i = 0; i < s->nw->nlinks; i++) {
        if (s->nw->links[i].kind == NET_LINK_NIC || s->nw->links[i].kind == NET_LINK_FABRIC) assert_int_equal(seen[i], 1);
        if (s->nw->links[i].kind == NET_LINK_SCALEUP) assert_int_equal(seen[i], 0);
    }
    free(seen);
    ui_layout_free(l);
}

static void test_fat_tree_layout(void **state)
{
    (void)state;
    ui_scenario sc = classroom();
    snprintf(sc.platform, sizeof sc.platform, "jean-zay");
    snprintf(sc.partition, sizeof sc.partition, "a100");
    sc.gpus = 64;
    ui_scene *s = ui_scene_build(&sc, PLATFORMS, NULL);
    assert_string_equal(s->error, "");
    assert_int_equal(s->plan.gpus, 64);
    ui_layout *l = ui_layout_build(s->plat, s->part, s->nw, 1.5);
    assert_int_equal(l->nodes, 52);
    /* simulated nodes' NIC links and the leaves' uplinks each appear once; the rest is outside */
    int *seen = calloc((size_t)s->nw->nlinks, sizeof *seen);
    for (int c = 0; c < l->ncables; c++)
        for (int i = 0; i < l->cables[c].nlinks; i++) seen[l->cables[c].links[i]]++;
    for (int i = 0; i < s->nw->nlinks; i++)
        if (s->nw->links[i].kind != NET_LINK_SCALEUP) assert_int_equal(seen[i], 1);
    free(seen);
    int comm;
    assert_int_equal(ui_track_at(NULL, 0, &comm), UI_IDLE);
    ui_layout_free(l);
    ui_scene_free(s);
}

/* Beyond 2,048 GPUs the window simulates the whole partition without link loads over time (Eos's
 * 4,608 H100 take half a second): every GPU has its track, cables read their mean load over the
 * step (bytes over capacity and time), and the notice says so. Up to 2,048 the loads are kept. */
static void test_whole_machine(void **state)
{
    (void)state;
    ui_scenario sc = classroom();
    snprintf(sc.platform, sizeof sc.platform, "eos");
    ui_scene *s = ui_scene_build(&sc, PLATFORMS, NULL);
    assert_string_equal(s->error, "");
    assert_int_equal(s->plan.gpus, 4608);
    assert_int_equal(s->detailed, 0);
    assert_non_null(strstr(s->notice, "every GPU simulated"));
    assert_true(s->st.end_s > 0);
    int busy = 0;
    for (int g = 0; g < s->plan.gpus; g++) busy += s->tracks[g].n > 2;   /* each went through its passes */
    assert_int_equal(busy, 4608);
    double carried = 0;
    for (int l = 0; l < s->nw->nlinks; l++) carried += tl_link_bytes(s->timeline, l);
    assert_true(carried > 0);
    ui_scene_free(s);
    sc.gpus = 2048;
    s = ui_scene_build(&sc, PLATFORMS, NULL);
    assert_string_equal(s->error, "");
    assert_int_equal(s->detailed, 1);
    assert_null(strstr(s->notice, "every GPU simulated"));
    ui_scene_free(s);
}

/* A dragonfly is drawn as one fabric: every simulated NIC link still has its cable, once. */
static void test_dragonfly_layout(void **state)
{
    (void)state;
    ui_scenario sc = classroom();
    snprintf(sc.platform, sizeof sc.platform, "frontier");
    sc.gpus = 64;
    ui_scene *s = ui_scene_build(&sc, PLATFORMS, NULL);
    assert_string_equal(s->error, "");
    ui_layout *l = ui_layout_build(s->plat, s->part, s->nw, 1.8);
    assert_int_equal(l->nodes, s->plat->partitions[s->part].nodes);
    int *seen = calloc((size_t)s->nw->nlinks, sizeof *seen);
    for (int c = 0; c < l->ncables; c++)
        for (int i = 0; i < l->cables[c].nlinks; i++) seen[l->cables[c].links[i]]++;
    int nic = 0;
    for (int i = 0; i < s->nw->nlinks; i++)
        if (s->nw->links[i].kind == NET_LINK_NIC) assert_int_equal(seen[i], 1), nic++;
    assert_true(nic >= 2 * 16);   /* 16 nodes of 4 GPUs, at least one NIC pair each */
    free(seen);
    ui_layout_free(l);
    ui_scene_free(s);
}

/* nodes: the scene's platform is the partition resized (a what-if machine), drawn, simulated and
 * extrapolated at its new size; the file's count is kept for the control, and a network that
 * cannot grow says so. */
static void test_what_if_nodes(void **state)
{
    (void)state;
    ui_scenario sc = classroom();
    snprintf(sc.platform, sizeof sc.platform, "jean-zay");
    snprintf(sc.partition, sizeof sc.partition, "a100");
    sc.gpus = 64;
    sc.nodes = 104;
    ui_scene *s = ui_scene_build(&sc, PLATFORMS, NULL);
    assert_string_equal(s->error, "");
    assert_int_equal(s->file_nodes, 52);
    assert_int_equal(s->plat->partitions[s->part].nodes, 104);
    assert_int_equal(s->part_gpus, 104 * 8);
    assert_non_null(strstr(s->notice, "104"));
    assert_non_null(strstr(s->notice, "52"));
    assert_true(s->extra[UI_EXTRA_FULL].ok);
    assert_true(s->extra[UI_EXTRA_FULL].plan.gpus > 52 * 8);            /* the full machine is the grown one */
    ui_layout *l = ui_layout_build(s->plat, s->part, s->nw, 1.5);
    assert_int_equal(l->nodes, 104);
    ui_layout_free(l);
    ui_scene_free(s);

    sc = classroom();
    sc.nodes = 8;                                                       /* half the classroom */
    s = ui_scene_build(&sc, PLATFORMS, NULL);
    assert_string_equal(s->error, "");
    assert_int_equal(s->file_nodes, 16);
    assert_int_equal(s->plan.gpus, 64);
    ui_scene_free(s);

    sc.nodes = 32;                                                      /* listed switches cannot grow */
    s = ui_scene_build(&sc, PLATFORMS, NULL);
    assert_non_null(strstr(s->error, "cannot grow"));
    assert_int_equal(s->file_nodes, 16);                                /* the control can still step back */
    assert_null(s->tracks);
    ui_scene_free(s);
}

static void test_bad_scenarios_say_why(void **state)
{
    (void)state;
    ui_scenario sc = classroom();
    snprintf(sc.platform, sizeof sc.platform, "no-such-preset");
    ui_scene *s = ui_scene_build(&sc, PLATFORMS, NULL);
    assert_non_null(strstr(s->error, "no-such-preset"));
    ui_scene_free(s);

    sc = classroom();
    snprintf(sc.partition, sizeof sc.partition, "nope");
    s = ui_scene_build(&sc, PLATFORMS, NULL);
    assert_non_null(strstr(s->error, "nope"));
    ui_scene_free(s);

    sc = classroom();
    sc.tp = 256;   /* more than the machine */
    s = ui_scene_build(&sc, PLATFORMS, NULL);
    assert_true(s->error[0]);
    assert_null(s->tracks);
    ui_scene_free(s);

    /* a broken file names itself and its line */
    const char *bad = "/tmp/usine-test-ui-bad.xml";
    FILE *f = fopen(bad, "w");
    assert_non_null(f);
    fputs("<platform version=\"1\" id=\"x\" name=\"x\">\n<accelerator id=\"a\"/>\n</platform>\n", f);
    fclose(f);
    sc = classroom();
    snprintf(sc.platform, sizeof sc.platform, "%s", bad);
    s = ui_scene_build(&sc, PLATFORMS, NULL);
    assert_non_null(strstr(s->error, "usine-test-ui-bad.xml:"));
    ui_scene_free(s);
    remove(bad);
}

static void test_worker_keeps_the_newest(void **state)
{
    (void)state;
    ui_worker w;
    assert_int_equal(ui_worker_start(&w, PLATFORMS, NULL), 0);
    ui_scenario a = classroom(), b = classroom();
    b.tp = 4;
    ui_worker_request(&w, &a);
    ui_worker_request(&w, &b);
    ui_scene *got = NULL;
    for (int i = 0; i < 3000 && (!got || got->sc.tp != 4); i++) {
        ui_scene *s = ui_worker_take(&w);
        if (s) {
            ui_scene_free(got);
            got = s;
        }
        if (!got || got->sc.tp != 4) {
            struct timespec ts = { 0, 10000000 };
            nanosleep(&ts, NULL);
        }
    }
    assert_non_null(got);
    assert_int_equal(got->sc.tp, 4);
    assert_int_equal(got->plan.tp, 4);
    ui_scene_free(got);
    ui_worker_stop(&w);
}

/* The worker publishes the analytic figures of a new scenario first (milliseconds), then the
 * simulated step (seconds on a whole partition): the window never shows the last scenario's
 * figures meanwhile. */
static void test_worker_publishes_the_analytic_figures_first(void **state)
{
    (void)state;
    ui_worker w;
    assert_int_equal(ui_worker_start(&w, PLATFORMS, NULL), 0);
    ui_scenario sc = classroom();
    snprintf(sc.platform, sizeof sc.platform, "jean-zay");
    snprintf(sc.partition, sizeof sc.partition, "h100");   /* 1,456 GPUs: about a second to simulate */
    ui_worker_request(&w, &sc);
    ui_scene *first = NULL, *full = NULL;
    for (int i = 0; i < 600000 && !full; i++) {
        ui_scene *s = ui_worker_take(&w);
        if (s && !first) first = s;
        else if (s && !s->pending) full = s;
        else if (s) ui_scene_free(s);
        if (!full) {
            struct timespec ts = { 0, 100000 };
            nanosleep(&ts, NULL);
        }
    }
    assert_non_null(first);
    assert_non_null(full);
    assert_true(first->pending);
    assert_string_equal(first->error, "");
    assert_true(first->nterms > 0 && first->r.step_s > 0);   /* the new scenario's analytic step */
    assert_null(first->tracks);
    assert_true(first->st.end_s == 0);
    assert_false(full->pending);
    assert_non_null(full->tracks);
    assert_true(full->st.end_s > 0);
    assert_true(fabs(full->r.step_s - first->r.step_s) <= 1e-9 * full->r.step_s);   /* the same prediction */
    ui_scene_free(first);
    ui_scene_free(full);
    ui_worker_stop(&w);
}

/* The core's messages about a plan name the window's controls, not the command line's options. */
static void test_messages_name_the_window_controls(void **state)
{
    (void)state;
    plat_error perr;
    plat_platform *p = plat_load_file(PLATFORMS "/classroom.xml", &perr);
    assert_non_null(p);
    char err[512];
    tm_ctx *c = tm_ctx_create(p, 0, 128, err, sizeof err);
    assert_non_null(c);
    tm_ctx_set_names(c, &ui_field_names);
    tm_plan pl = tm_plan_default();
    pl.gpus = 128, pl.tp = 2, pl.pp = 4, pl.gbs = 100;        /* dp 16: 100 is not a multiple */
    assert_int_not_equal(tm_plan_check(c, tm_model_preset("llama2-7b"), &pl, err, sizeof err), 0);
    if (!strstr(err, "try global batch (v V) ")) fail_msg("%s", err);
    assert_null(strstr(err, "--gbs"));
    tm_ctx_destroy(c);
    plat_free(p);
}

/* The scenario's global batch is the one predicted and simulated; one that is not a multiple of
 * dp x micro-batch (set for other GPUs) is the nearest multiple, and the notice says so. */
static void test_global_batch_is_the_scenarios(void **state)
{
    (void)state;
    ui_scenario sc = classroom();   /* 128 GPUs, tp 2 x pp 4: dp 16 */
    sc.gbs = 64;
    ui_scene *s = ui_scene_build(&sc, PLATFORMS, NULL);
    assert_string_equal(s->error, "");
    assert_int_equal(s->plan.gbs, 64);
    assert_int_equal(s->r.micro_batches, 4);
    assert_true(s->st.end_s > 0);
    tm_plan pl = *tm_step_plan(s->step);                 /* the simulator's own plan */
    assert_int_equal(pl.gbs, 64);
    assert_null(strstr(s->notice, "global batch"));
    ui_scene_free(s);
    sc.gbs = 100;
    s = ui_scene_build(&sc, PLATFORMS, NULL);
    assert_string_equal(s->error, "");
    assert_int_equal(s->plan.gbs, 96);                   /* 6 x 16, nearer than 112 */
    assert_non_null(strstr(s->notice, "global batch 100"));
    ui_scene_free(s);
}

/* A language switch builds the scene's words again and moves the step into them: the new scene
 * has the step, the timeline and the tracks, the old one nothing left but what freeing frees; a
 * scene of another scenario takes nothing. */
static void test_take_step_moves_the_simulation(void **state)
{
    (void)state;
    ui_scenario sc = classroom();
    ui_scene *old = ui_scene_build(&sc, PLATFORMS, NULL);
    assert_non_null(old->step);
    const tm_step *step = old->step;
    const ui_track *tracks = old->tracks;
    ds_stats st = old->st;
    ui_scene *words = ui_scene_build_analytic(&sc, PLATFORMS, NULL);
    assert_true(words->pending);
    assert_null(words->step);
    sc.tp = 4;
    ui_scene *other = ui_scene_build_analytic(&sc, PLATFORMS, NULL);
    assert_int_equal(ui_scene_take_step(other, old), -1);               /* another plan */
    assert_true(old->step == step);
    assert_int_equal(ui_scene_take_step(old, words), -1);               /* nothing to take from a pending scene */
    assert_int_equal(ui_scene_take_step(words, old), 0);
    assert_true(words->step == step && words->tracks == tracks);
    assert_false(words->pending);
    assert_true(words->st.end_s == st.end_s && words->st.work == st.work);
    assert_true(words->timeline == tm_step_timeline(words->step));
    assert_true(words->nterms > 20);                                     /* its own explanation */
    assert_null(old->step);
    assert_null(old->tracks);
    assert_int_equal(ui_scene_take_step(words, old), -1);               /* once */
    ui_scene_free(old);                                                  /* frees the rest */
    for (int g = 0; g < words->plan.gpus; g += 17) {                     /* still readable: the platform moved too */
        int comm;
        (void)ui_track_at(&words->tracks[g], st.end_s / 2, &comm);
    }
    assert_non_null(words->plat);
    ui_scene_free(words);
    ui_scene_free(other);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_tracks_follow_the_timeline, setup, teardown),
        cmocka_unit_test_setup_teardown(test_track_at_near_is_the_search, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pipeline_has_a_bubble, setup, teardown),
        cmocka_unit_test_setup_teardown(test_extrapolations_are_the_model, setup, teardown),
        cmocka_unit_test_setup_teardown(test_layout_nests_and_cables_cover_links, setup, teardown),
        cmocka_unit_test_setup_teardown(test_explanation_is_the_prediction, setup, teardown),
        cmocka_unit_test(test_stack_in_the_scene),
        cmocka_unit_test(test_global_batch_is_the_scenarios),
        cmocka_unit_test(test_messages_name_the_window_controls),
        cmocka_unit_test(test_take_step_moves_the_simulation),
        cmocka_unit_test(test_stage_steps),
        cmocka_unit_test(test_fat_tree_layout),
        cmocka_unit_test(test_whole_machine),
        cmocka_unit_test(test_dragonfly_layout),
        cmocka_unit_test(test_what_if_nodes),
        cmocka_unit_test(test_bad_scenarios_say_why),
        cmocka_unit_test(test_worker_keeps_the_newest),
        cmocka_unit_test(test_worker_publishes_the_analytic_figures_first),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
