/* mlp.c: a multi-layer perceptron trained for real, every dense layer on OpenBLAS sgemm.
 *
 * Row-major throughout. Layer l maps A_l (batch x in) to Z_l = A_l W_l + b_l (batch x out), W_l is
 * in x out; hidden layers apply ReLU, the last gives logits for a softmax cross-entropy loss.
 * Backward, for each layer from the last: dW_l = A_l^T dZ_l, db_l = column sums of dZ_l, and (but
 * for the first layer) dA_l = dZ_l W_l^T masked by ReLU's derivative. Three GEMMs per layer, two
 * for the first: the exact FLOP count of a step follows from the shapes. The element-wise work
 * (bias, ReLU, softmax, optimizer) is fused into one OpenMP pass each, so that the step runs close
 * to the rate of its own GEMMs. */
#include "kn.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

struct kn_mlp {
    kn_mlp_config c;
    int nl;                    /* dense layers = hidden layers + 1 */
    int *dim;                  /* nl + 1 widths: inputs, width, ..., classes */
    size_t *woff, *boff;       /* offsets of W_l and b_l in params and grads */
    size_t nparams;
    float *params, *grads, *m1, *m2;
    float **act;               /* act[l]: input of layer l (act[0] points into the data), act[nl]: probabilities */
    float *dz, *dbuf;          /* gradient buffers, batch x widest */
    float *X, *Xtest;          /* training inputs (samples x inputs) and held-out batch */
    int *Y, *Ytest;
    int batches;               /* training set = batches x batch samples */
    long step;
};

void kn_mlp_defaults(kn_mlp_config *c)
{
    *c = (kn_mlp_config){ .inputs = 256, .width = 1024, .layers = 3, .classes = 10, .batch = 256, .samples = 32768,
                          .optimizer = KN_ADAM, .lr = 1e-3, .momentum = 0.9, .seed = 42, .rank = 0, .ranks = 1 };
}

void kn_mlp_destroy(kn_mlp *m)
{
    if (!m) return;
    for (int l = 1; m->act && l <= m->nl; l++) kn_free(m->act[l]);
    kn_free(m->act);
    kn_free(m->dim), kn_free(m->woff), kn_free(m->boff);
    kn_free(m->params), kn_free(m->grads), kn_free(m->m1), kn_free(m->m2);
    kn_free(m->dz), kn_free(m->dbuf);
    kn_free(m->X), kn_free(m->Xtest), kn_free(m->Y), kn_free(m->Ytest);
    kn_free(m);
}

/* Labels from a fixed random teacher: y = argmax(tanh(x T1 / sqrt(inputs)) T2). */
static void label(const kn_mlp_config *c, const float *x, int rows, int *y, const float *t1, const float *t2, float *h, float *o)
{
    enum { TH = 32 };
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, TH, c->inputs, 1.0f / sqrtf((float)c->inputs), x, c->inputs,
                t1, TH, 0.0f, h, TH);
    for (size_t i = 0; i < (size_t)rows * TH; i++) h[i] = tanhf(3 * h[i]);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, c->classes, TH, 1.0f, h, TH, t2, c->classes, 0.0f, o, c->classes);
    for (int r = 0; r < rows; r++) {
        int best = 0;
        for (int k = 1; k < c->classes; k++)
            if (o[(size_t)r * c->classes + k] > o[(size_t)r * c->classes + best]) best = k;
        y[r] = best;
    }
}

static int make_data(kn_mlp *m)
{
    const kn_mlp_config *c = &m->c;
    enum { TH = 32 };
    size_t n_in = (size_t)m->batches * c->batch;
    float *t1 = kn_alloc((size_t)c->inputs * TH * sizeof *t1), *t2 = kn_alloc((size_t)TH * c->classes * sizeof *t2);
    float *h = kn_alloc((size_t)c->batch * TH * sizeof *h), *o = kn_alloc((size_t)c->batch * c->classes * sizeof *o);
    int ok = t1 && t2 && h && o;
    if (ok) {
        kn_fill(t1, (size_t)c->inputs * TH, c->seed * 7 + 1);
        kn_fill(t2, (size_t)TH * c->classes, c->seed * 7 + 2);
        kn_fill(m->X, n_in * c->inputs, c->seed * 7 + 3);
        kn_fill(m->Xtest, (size_t)c->batch * c->inputs, c->seed * 7 + 4);
        for (int b = 0; b < m->batches; b++)
            label(c, m->X + (size_t)b * c->batch * c->inputs, c->batch, m->Y + (size_t)b * c->batch, t1, t2, h, o);
        label(c, m->Xtest, c->batch, m->Ytest, t1, t2, h, o);
    }
    kn_free(t1), kn_free(t2), kn_free(h), kn_free(o);
    return ok ? 0 : -1;
}

