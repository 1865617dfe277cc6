/*
 * The training loop on the device; the step is described in include/lae/train.h.
 *
 * Nothing inside an epoch waits for the device: kernels and GEMMs are queued in order and
 * the host only blocks to upload the epoch's permutation and to read the loss partials at
 * its end. Adam's scalars (step size, bias corrections) are computed on the host per step and
 * passed as kernel arguments, which costs nothing on the device.
 */
#include "lae/clock.h"
#include "lae/train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cl/check.h"
#include "lae/gemm.h"
#include "lae/log.h"
#include "lae/rng.h"

#define EVAL_ROWS 1000 /* rows per evaluation pass */
#define ELEMENT_LOCAL 64 /* work-group size of the element-wise kernels */
#define ROWS_LOCAL 4     /* rows per work-group of the row-wise kernels */
#define DROPOUT_QUADS 8  /* must match kernels/dropout.cl */
#define LOSS_SPAN 8      /* must match kernels/loss.cl */
#define ADAM_SPAN 8      /* must match kernels/adam.cl */
#define SHUFFLE_STREAM 0x5348554646u /* keeps shuffles independent of the masks' key */

struct lae_trainer {
    lae_context *ctx;
    size_t m, k;
    int has_bias;
    lae_objective objective;
    lae_train_params params;

    size_t n_train, n_test;
    size_t rows_cap;       /* rows of the Z, H, Y buffers: max(batch, evaluation rows) */
    size_t steps_per_epoch;
    size_t param_count;    /* 2·m·k + m + k */
    size_t off_b_enc, off_w_dec, off_b_dec;

    cl_mem x_train, x_test; /* n×m */
    cl_mem perm;            /* n_train ints */
    cl_mem z[2];            /* rows_cap×m each: two, so that one step's draw can be made */
    cl_mem mask[2];         /* batch×m bytes each: while the step before uses the other pair */
    cl_mem h, y, dh;        /* rows_cap×k, rows_cap×m, rows_cap×k */
    cl_command_queue side;  /* draws the next minibatch while the queue computes this one */
    cl_mem theta, grad, adam_m, adam_v;
    cl_mem partials;        /* (steps_per_epoch + 1)·slot: the last slot is evaluation's */

    cl_kernel k_dropout, k_loss, k_adam;
    size_t spans;           /* loss partials per row: ⌈m/LOSS_SPAN⌉ */
    size_t slot;            /* loss partials per step: rows_cap·spans */

    int *order;          /* host copy of the epoch's permutation */
    float *partials_host;
    lae_rng shuffle_rng;
    uint64_t step;       /* global step counter: Adam's t − 1 and the masks' counter */
    int epoch;
};

typedef struct {
    size_t size;
    const void *value;
} kernel_arg;

#define ARG(x) {sizeof(x), &(x)}

static lae_status launch(lae_trainer *t, cl_kernel kernel, const kernel_arg *args, int count,
                         size_t global, size_t local) {
    lae_status status = LAE_OK;
    for (int i = 0; i < count; i++) {
        CL_CHECK(clSetKernelArg(kernel, (cl_uint)i, args[i].size, args[i].value));
    }
    if (local > 0) {
        global = (global + local - 1) / local * local;
    }
    CL_CHECK(clEnqueueNDRangeKernel(lae_context_queue(t->ctx), kernel, 1, NULL, &global,
                                    local > 0 ? &local : NULL, 0, NULL, NULL));
fail:
    return status;
}

/* A 2-D launch over (columns, rows), for kernels that take one item per row piece, on
 * `queue` after the `waits` events of wait_list; *done, if not NULL, completes with it. */
