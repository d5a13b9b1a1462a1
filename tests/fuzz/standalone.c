/* standalone.c: a small mutation fuzzer for the fuzz_*.c targets where clang's libFuzzer is not
 * installed (`make fuzz FUZZ_CC=gcc`). It takes libFuzzer's command line as far as `make fuzz`
 * uses it: -max_total_time=S, -artifact_prefix=P, -timeout=S, other -options ignored, then
 * folders (the first is where new inputs would go; it only reads them all). Each seed runs once,
 * then mutations of random seeds (bit flips, byte runs, cuts, copies of a region, splices of two
 * seeds) run until the time is up. Before each run the input is written to <prefix>current, so
 * after a sanitizer report that file is the input that caused it; an input over the time limit
 * is reported the same way. Coverage is not measured: this finds less than libFuzzer, but every
 * input still runs under ASan and UBSan. */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE
#endif
#include <dirent.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct seed { uint8_t *data; size_t size; } seed;

static seed *seeds;
static size_t nseeds, cap_seeds;
static char current[4096] = "current";
static unsigned timeout_s = 10;

#define FUZZ_MAX_INPUT (1u << 20)

static void add_seed(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return;
    uint8_t *buf = malloc(FUZZ_MAX_INPUT);
    size_t n = buf ? fread(buf, 1, FUZZ_MAX_INPUT, f) : 0;
    fclose(f);
    if (!buf) return;
    uint8_t *fit = realloc(buf, n ? n : 1);
    if (fit) buf = fit;
    if (nseeds == cap_seeds) {
        cap_seeds = cap_seeds ? 2 * cap_seeds : 64;
        seeds = realloc(seeds, cap_seeds * sizeof *seeds);
        if (!seeds) abort();
    }
    seeds[nseeds++] = (seed){ buf, n };
}

static void add_folder(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.') continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        add_seed(path);
    }
    closedir(d);
}

static void on_alarm(int sig)
{
    (void)sig;
    static const char msg[] = "standalone: an input ran past the time limit; it is in the 'current' artifact\n";
    if (write(2, msg, sizeof msg - 1) < 0) {}
    _exit(70);
}

static void run_one(const uint8_t *data, size_t size)
{
    FILE *f = fopen(current, "wb");
    if (f) {
        fwrite(data, 1, size, f);
        fclose(f);
    }
    alarm(timeout_s);
    LLVMFuzzerTestOneInput(data, size);
    alarm(0);
}

static size_t mutate(uint8_t *buf, size_t size, size_t cap)
{
    int rounds = 1 + rand() % 4;
    for (int r = 0; r < rounds; r++) {
        size_t pos = size ? (size_t)rand() % size : 0;
        switch (rand() % 6) {
        case 0: if (size) buf[pos] ^= (uint8_t)(1u << (rand() % 8)); break;               /* flip a bit */
        case 1: if (size) buf[pos] = (uint8_t)"<>\"'=/ x09-.e\n\xff\xc3"[rand() % 16]; break; /* a telling byte */
        case 2: {                                                                         /* cut a run */
            size_t len = size - pos ? (size_t)rand() % (size - pos) % 64 + 1 : 0;
            if (pos + len <= size) memmove(buf + pos, buf + pos + len, size - pos - len), size -= len;
            break;
        }
        case 3: {                                                                         /* copy a region */
            size_t from = size ? (size_t)rand() % size : 0, len = (size_t)rand() % 256;
            if (from + len > size) len = size - from;
            if (size + len <= cap) {
                memmove(buf + pos + len, buf + pos, size - pos);
                memmove(buf + pos, buf + from + (from >= pos ? len : 0), len);
                size += len;
            }
            break;
        }
        case 4: {                                                                         /* splice another seed */
            const seed *o = &seeds[(size_t)rand() % nseeds];
            size_t from = o->size ? (size_t)rand() % o->size : 0, len = (size_t)rand() % 512;
            if (from + len > o->size) len = o->size - from;
            if (pos + len <= cap) memcpy(buf + pos, o->data + from, len), size = pos + len > size ? pos + len : size;
            break;
        }
        default:                                                                          /* digits */
            if (size) buf[pos] = (uint8_t)('0' + rand() % 10);
        }
    }
    return size;
}

int main(int argc, char **argv)
{
    double seconds = 60;
    for (int i = 1; i < argc; i++) {
        if (!strncmp(argv[i], "-max_total_time=", 16)) seconds = atof(argv[i] + 16);
        else if (!strncmp(argv[i], "-timeout=", 9)) timeout_s = (unsigned)atoi(argv[i] + 9);
        else if (!strncmp(argv[i], "-artifact_prefix=", 17)) snprintf(current, sizeof current, "%scurrent", argv[i] + 17);
        else if (argv[i][0] == '-') continue;
        else add_folder(argv[i]);
    }
    signal(SIGALRM, on_alarm);
    if (!nseeds) {
        seeds = malloc(sizeof *seeds);
        if (!seeds) return 1;
        seeds[0] = (seed){ calloc(1, 1), 0 };
        nseeds = 1;
    }
    for (size_t i = 0; i < nseeds; i++) run_one(seeds[i].data, seeds[i].size);
    srand((unsigned)time(NULL));
    uint8_t *buf = malloc(FUZZ_MAX_INPUT);
    if (!buf) return 1;
    time_t end = time(NULL) + (time_t)seconds;
    unsigned long runs = nseeds;
    while (time(NULL) < end) {
        const seed *s = &seeds[(size_t)rand() % nseeds];
        memcpy(buf, s->data, s->size);
        size_t n = mutate(buf, s->size, FUZZ_MAX_INPUT);
        run_one(buf, n);
        runs++;
    }
    printf("standalone: %lu runs in %.0f s from %zu seeds, no failure\n", runs, seconds, nseeds);
    free(buf);
    for (size_t i = 0; i < nseeds; i++) free(seeds[i].data);
    free(seeds);
    return 0;
}
