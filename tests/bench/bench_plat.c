/* bench_plat.c: how long loading and checking a platform takes (parse, walk, schema), and how long
 * the totals take, per preset. A benchmark prints figures; it asserts nothing.
 * Run with 'make bench' from the repository root. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "plat.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(void)
{
    DIR *d = opendir("assets/platforms");
    if (!d) {
        perror("assets/platforms");
        return 1;
    }
    printf("%-22s %8s %12s %12s\n", "preset", "bytes", "load ms", "totals us");
    for (struct dirent *e; (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".xml")) continue;
        char path[512];
        snprintf(path, sizeof path, "assets/platforms/%s", e->d_name);
        FILE *f = fopen(path, "rb");
        long bytes = 0;
        if (f) { fseek(f, 0, SEEK_END); bytes = ftell(f); fclose(f); }
        const int loads = 200;
        plat_error err;
        double t0 = now_s();
        for (int i = 0; i < loads; i++) {
            plat_platform *p = plat_load_file(path, &err);
            if (!p) { fprintf(stderr, "%s\n", err.msg); return 1; }
            plat_free(p);
        }
        double load_ms = (now_s() - t0) / loads * 1e3;
        plat_platform *p = plat_load_file(path, &err);
        plat_totals t;
        const int reps = 20000;
        double sink = 0;
        t0 = now_s();
        for (int i = 0; i < reps; i++) {
            plat_machine_totals(p, &t);
            sink += t.bisection_tbs;
        }
        double totals_us = (now_s() - t0) / reps * 1e6;
        plat_free(p);
        printf("%-22s %8ld %12.3f %12.3f%s\n", e->d_name, bytes, load_ms, totals_us, sink < 0 ? "!" : "");
    }
    closedir(d);
    return 0;
}