static lae_status launch_rows_on(cl_command_queue queue, cl_kernel kernel,
                                 const kernel_arg *args, int count, size_t columns, size_t rows,
                                 cl_uint waits, const cl_event *wait_list, cl_event *done) {
    lae_status status = LAE_OK;
    size_t local[2] = {ELEMENT_LOCAL, ROWS_LOCAL};
    size_t global[2] = {(columns + ELEMENT_LOCAL - 1) / ELEMENT_LOCAL * ELEMENT_LOCAL,
                        (rows + ROWS_LOCAL - 1) / ROWS_LOCAL * ROWS_LOCAL};

    for (int i = 0; i < count; i++) {
        CL_CHECK(clSetKernelArg(kernel, (cl_uint)i, args[i].size, args[i].value));
    }
    CL_CHECK(clEnqueueNDRangeKernel(queue, kernel, 2, NULL, global, local, waits, wait_list,
                                    done));
fail:
    return status;
}

static lae_status launch_rows(lae_trainer *t, cl_kernel kernel, const kernel_arg *args,
                              int count, size_t columns, size_t rows) {
    return launch_rows_on(lae_context_queue(t->ctx), kernel, args, count, columns, rows, 0,
                          NULL, NULL);
}

lae_train_params lae_train_defaults(void) {
    lae_train_params params = {
        .batch = 64, .epochs = 100, .lr = 1e-3, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8,
        .weight_decay = 0.0, .seed = 1, .overlap_draws = 1, .on_epoch = NULL, .user = NULL,
    };
    return params;
}

lae_status lae_train_params_validate(const lae_train_params *params,
                                     const lae_objective *objective) {
    if (params->batch < 1 || params->batch > (1u << 20)) {
        return lae_fail(LAE_ERR_ARG, "--batch must be between 1 and 1048576, got %zu",
                        params->batch);
    }
    if (params->epochs < 0) {
        return lae_fail(LAE_ERR_ARG, "--epochs must be 0 or more, got %d", params->epochs);
    }
    if (!(params->lr > 0.0) || !isfinite(params->lr)) {
        return lae_fail(LAE_ERR_ARG, "--lr must be a positive number, got %g", params->lr);
    }
    if (!(params->beta1 >= 0.0 && params->beta1 < 1.0) ||
        !(params->beta2 >= 0.0 && params->beta2 < 1.0) || !(params->eps > 0.0)) {
        return lae_fail(LAE_ERR_ARG, "Adam needs 0 ≤ β₁, β₂ < 1 and ε > 0");
    }
    if (!(params->weight_decay >= 0.0)) {
        return lae_fail(LAE_ERR_ARG, "--weight-decay must be 0 or more, got %g",
                        params->weight_decay);
    }
    if (!(objective->p >= 0.0 && objective->p < 1.0)) {
        return lae_fail(LAE_ERR_ARG, "--p must be in [0, 1), got %g", objective->p);
    }
    if (!(objective->a >= 0.0) || !(objective->b >= 0.0)) {
        return lae_fail(LAE_ERR_ARG, "--a and --b must be 0 or more, got a = %g, b = %g",
                        objective->a, objective->b);
    }
    if (objective->a == 0.0 && objective->b == 0.0) {
        return lae_fail(LAE_ERR_ARG, "--a and --b cannot both be 0: nothing would be learned");
    }
    return LAE_OK;
}

static void release(cl_mem *mem) {
    if (*mem != NULL) {
        clReleaseMemObject(*mem);
        *mem = NULL;
    }
}

void lae_trainer_free(lae_trainer *t) {
    if (t == NULL) {
        return;
    }
    if (t->side != NULL) {
        clFinish(t->side);
    }
    if (t->ctx != NULL) {
        clFinish(lae_context_queue(t->ctx));
    }
    if (t->side != NULL) {
        clReleaseCommandQueue(t->side);
    }
    release(&t->partials);
    release(&t->adam_v);
    release(&t->adam_m);
    release(&t->grad);
    release(&t->theta);
    release(&t->dh);
    release(&t->y);
    release(&t->h);
    for (int b = 0; b < 2; b++) {
        release(&t->mask[b]);
        release(&t->z[b]);
    }
    release(&t->perm);
    release(&t->x_test);
    release(&t->x_train);
    free(t->partials_host);
    free(t->order);
    free(t);
}

static lae_status find_kernels(lae_trainer *t) {
    t->k_dropout = lae_context_kernel(t->ctx, "dropout_gather");
    t->k_loss = lae_context_kernel(t->ctx, "loss_grad");
    t->k_adam = lae_context_kernel(t->ctx, "adam");
    if (!t->k_dropout || !t->k_loss || !t->k_adam) {
        return LAE_ERR_OPENCL;
    }
    return LAE_OK;
}

