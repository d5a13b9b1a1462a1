/* allreduce.c: one MPI_Allreduce of N bytes (floats, MPI_SUM), timed with MPI_Wtime, for SimGrid's
 * SMPI. Not part of Usine's build or tests; tests/bench/simgrid/run.sh compiles it with smpicc.
 *
 * Usage: allreduce BYTES [K]   (BYTES a multiple of 4 * ranks / K, so that each ring splits it evenly)
 * With K > 1 the ranks form K rings at once, rank r in ring r % K (run.sh puts K ranks on each host,
 * so that the rings share every host's link), each all-reducing BYTES on its own communicator.
 * Rank 0 prints one line: "bytes=N ranks=P time_s=T skew_s=K": T runs from the moment the last rank
 * enters MPI_Allreduce to the moment the last rank leaves it (Usine starts every GPU at once; after
 * MPI_Barrier, SMPI's ranks leave at slightly different times), K is how far apart they entered.
 *
 * The buffers come from SMPI_SHARED_MALLOC when SMPI provides it: every rank maps the same few
 * physical pages, so P ranks of 1 GiB fit in a small machine, and SMPI skips copying message
 * payloads that live in shared memory. The values are garbage; only the timing matters. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

#ifdef SMPI_SHARED_MALLOC
#define BUF_ALLOC(n) SMPI_SHARED_MALLOC(n)
#define BUF_FREE(p) SMPI_SHARED_FREE(p)
#else
#define BUF_ALLOC(n) calloc(1, (n))
#define BUF_FREE(p) free(p)
#endif

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    long long bytes = argc > 1 ? atoll(argv[1]) : 0;
    int rings = argc > 2 ? atoi(argv[2]) : 1;
    if (rings < 1 || size % rings || bytes <= 0 || bytes % ((long long)sizeof(float) * (size / rings)) ||
        bytes / (long long)sizeof(float) > 2147483647LL) {
        if (rank == 0)
            fprintf(stderr, "usage: %s BYTES [K] (K dividing the %d ranks; BYTES a positive multiple of 4 x ranks / K, "
                            "at most 8 GiB)\n", argv[0], size);
        MPI_Finalize();
        return 2;
    }
    MPI_Comm ring = MPI_COMM_WORLD;
    if (rings > 1) MPI_Comm_split(MPI_COMM_WORLD, rank % rings, rank / rings, &ring);
    int count = (int)(bytes / (long long)sizeof(float));
    float *send = BUF_ALLOC((size_t)bytes), *recv = BUF_ALLOC((size_t)bytes);
    if (!send || !recv) {
        fprintf(stderr, "rank %d: cannot allocate 2 x %lld bytes\n", rank, bytes);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }

    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = MPI_Wtime();
    MPI_Allreduce(send, recv, count, MPI_FLOAT, MPI_SUM, ring);
    double t1 = MPI_Wtime();

    double first, last, end;
    MPI_Reduce(&t0, &first, 1, MPI_DOUBLE, MPI_MIN, 0, MPI_COMM_WORLD);
    MPI_Reduce(&t0, &last, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
    MPI_Reduce(&t1, &end, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
    if (rank == 0) printf("bytes=%lld ranks=%d time_s=%.9e skew_s=%.3e\n", bytes, size, end - last, last - first);

    BUF_FREE(send);
    BUF_FREE(recv);
    if (rings > 1) MPI_Comm_free(&ring);
    MPI_Finalize();
    return 0;
}
