/* bench_gui.c: frame times of the desktop app, measured the way the issue sets its bar: Jean Zay's
 * H100 partition (1,456 GPUs) animated at 1920x1080 with SDL's software renderer, offscreen.
 * It runs the real program (`usine gui --headless --frames N --json`) three times, with and
 * without the course panel, and prints p50 and p99 frame times and the time to the first frame.
 * Bars: p99 <= 16.7 ms (60 frames a second), first frame < 500 ms. A benchmark prints figures;
 * it fails only when a bar is missed. Run it on an idle machine: a concurrent build doubles
 * the times. On a shared machine the processor time the program used (user + system, from
 * getrusage of the child) is the steadier figure: it is printed per frame, the background
 * simulation's share taken out, with the best of the three runs, which a busy neighbour inflates
 * least. */
#include <cJSON.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double children_cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6;
}

static int run(const char *usine, const char *extra, double *p50, double *p99, double *first, double *sim_ms, double *cpu_s)
{
    double cpu0 = children_cpu_s();
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "XDG_DATA_HOME=${TMPDIR:-/tmp}/usine-bench-gui %s gui --headless --frames 600 --json --platform jean-zay "
             "--partition h100 --size 1920x1080 %s",
             usine, extra);
    FILE *p = popen(cmd, "r");
    if (!p) return -1;
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, p);
    buf[n] = '\0';
    if (pclose(p) != 0) return -1;
    *cpu_s = children_cpu_s() - cpu0;
    cJSON *j = cJSON_Parse(buf);
    if (!j) return -1;
    *p50 = cJSON_GetObjectItem(j, "frame_ms_p50")->valuedouble;
    *p99 = cJSON_GetObjectItem(j, "frame_ms_p99")->valuedouble;
    *first = cJSON_GetObjectItem(j, "startup_to_first_frame_ms")->valuedouble;
    *sim_ms = cJSON_GetObjectItem(j, "simulation_ms")->valuedouble;
    cJSON_Delete(j);
    return 0;
}

int main(void)
{
    const char *usine = getenv("USINE") ? getenv("USINE") : "build/usine";
    static const struct { const char *name, *args; } cases[] = {
        { "factory + course panel", "--course courses/fondamentaux" },
        { "factory only", "--no-course" },
    };
    int fail = 0;
    printf("Jean Zay h100 (1,456 GPUs), 1920x1080, software renderer, 600 frames per run, 3 runs\n");
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        double worst99 = 0, worst_first = 0, best_cpu = 1e9, best99 = 1e9;
        for (int r = 0; r < 3; r++) {
            double p50, p99, first, sim, cpu;
            if (run(usine, cases[c].args, &p50, &p99, &first, &sim, &cpu) != 0) {
                fprintf(stderr, "bench_gui: '%s gui --headless' failed\n", usine);
                return 1;
            }
            /* processor time per frame: the run's, less the simulation's (one thread for sim ms) */
            double cpu_frame_ms = (cpu * 1e3 - sim) / 600;
            printf("  %-24s run %d: p50 %6.2f ms  p99 %6.2f ms  processor %5.2f ms/frame (start-up included)  first frame %5.0f ms  (simulation %4.0f ms, in the background)\n",
                   cases[c].name, r + 1, p50, p99, cpu_frame_ms, first, sim);
            if (p99 > worst99) worst99 = p99;
            if (p99 < best99) best99 = p99;
            if (cpu_frame_ms < best_cpu) best_cpu = cpu_frame_ms;
            if (first > worst_first) worst_first = first;
        }
        printf("  %-24s best p99 %.2f ms, least processor time %.2f ms/frame (60 fps: 16.7 ms)\n", cases[c].name, best99, best_cpu);
        int ok = worst99 <= 16.7 && worst_first < 500;
        printf("  %-24s worst p99 %.2f ms (bar 16.7), worst first frame %.0f ms (bar 500): %s\n", cases[c].name, worst99,
               worst_first, ok ? "PASS" : "FAIL");
        fail |= !ok;
    }
    return fail;
}