static lae_status upload_rows(lae_trainer *t, const float *x, size_t n, cl_mem *out) {
    size_t bytes = n * t->m * sizeof(float);
    lae_status status = lae_buffer_create(t->ctx, bytes, out);
    if (status == LAE_OK) {
        status = lae_buffer_write(t->ctx, *out, 0, bytes, x);
    }
    return status;
}

static lae_status zero_buffer(lae_trainer *t, cl_mem buffer, size_t floats) {
    float *zeros = calloc(floats, sizeof *zeros);
    if (zeros == NULL) {
        return lae_fail(LAE_ERR_NOMEM, "out of memory zeroing a buffer");
    }
    lae_status status = lae_buffer_write(t->ctx, buffer, 0, floats * sizeof(float), zeros);
    free(zeros);
    return status;
}

lae_status lae_trainer_create(lae_context *ctx, const lae_model *model, const float *x_train,
                              size_t n_train, const float *x_test, size_t n_test,
                              const lae_train_params *params, lae_trainer **out) {
    lae_status status = LAE_OK;
    lae_trainer *t = calloc(1, sizeof *t);

    *out = NULL;
    if (t == NULL) {
        return lae_fail(LAE_ERR_NOMEM, "out of memory creating a trainer");
    }
    LAE_TRY(lae_train_params_validate(params, &model->objective));
    if (n_train == 0) {
        status = lae_fail(LAE_ERR_ARG, "--train must be at least 1");
        goto fail;
    }
    if ((n_train + n_test) * model->m >= ((size_t)1 << 31)) {
        status = lae_fail(LAE_ERR_UNSUPPORTED,
                          "%zu examples of %zu features exceed the 2³¹ entries the kernels "
                          "index with int; use fewer with --train/--test",
                          n_train + n_test, model->m);
        goto fail;
    }

    t->ctx = ctx;
    t->m = model->m;
    t->k = model->k;
    t->has_bias = model->has_bias;
    t->objective = model->objective;
    t->params = *params;
    /* A batch beyond the training set is the whole set, and needs no larger buffers. */
    if (t->params.batch > n_train) {
        t->params.batch = n_train;
    }
    t->n_train = n_train;
    t->n_test = n_test;
    t->rows_cap = t->params.batch;
    if (n_test > 0) {
        size_t eval_rows = n_test < EVAL_ROWS ? n_test : EVAL_ROWS;
        t->rows_cap = eval_rows > t->rows_cap ? eval_rows : t->rows_cap;
    }
    t->steps_per_epoch = (n_train + t->params.batch - 1) / t->params.batch;
    t->param_count = 2 * t->m * t->k + t->m + t->k;
    t->off_b_enc = t->k * t->m;
    t->off_w_dec = t->off_b_enc + t->k;
    t->off_b_dec = t->off_w_dec + t->m * t->k;
    lae_rng_seed(&t->shuffle_rng, params->seed ^ SHUFFLE_STREAM);

    t->order = malloc(n_train * sizeof *t->order);
    LAE_TRY(find_kernels(t));
    t->spans = (t->m + LOSS_SPAN - 1) / LOSS_SPAN;
    t->slot = t->rows_cap * t->spans;
    t->partials_host = malloc((t->steps_per_epoch + 1) * t->slot * sizeof(float));
    if (t->order == NULL || t->partials_host == NULL) {
        status = lae_fail(LAE_ERR_NOMEM, "out of memory for %zu training examples", n_train);
        goto fail;
    }
    for (size_t i = 0; i < n_train; i++) {
        t->order[i] = (int)i;
    }

    LAE_TRY(upload_rows(t, x_train, n_train, &t->x_train));
    if (n_test > 0) {
        LAE_TRY(upload_rows(t, x_test, n_test, &t->x_test));
    }
    LAE_TRY(lae_buffer_create(ctx, n_train * sizeof(int), &t->perm));
    LAE_TRY(lae_buffer_write(ctx, t->perm, 0, n_train * sizeof(int), t->order));
    for (int b = 0; b < 2; b++) {
        LAE_TRY(lae_buffer_create(ctx, t->rows_cap * t->m * sizeof(float), &t->z[b]));
        LAE_TRY(lae_buffer_create(ctx, t->params.batch * t->m, &t->mask[b]));
    }
    LAE_TRY(lae_buffer_create(ctx, t->rows_cap * t->k * sizeof(float), &t->h));
    LAE_TRY(lae_buffer_create(ctx, t->rows_cap * t->m * sizeof(float), &t->y));
    LAE_TRY(lae_buffer_create(ctx, t->rows_cap * t->k * sizeof(float), &t->dh));
    cl_int err;
    CL_CHECK_CREATE(t->side = clCreateCommandQueue(lae_context_cl(ctx),
                                                   lae_context_device(ctx)->device_id, 0, &err),
                    err);

    size_t param_bytes = t->param_count * sizeof(float);
    LAE_TRY(lae_buffer_create(ctx, param_bytes, &t->theta));
    LAE_TRY(lae_buffer_create(ctx, param_bytes, &t->grad));
    LAE_TRY(lae_buffer_create(ctx, param_bytes, &t->adam_m));
    LAE_TRY(lae_buffer_create(ctx, param_bytes, &t->adam_v));
    LAE_TRY(lae_buffer_write(ctx, t->theta, 0, param_bytes, model->w_enc));
    /* Gradients of absent biases must read as zero, so that Adam leaves them at zero. */
    LAE_TRY(zero_buffer(t, t->grad, t->param_count));
    LAE_TRY(zero_buffer(t, t->adam_m, t->param_count));
    LAE_TRY(zero_buffer(t, t->adam_v, t->param_count));
    LAE_TRY(lae_buffer_create(ctx, (t->steps_per_epoch + 1) * t->slot * sizeof(float),
                              &t->partials));

    *out = t;
    return LAE_OK;
fail:
    lae_trainer_free(t);
    return status;
}

