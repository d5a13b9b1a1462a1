/* bench_grade.c: how fast does `usine grade` get through a class? 300 submissions of the first
 * course's first exercise (platform API only, no kernels), graded with --jobs 2 into a journal,
 * as a teacher would, twice: a class where a third are right, a third half right and a third
 * broken (a syntax error); then the worst case the bar allows, where that last third loops
 * forever and each spends the whole instruction budget. Prints the wall time, the rate and the
 * bar (300 in under 10 s). */
#define _GNU_SOURCE 1
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define N 300

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static const char *const kinds[] = {
    /* right */
    "function gpus(p, id) local q = p:partition(id) return q.nodes * q.gpus_per_node end\n"
    "function peak_pflops(p, id, prec) local a = p:partition(id).accelerator\n"
    "  return gpus(p, id) * (a and a.peak_tflops[prec] or 0) / 1000 end\n"
    "function power_mw(p, id) local q = p:partition(id) return q.nodes * q.node.power_w / 1e6 end\n",
    /* half right */
    "function gpus(p, id) local q = p:partition(id) return q.nodes * q.gpus_per_node end\n"
    "function peak_pflops(p, id, prec) return 1 end\n"
    "function power_mw(p, id) return p:partition(id).node.power_w end\n",
    /* a syntax error */
    "function gpus(p, id) return p:partition(id).nodes * end\n",
    /* an endless loop in one function */
    "function gpus(p, id) while true do end end\n"
    "function peak_pflops() return 0 end\nfunction power_mw() return 0 end\n",
};

static int batch(const char *usine, int third, const char *label)
{
    char dir[] = "/tmp/usine-bench-grade-XXXXXX";
    if (!mkdtemp(dir)) return 1;
    char **args = calloc(N + 16, sizeof *args);
    int a = 0;
    args[a++] = (char *)usine;
    args[a++] = "grade";
    args[a++] = "courses/fondamentaux/anatomy.lua";
    for (int i = 0; i < N; i++) {
        char path[128];
        snprintf(path, sizeof path, "%s/student%03d.lua", dir, i);
        FILE *f = fopen(path, "w");
        if (!f) return 1;
        fprintf(f, "-- student %d\n%s", i, kinds[i % 3 == 2 ? third : i % 3]);
        fclose(f);
        args[a++] = strdup(path);
    }
    char out[160];
    snprintf(out, sizeof out, "%s/grades.jsonl", dir);
    args[a++] = "--jobs";
    args[a++] = "2";
    args[a++] = "--format";
    args[a++] = "json";
    args[a++] = "--out";
    args[a++] = out;
    args[a] = NULL;

    fflush(stdout);
    double t0 = now_s();
    pid_t pid = fork();
    if (pid == 0) {
        freopen("/dev/null", "w", stdout);
        execv(usine, args);
        _exit(127);
    }
    int st;
    waitpid(pid, &st, 0);
    double wall = now_s() - t0;
    int lines = 0, full = 0;
    FILE *f = fopen(out, "r");
    char line[1 << 16];
    while (f && fgets(line, sizeof line, f)) {
        lines++;
        full += strstr(line, "\"passed\":true") != NULL;
    }
    if (f) fclose(f);
    printf("grade, %s: %d submissions (%d full marks) in %.2f s with --jobs 2: %.0f submissions/s, %.1f ms each\n",
           label, lines, full, wall, lines / wall, 1e3 * wall / (lines ? lines : 1));
    printf("bar: 300 in under 10 s: %s\n", lines == N && wall < 10 ? "PASS" : "MISS");
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) return 1;
    for (int i = 3; i < a - 6; i++) free(args[i]);
    free(args);
    return lines == N && WIFEXITED(st) ? 0 : 1;
}

int main(int argc, char **argv)
{
    const char *usine = argc > 1 ? argv[1] : "build/usine";
    int rc = batch(usine, 2, "a class (a third with a syntax error)");
    rc |= batch(usine, 3, "worst case (a third loop forever)");
    return rc;
}