kn_mlp *kn_mlp_create(const kn_mlp_config *c, char *err, size_t errsize)
{
    const int LIM = 1 << 20;
    struct { const char *name; long v, lo, hi; } chk[] = {
        { "inputs", c->inputs, 1, LIM }, { "width", c->width, 1, LIM }, { "layers", c->layers, 1, 64 },
        { "classes", c->classes, 2, LIM }, { "batch", c->batch, 1, LIM }, { "samples", c->samples, 1, 1L << 30 },
        { "ranks", c->ranks, 1, 1 << 24 },
    };
    for (size_t i = 0; i < sizeof chk / sizeof *chk; i++)
        if (chk[i].v < chk[i].lo || chk[i].v > chk[i].hi) {
            snprintf(err, errsize, "%s = %ld: must be between %ld and %ld", chk[i].name, chk[i].v, chk[i].lo, chk[i].hi);
            return NULL;
        }
    if (c->rank < 0 || c->rank >= c->ranks) {
        snprintf(err, errsize, "rank %d is outside 0..%d", c->rank, c->ranks - 1);
        return NULL;
    }
    if (!(c->lr > 0 && c->lr < 10) || !(c->momentum >= 0 && c->momentum < 1)) {
        snprintf(err, errsize, "learning rate must be in (0, 10) and momentum in [0, 1)");
        return NULL;
    }
    int nl = c->layers + 1, batches = (c->samples + c->batch - 1) / c->batch;
    /* What it will take, counted before anything is allocated. */
    double params = 0, widest = c->inputs > c->classes ? c->inputs : c->classes;
    if (c->width > widest) widest = c->width;
    for (int l = 0; l < nl; l++) {
        double in = l == 0 ? c->inputs : c->width, out = l == nl - 1 ? c->classes : c->width;
        params += in * out + out;
    }
    double bytes = 4 * (4 * params + (double)c->batch * (c->width * (double)c->layers + c->classes + 2 * widest) +
                        ((double)batches + 1) * c->batch * (c->inputs + 1));
    double memory = kn_memory_bytes();
    if (memory > 0 && bytes > 0.8 * memory) {
        snprintf(err, errsize, "this network and its data need %.1f GiB, more than 80 %% of this computer's %.1f GiB of memory",
                 bytes / 1073741824.0, memory / 1073741824.0);
        return NULL;
    }

    kn_mlp *m = kn_alloc(sizeof *m);
    if (!m) goto oom;
    memset(m, 0, sizeof *m);
    m->c = *c, m->nl = nl, m->batches = batches;
    m->dim = kn_alloc((size_t)(nl + 1) * sizeof *m->dim);
    m->woff = kn_alloc((size_t)nl * sizeof *m->woff), m->boff = kn_alloc((size_t)nl * sizeof *m->boff);
    m->act = kn_alloc((size_t)(nl + 1) * sizeof *m->act);
    if (!m->dim || !m->woff || !m->boff || !m->act) goto oom;
    memset(m->act, 0, (size_t)(nl + 1) * sizeof *m->act);
    m->dim[0] = c->inputs, m->dim[nl] = c->classes;
    for (int l = 1; l < nl; l++) m->dim[l] = c->width;
    size_t off = 0;
    for (int l = 0; l < nl; l++) {
        m->woff[l] = off, off += (size_t)m->dim[l] * m->dim[l + 1];
        m->boff[l] = off, off += (size_t)m->dim[l + 1];
    }
    m->nparams = off;
    size_t pb = off * sizeof(float);
    m->params = kn_alloc(pb), m->grads = kn_alloc(pb), m->m1 = kn_alloc(pb), m->m2 = kn_alloc(pb);
    m->dz = kn_alloc((size_t)c->batch * (size_t)widest * sizeof(float));
    m->dbuf = kn_alloc((size_t)c->batch * (size_t)widest * sizeof(float));
    m->X = kn_alloc((size_t)batches * c->batch * c->inputs * sizeof(float));
    m->Xtest = kn_alloc((size_t)c->batch * c->inputs * sizeof(float));
    m->Y = kn_alloc((size_t)batches * c->batch * sizeof(int)), m->Ytest = kn_alloc((size_t)c->batch * sizeof(int));
    if (!m->params || !m->grads || !m->m1 || !m->m2 || !m->dz || !m->dbuf || !m->X || !m->Xtest || !m->Y || !m->Ytest) goto oom;
    for (int l = 1; l <= nl; l++)
        if (!(m->act[l] = kn_alloc((size_t)c->batch * m->dim[l] * sizeof(float)))) goto oom;

    /* He-uniform weights (variance 2 / fan-in), zero biases, zero optimizer states. */
    for (int l = 0; l < nl; l++) {
        size_t nw = (size_t)m->dim[l] * m->dim[l + 1];
        float *w = m->params + m->woff[l], a = sqrtf(6.0f / (float)m->dim[l]);
        kn_fill(w, nw, c->seed * 1000 + (unsigned)l + 11);
        for (size_t i = 0; i < nw; i++) w[i] *= a;
        memset(m->params + m->boff[l], 0, (size_t)m->dim[l + 1] * sizeof(float));
    }
    memset(m->m1, 0, pb), memset(m->m2, 0, pb), memset(m->grads, 0, pb);
    if (make_data(m) != 0) goto oom;
    return m;
oom:
    kn_mlp_destroy(m);
    snprintf(err, errsize, "not enough memory for this network and its data (%.1f GiB)", bytes / 1073741824.0);
    return NULL;
}