/* A GEMM of the step, C = op(A)·op(B), as one operation of a sequence. */
static lae_blas_op step_gemm(int trans_a, int trans_b, size_t rows, size_t cols, size_t inner,
                             cl_mem a, size_t a_offset, size_t lda, cl_mem b, size_t b_offset,
                             size_t ldb, cl_mem c, size_t c_offset, size_t ldc) {
    lae_blas_op op = {
        .kind = LAE_BLAS_GEMM, .trans_a = trans_a, .trans_b = trans_b, .rows = rows,
        .cols = cols, .inner = inner, .alpha = 1.0f, .beta = 0.0f, .a = a,
        .a_offset = a_offset, .lda = lda, .b = b, .b_offset = b_offset, .ldb = ldb, .c = c,
        .c_offset = c_offset, .ldc = ldc,
    };
    return op;
}

/* The forward pass for rows of x (through perm, or in order), leaving X̂ − b_dec in y. One
 * BLAS sequence: H = input·W_encᵀ (nb×m by m×k), H += b_enc, Y = H·W_decᵀ (nb×k by k×m). */
static lae_status forward(lae_trainer *t, cl_mem input, size_t input_offset, size_t nb,
                          cl_uint waits, const cl_event *wait_list) {
    lae_blas_op ops[3];
    size_t count = 0;

    ops[count++] = step_gemm(0, 1, nb, t->k, t->m, input, input_offset, t->m, t->theta, 0,
                             t->m, t->h, 0, t->k);
    if (t->has_bias) {
        ops[count++] = (lae_blas_op){.kind = LAE_BLAS_ADD_ROW, .rows = nb, .cols = t->k,
                                     .a = t->theta, .a_offset = t->off_b_enc, .c = t->h,
                                     .ldc = t->k};
    }
    ops[count++] = step_gemm(0, 1, nb, t->m, t->k, t->h, 0, t->k, t->theta, t->off_w_dec, t->k,
                             t->y, 0, t->m);
    return lae_blas_run(t->ctx, ops, count, waits, wait_list, NULL);
}

