/* bench_step.c: one training step replayed by the simulator, at the machines' scale. The issue's
 * yardstick: a step of a whole exascale preset for the window's default job (Llama 2 7B, tp 2,
 * pp 4, a global batch of one sequence per GPU) under 10 s of wall time on a 2-core machine.
 * Every preset at 2,048 GPUs (the window's detailed size); Jean Zay's H100 partition and Alice
 * Recoque whole (1,456 and 12,824 GPUs); El Capitan and JUPITER at 8,192 (their whole machines,
 * 44,544 and 24,000 GPUs, take about 14 s and 9 s: adaptive dragonfly routing sends pipeline
 * traffic around the groups, where it meets the data-parallel rings, so much of the step runs
 * message by message (most of those messages alone on their links, in closed form one by one;
 * the rest in components of many flows that max-min fairness recomputes at each of their
 * changes)). "diff" is the simulated step against the analytic one (usine predict). Prints
 * figures; asserts nothing. Run with 'make bench'. */
#include <stdio.h>
#include <time.h>

#include "ds.h"
#include "train.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int step(const char *name, const char *partition, int gpus)
{
    char path[256], err[512];
    snprintf(path, sizeof path, "assets/platforms/%s.xml", name);
    plat_error e;
    plat_platform *p = plat_load_file(path, &e);
    if (!p) {
        fprintf(stderr, "%s\n", e.msg);
        return 1;
    }
    tm_ctx *c = tm_ctx_create(p, partition ? plat_find_partition(p, partition) : 0, gpus, err, sizeof err);
    if (!c) {
        fprintf(stderr, "%s: %s\n", name, err);
        plat_free(p);
        return 1;
    }
    tm_plan pl = tm_plan_default();
    pl.gpus = gpus, pl.tp = 2, pl.pp = 4, pl.gbs = gpus;
    double t0 = now_s();
    tm_step *s = tm_step_simulate(c, tm_model_preset("llama2-7b"), &pl, NULL, err, sizeof err);
    double wall = now_s() - t0;
    if (!s) {
        fprintf(stderr, "%s: %s\n", name, err);
        tm_ctx_destroy(c);
        plat_free(p);
        return 1;
    }
    const ds_stats *st = tm_step_stats(s);
    double analytic = tm_step_predicted(s)->step_s;
    printf("%-14s %6d %12.3f %12.3f %+6.1f %%  %12llu %11llu %8llu %7llu %8.2f\n", name, gpus, st->end_s * 1e3, analytic * 1e3,
           100 * (st->end_s / analytic - 1), (unsigned long long)st->flows, (unsigned long long)st->events,
           (unsigned long long)st->replayed, (unsigned long long)st->handed_back, wall);
    tm_step_free(s);
    tm_ctx_destroy(c);
    plat_free(p);
    return 0;
}

int main(void)
{
    printf("%-14s %6s %12s %12s %8s  %12s %11s %8s %7s %8s\n", "platform", "gpus", "sim ms", "analytic ms", "diff",
           "messages", "events", "closed", "handed", "wall s");
    static const char *const presets[] = { "classroom", "selene", "eos", "alice-recoque", "el-capitan", "frontier", "jupiter" };
    int rc = 0;
    for (size_t i = 0; i < sizeof presets / sizeof *presets; i++) rc |= step(presets[i], NULL, i == 0 ? 128 : 2048);
    rc |= step("jean-zay", "h100", 1456);             /* the whole H100 partition */
    rc |= step("alice-recoque", NULL, 12824);         /* the whole machine: the yardstick */
    rc |= step("el-capitan", NULL, 8192);
    rc |= step("jupiter", NULL, 8192);
    return rc;
}