/* ------------------------------------------------------------------------------------------ */
static void gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int M, int N, int K, const float *A, int lda, const float *B, int ldb,
                 float *C, int ldc, kn_phase_times *t)
{
    double t0 = kn_now();
    cblas_sgemm(CblasRowMajor, ta, tb, M, N, K, 1.0f, A, lda, B, ldb, 0.0f, C, ldc);
    if (t) t->gemm += kn_now() - t0;
}

/* Forward over `rows` inputs x; leaves the softmax probabilities in act[nl]. */
static void forward(kn_mlp *m, const float *x, int rows, kn_phase_times *t)
{
    m->act[0] = (float *)x;
    for (int l = 0; l < m->nl; l++) {
        int in = m->dim[l], out = m->dim[l + 1];
        float *z = m->act[l + 1];
        const float *bias = m->params + m->boff[l];
        gemm(CblasNoTrans, CblasNoTrans, rows, out, in, m->act[l], in, m->params + m->woff[l], out, z, out, t);
        if (l < m->nl - 1) {
#pragma omp parallel for schedule(static)
            for (int r = 0; r < rows; r++) {
                float *zr = z + (size_t)r * out;
                for (int j = 0; j < out; j++) {
                    float v = zr[j] + bias[j];
                    zr[j] = v > 0 ? v : 0;
                }
            }
        } else {
#pragma omp parallel for schedule(static)
            for (int r = 0; r < rows; r++) {
                float *zr = z + (size_t)r * out, mx = -INFINITY, s = 0;
                for (int j = 0; j < out; j++) zr[j] += bias[j], mx = zr[j] > mx ? zr[j] : mx;
                for (int j = 0; j < out; j++) s += zr[j] = expf(zr[j] - mx);
                for (int j = 0; j < out; j++) zr[j] /= s;
            }
        }
    }
}

static double cross_entropy(const kn_mlp *m, const int *y, int rows, int *correct)
{
    const float *p = m->act[m->nl];
    int k = m->dim[m->nl], ok = 0;
    double loss = 0;
#pragma omp parallel for schedule(static) reduction(+ : loss, ok)
    for (int r = 0; r < rows; r++) {
        const float *pr = p + (size_t)r * k;
        loss -= log(fmax(pr[y[r]], 1e-30));
        int best = 0;
        for (int j = 1; j < k; j++) best = pr[j] > pr[best] ? j : best;
        ok += best == y[r];
    }
    if (correct) *correct = ok;
    return loss / rows;
}

double kn_mlp_gradients(kn_mlp *m, kn_phase_times *t)
{
    const kn_mlp_config *c = &m->c;
    int B = c->batch, nl = m->nl;
    long b = (m->step * c->ranks + c->rank) % m->batches;
    const float *x = m->X + (size_t)b * B * c->inputs;
    const int *y = m->Y + (size_t)b * B;
    double t0 = kn_now();
    forward(m, x, B, t);
    double loss = cross_entropy(m, y, B, NULL);
    double t1 = kn_now();

    /* dZ of the last layer: (p - onehot) / B. */
    int k = m->dim[nl];
    float *dz = m->dz, *da = m->dbuf;
    const float *p = m->act[nl];
#pragma omp parallel for schedule(static)
    for (int r = 0; r < B; r++)
        for (int j = 0; j < k; j++) dz[(size_t)r * k + j] = (p[(size_t)r * k + j] - (j == y[r])) / (float)B;

    for (int l = nl - 1; l >= 0; l--) {
        int in = m->dim[l], out = m->dim[l + 1];
        gemm(CblasTrans, CblasNoTrans, in, out, B, m->act[l], in, dz, out, m->grads + m->woff[l], out, t);
        float *db = m->grads + m->boff[l];
        enum { CB = 64 };
#pragma omp parallel for schedule(static)
        for (int j0 = 0; j0 < out; j0 += CB) {
            int j1 = j0 + CB < out ? j0 + CB : out;
            float acc[CB] = { 0 };
            for (int r = 0; r < B; r++)
                for (int j = j0; j < j1; j++) acc[j - j0] += dz[(size_t)r * out + j];
            for (int j = j0; j < j1; j++) db[j] = acc[j - j0];
        }
        if (l == 0) break;
        gemm(CblasNoTrans, CblasTrans, B, in, out, dz, out, m->params + m->woff[l], out, da, in, t);
        const float *a = m->act[l];
        size_t n = (size_t)B * in;
#pragma omp parallel for simd schedule(static)
        for (size_t i = 0; i < n; i++) da[i] = a[i] > 0 ? da[i] : 0;
        float *tmp = dz;
        dz = da, da = tmp;
    }
    m->step++;
    if (t) t->forward += t1 - t0, t->backward += kn_now() - t1;
    return loss;
}