typedef struct {
    cl_mem x;
    cl_mem perm;
    cl_mem mask; /* the step's dropout mask, or NULL without one */
    int row0, use_perm, use_mask, write_grad;
    float wa, wb;
    int partial_offset;
} loss_call;

static lae_status loss(lae_trainer *t, const loss_call *c, size_t nb) {
    int nb_i = (int)nb, m_i = (int)t->m, has_bias = t->has_bias;
    int off_b_dec = (int)t->off_b_dec;
    float grad_scale = 2.0f / (float)((double)nb * (double)t->m);
    cl_mem perm = c->perm != NULL ? c->perm : t->perm;
    cl_mem mask = c->mask != NULL ? c->mask : t->mask[0]; /* unread when use_mask is 0 */

    kernel_arg args[] = {
        ARG(t->y), ARG(t->theta), ARG(off_b_dec), ARG(has_bias), ARG(c->x), ARG(perm),
        ARG(c->row0), ARG(c->use_perm), ARG(nb_i), ARG(m_i), ARG(mask), ARG(c->use_mask),
        ARG(c->wa), ARG(c->wb), ARG(grad_scale), ARG(c->write_grad), ARG(t->partials),
        ARG(c->partial_offset),
    };
    return launch_rows(t, t->k_loss, args, (int)(sizeof args / sizeof args[0]), t->spans, nb);
}

/* The sum of the loss partials of nb rows in slot `slot` of the host copy. */
static double slot_sum(const lae_trainer *t, size_t slot, size_t nb) {
    const float *partials = t->partials_host + slot * t->slot;
    double sum = 0.0;
    for (size_t i = 0; i < nb * t->spans; i++) {
        sum += partials[i];
    }
    return sum;
}

/*
 * The dropout draw for rows [row0, row0 + nb) of perm with the masks of `step`, into the
 * buffer pair `pair` (Z and its mask), on `queue` after the `waits` events of wait_list;
 * *drawn, if not NULL, completes with it.
 */
static lae_status draw(lae_trainer *t, cl_command_queue queue, size_t row0, size_t nb,
                       uint64_t step, int pair, cl_uint waits, const cl_event *wait_list,
                       cl_event *drawn) {
    uint32_t threshold = lae_drop_threshold(t->objective.p);
    float scale = (float)(1.0 / (1.0 - t->objective.p));
    int row0_i = (int)row0, nb_i = (int)nb, m_i = (int)t->m;
    uint32_t seed_lo = (uint32_t)t->params.seed, seed_hi = (uint32_t)(t->params.seed >> 32);
    uint32_t step_lo = (uint32_t)step, step_hi = (uint32_t)(step >> 32);
    kernel_arg args[] = {
        ARG(t->z[pair]), ARG(t->mask[pair]), ARG(t->x_train), ARG(t->perm), ARG(row0_i),
        ARG(nb_i), ARG(m_i), ARG(seed_lo), ARG(seed_hi), ARG(step_lo), ARG(step_hi),
        ARG(threshold), ARG(scale),
    };
    size_t quads = (t->m + 3) / 4;

    return launch_rows_on(queue, t->k_dropout, args, 13,
                          (quads + DROPOUT_QUADS - 1) / DROPOUT_QUADS, nb, waits, wait_list,
                          drawn);
}

/*
 * Forward, loss and backward for rows [row0, row0 + nb) of perm, drawn into buffer pair
 * `pair`, after the `waits` events of wait_list; leaves the gradients in t->grad and the loss
 * partials in slot `partial_row`. *released, if not NULL, completes when the pair is no longer
 * read and may be drawn into again.
 */
static lae_status passes(lae_trainer *t, size_t row0, size_t nb, int pair, size_t partial_row,
                         cl_uint waits, const cl_event *wait_list, cl_event *released) {
    lae_status status = LAE_OK;
    cl_mem z = t->z[pair];

    LAE_TRY(forward(t, z, 0, nb, waits, wait_list));

    /* Y becomes R = ∂loss/∂X̂. */
    loss_call call = {
        .x = t->x_train, .perm = t->perm, .mask = t->mask[pair], .row0 = (int)row0,
        .use_perm = 1,
        .use_mask = lae_drop_threshold(t->objective.p) != 0, /* else no mask: all weigh b */
        .write_grad = 1, .wa = (float)t->objective.a,
        .wb = (float)t->objective.b, .partial_offset = (int)(partial_row * t->slot),
    };
    LAE_TRY(loss(t, &call, nb));

    /* The backward pass, one BLAS sequence: ∂W_dec = Rᵀ·H (m×nb by nb×k), dH = R·W_dec
     * (nb×m by m×k), ∂W_enc = dHᵀ·Z (k×nb by nb×m), and the biases' column sums. */
    lae_blas_op ops[5];
    size_t count = 0;
    ops[count++] = step_gemm(1, 0, t->m, t->k, nb, t->y, 0, t->m, t->h, 0, t->k, t->grad,
                             t->off_w_dec, t->k);
    ops[count++] = step_gemm(0, 0, nb, t->k, t->m, t->y, 0, t->m, t->theta, t->off_w_dec, t->k,
                             t->dh, 0, t->k);
    ops[count++] = step_gemm(1, 0, t->k, t->m, nb, t->dh, 0, t->k, z, 0, t->m, t->grad, 0,
                             t->m);
    if (t->has_bias) {
        ops[count++] = (lae_blas_op){.kind = LAE_BLAS_COLUMN_SUMS, .rows = nb, .cols = t->m,
                                     .a = t->y, .lda = t->m, .c = t->grad,
                                     .c_offset = t->off_b_dec};
        ops[count++] = (lae_blas_op){.kind = LAE_BLAS_COLUMN_SUMS, .rows = nb, .cols = t->k,
                                     .a = t->dh, .lda = t->k, .c = t->grad,
                                     .c_offset = t->off_b_enc};
    }
    LAE_TRY(lae_blas_run(t->ctx, ops, count, 0, NULL, released));
fail:
    return status;
}

/* Draw, forward, loss and backward in the one queue, with buffer pair 0. */
static lae_status gradients(lae_trainer *t, size_t row0, size_t nb, uint64_t step,
                            size_t partial_row) {
    lae_status status = LAE_OK;
    LAE_TRY(draw(t, lae_context_queue(t->ctx), row0, nb, step, 0, 0, NULL, NULL));
    LAE_TRY(passes(t, row0, nb, 0, partial_row, 0, NULL, NULL));
fail:
    return status;
}

static lae_status adam_update(lae_trainer *t) {
    double step = (double)(t->step + 1);
    double bias1 = 1.0 - pow(t->params.beta1, step);
    double bias2 = 1.0 - pow(t->params.beta2, step);
    float beta1 = (float)t->params.beta1, beta2 = (float)t->params.beta2;
    float step_size = (float)(t->params.lr / bias1);
    float sqrt_bias2 = (float)sqrt(bias2);
    float eps = (float)t->params.eps, decay = (float)t->params.weight_decay;
    int count = (int)t->param_count;

    kernel_arg args[] = {ARG(t->theta), ARG(t->grad), ARG(t->adam_m), ARG(t->adam_v),
                         ARG(count), ARG(beta1), ARG(beta2), ARG(step_size), ARG(sqrt_bias2),
                         ARG(eps), ARG(decay)};
    return launch(t, t->k_adam, args, 11, (t->param_count + ADAM_SPAN - 1) / ADAM_SPAN,
                  ELEMENT_LOCAL);
}

lae_status lae_trainer_step(lae_trainer *t, size_t row0, size_t nb) {
    lae_status status = LAE_OK;
    size_t partial_row = row0 / t->params.batch;

    LAE_TRY(gradients(t, row0, nb, t->step, partial_row));
    LAE_TRY(adam_update(t));
    t->step++;
fail:
    return status;
}