void kn_mlp_update(kn_mlp *m, int ranks, kn_phase_times *t)
{
    double t0 = kn_now();
    float *p = m->params, *g = m->grads, *m1 = m->m1, *m2 = m->m2;
    float scale = 1.0f / (float)(ranks > 0 ? ranks : 1), lr = (float)m->c.lr, mu = (float)m->c.momentum;
    size_t n = m->nparams;
    if (m->c.optimizer == KN_SGD) {
#pragma omp parallel for simd schedule(static)
        for (size_t i = 0; i < n; i++) {
            m1[i] = mu * m1[i] + g[i] * scale;
            p[i] -= lr * m1[i];
        }
    } else {
        const float b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
        float c1 = 1.0f / (1.0f - powf(b1, (float)m->step)), c2 = 1.0f / (1.0f - powf(b2, (float)m->step));
#pragma omp parallel for simd schedule(static)
        for (size_t i = 0; i < n; i++) {
            float gi = g[i] * scale;
            m1[i] = b1 * m1[i] + (1 - b1) * gi;
            m2[i] = b2 * m2[i] + (1 - b2) * gi * gi;
            p[i] -= lr * (m1[i] * c1) / (sqrtf(m2[i] * c2) + eps);
        }
    }
    if (t) t->optimizer += kn_now() - t0;
}

double kn_mlp_step(kn_mlp *m, kn_phase_times *t)
{
    double loss = kn_mlp_gradients(m, t);
    kn_mlp_update(m, 1, t);
    return loss;
}

float *kn_mlp_grad_buffer(kn_mlp *m, size_t *count)
{
    *count = m->nparams;
    return m->grads;
}

float *kn_mlp_param_buffer(kn_mlp *m, size_t *count)
{
    *count = m->nparams;
    return m->params;
}

size_t kn_mlp_params(const kn_mlp *m) { return m->nparams; }

double kn_mlp_step_flops(const kn_mlp *m)
{
    double f = 0, B = m->c.batch;
    for (int l = 0; l < m->nl; l++) f += 2 * B * m->dim[l] * (double)m->dim[l + 1] * (l == 0 ? 2 : 3);
    return f;
}

double kn_mlp_step_flops_6nd(const kn_mlp *m) { return 6.0 * (double)m->nparams * m->c.batch; }

double kn_mlp_accuracy(kn_mlp *m, double *loss)
{
    int ok = 0;
    forward(m, m->Xtest, m->c.batch, NULL);
    double l = cross_entropy(m, m->Ytest, m->c.batch, &ok);
    if (loss) *loss = l;
    return (double)ok / m->c.batch;
}

double kn_mlp_sgemm_rate(const kn_mlp *m, double min_s)
{
    /* The step's GEMMs on the model's own buffers (their contents do not matter here). */
    kn_mlp *w = (kn_mlp *)m;
    int B = m->c.batch;
    w->act[0] = w->X;
    double start = kn_now();
    long reps = 0;
    do {
        for (int l = 0; l < m->nl; l++)
            gemm(CblasNoTrans, CblasNoTrans, B, m->dim[l + 1], m->dim[l], m->act[l], m->dim[l], m->params + m->woff[l],
                 m->dim[l + 1], m->act[l + 1], m->dim[l + 1], NULL);
        for (int l = m->nl - 1; l >= 0; l--) {
            gemm(CblasTrans, CblasNoTrans, m->dim[l], m->dim[l + 1], B, m->act[l], m->dim[l], m->dz, m->dim[l + 1],
                 w->grads + m->woff[l], m->dim[l + 1], NULL);
            if (l > 0)
                gemm(CblasNoTrans, CblasTrans, B, m->dim[l], m->dim[l + 1], m->dz, m->dim[l + 1], m->params + m->woff[l],
                     m->dim[l + 1], w->dbuf, m->dim[l], NULL);
        }
        reps++;
    } while (kn_now() - start < min_s);
    return kn_mlp_step_flops(m) * (double)reps / (kn_now() - start) * 1e-9;
}