lae_status lae_trainer_evaluate(lae_trainer *t, double *test_mse) {
    lae_status status = LAE_OK;
    double sum = 0.0;
    size_t eval_row = t->steps_per_epoch;

    *test_mse = NAN;
    if (t->n_test == 0) {
        return LAE_OK;
    }
    for (size_t row0 = 0; row0 < t->n_test; row0 += t->rows_cap) {
        size_t nb = t->n_test - row0 < t->rows_cap ? t->n_test - row0 : t->rows_cap;
        LAE_TRY(forward(t, t->x_test, row0 * t->m, nb, 0, NULL));
        loss_call call = {
            .x = t->x_test, .perm = NULL, .row0 = (int)row0, .use_perm = 0, .use_mask = 0,
            .write_grad = 0, .wa = 1.0f, .wb = 1.0f,
            .partial_offset = (int)(eval_row * t->slot),
        };
        LAE_TRY(loss(t, &call, nb));
        LAE_TRY(lae_buffer_read(t->ctx, t->partials, eval_row * t->slot * sizeof(float),
                                nb * t->spans * sizeof(float),
                                t->partials_host + eval_row * t->slot));
        sum += slot_sum(t, eval_row, nb);
    }
    *test_mse = sum / ((double)t->n_test * (double)t->m);
fail:
    return status;
}

/* Rows in step i of an epoch. */
static size_t step_rows(const lae_trainer *t, size_t i) {
    size_t row0 = i * t->params.batch;
    return t->n_train - row0 < t->params.batch ? t->n_train - row0 : t->params.batch;
}

/*
 * The steps of one epoch, pipelined: step i + 1 is drawn on the side queue into the other
 * buffer pair while the queue computes step i, so that on a CPU device the draw runs on a
 * core the step's single-threaded GEMMs leave idle. Events order the two queues: step i
 * waits for its draw, and the draw for step i + 1 waits until step i − 1 has released its
 * pair. Each step's masks are those of its global step number, as without the pipeline.
 */
static lae_status epoch_steps(lae_trainer *t) {
    lae_status status = LAE_OK;
    cl_event drawn[2] = {NULL, NULL}, released[2] = {NULL, NULL};

    LAE_TRY(draw(t, t->side, 0, step_rows(t, 0), t->step, 0, 0, NULL, &drawn[0]));
    CL_CHECK(clFlush(t->side));
    for (size_t i = 0; i < t->steps_per_epoch; i++) {
        int pair = (int)(i % 2), next = 1 - pair;
        size_t row0 = i * t->params.batch;

        LAE_TRY(passes(t, row0, step_rows(t, i), pair, i, 1, &drawn[pair], &released[pair]));
        clReleaseEvent(drawn[pair]);
        drawn[pair] = NULL;
        LAE_TRY(adam_update(t));
        t->step++;

        if (i + 1 < t->steps_per_epoch) {
            cl_uint waits = released[next] != NULL ? 1 : 0;
            LAE_TRY(draw(t, t->side, row0 + t->params.batch, step_rows(t, i + 1), t->step,
                         next, waits, &released[next], &drawn[next]));
            CL_CHECK(clFlush(t->side));
        }
        if (released[next] != NULL) {
            clReleaseEvent(released[next]);
            released[next] = NULL;
        }
    }
fail:
    for (int b = 0; b < 2; b++) {
        if (drawn[b] != NULL) {
            clReleaseEvent(drawn[b]);
        }
        if (released[b] != NULL) {
            clReleaseEvent(released[b]);
        }
    }
    return status;
}

lae_status lae_trainer_epoch(lae_trainer *t, lae_epoch_stats *stats) {
    lae_status status = LAE_OK;
    double start = lae_seconds();
    double sum = 0.0;

    lae_rng_permutation(&t->shuffle_rng, t->order, t->n_train);
    LAE_TRY(lae_buffer_write(t->ctx, t->perm, 0, t->n_train * sizeof(int), t->order));
    if (t->params.overlap_draws) {
        LAE_TRY(epoch_steps(t));
    } else {
        for (size_t i = 0; i < t->steps_per_epoch; i++) {
            LAE_TRY(lae_trainer_step(t, i * t->params.batch, step_rows(t, i)));
        }
    }

    /* The epoch's one wait: its loss partials. */
    LAE_TRY(lae_buffer_read(t->ctx, t->partials, 0,
                            t->steps_per_epoch * t->slot * sizeof(float),
                            t->partials_host));
    double trained = lae_seconds();
    /* Only the rows each step had: the short last batch leaves the rest of its slot unset. */
    for (size_t step = 0; step < t->steps_per_epoch; step++) {
        sum += slot_sum(t, step, step_rows(t, step));
    }
    t->epoch++;
    stats->epoch = t->epoch;
    stats->train_loss = sum / ((double)t->n_train * (double)t->m);
    LAE_TRY(lae_trainer_evaluate(t, &stats->test_mse));
    stats->seconds = lae_seconds() - start;
    stats->examples_per_second = (double)t->n_train / (trained - start);
fail:
    return status;
}

lae_status lae_trainer_gradient(lae_trainer *t, size_t nb, uint64_t step, float *grads,
                                double *loss_out) {
    lae_status status = LAE_OK;
    double sum = 0.0;

    if (nb < 1 || nb > t->params.batch || nb > t->n_train) {
        return lae_fail(LAE_ERR_ARG, "gradient batch of %zu rows: expected 1 to %zu", nb,
                        t->params.batch < t->n_train ? t->params.batch : t->n_train);
    }
    for (size_t i = 0; i < t->n_train; i++) {
        t->order[i] = (int)i;
    }
    LAE_TRY(lae_buffer_write(t->ctx, t->perm, 0, t->n_train * sizeof(int), t->order));
    LAE_TRY(gradients(t, 0, nb, step, 0));
    LAE_TRY(lae_buffer_read(t->ctx, t->grad, 0, t->param_count * sizeof(float), grads));
    LAE_TRY(lae_buffer_read(t->ctx, t->partials, 0, nb * t->spans * sizeof(float),
                            t->partials_host));
    sum = slot_sum(t, 0, nb);
    *loss_out = sum / ((double)nb * (double)t->m);
fail:
    return status;
}

lae_status lae_trainer_download(lae_trainer *t, lae_model *model) {
    if (model->m != t->m || model->k != t->k) {
        return lae_fail(LAE_ERR_ARG, "downloading a %zu×%zu trainer into a %zu×%zu model", t->m,
                        t->k, model->m, model->k);
    }
    return lae_buffer_read(t->ctx, t->theta, 0, t->param_count * sizeof(float), model->w_enc);
}

lae_status lae_trainer_finish(lae_trainer *t) {
    return lae_context_finish(t->ctx);
}

lae_status lae_train(lae_context *ctx, lae_model *model, const float *x_train, size_t n_train,
                     const float *x_test, size_t n_test, const lae_train_params *params,
                     lae_epoch_stats *final) {
    lae_trainer *t = NULL;
    lae_epoch_stats stats = {.epoch = 0, .train_loss = NAN, .test_mse = NAN};
    lae_status status = lae_trainer_create(ctx, model, x_train, n_train, x_test, n_test,
                                           params, &t);
    if (status != LAE_OK) {
        return status;
    }
    LAE_TRY(lae_trainer_evaluate(t, &stats.test_mse));

    for (int epoch = 1; epoch <= params->epochs; epoch++) {
        LAE_TRY(lae_trainer_epoch(t, &stats));
        if (!isfinite(stats.train_loss)) {
            status = lae_fail(LAE_ERR_NUMERIC,
                              "the training loss became %s at epoch %d; try a smaller --lr "
                              "(now %g), or check the inputs' scale and --weight-decay",
                              isnan(stats.train_loss) ? "NaN" : "infinite", epoch, params->lr);
            goto fail;
        }
        if (params->on_epoch != NULL && params->on_epoch(&stats, params->user) != 0) {
            break;
        }
    }
    LAE_TRY(lae_trainer_download(t, model));
    snprintf(model->source, sizeof model->source, "%s", stats.epoch > 0 ? "trained" : "init");
    model->epochs = stats.epoch;
    model->batch = (int)params->batch;
    model->lr = params->lr;
    if (final != NULL) {
        *final = stats;
    }
fail:
    lae_trainer_free(t);
    return status;
}
