/*
 * Training a linear autoencoder with minibatch Adam on an OpenCL device.
 *
 * One step, all on the device and queued without waiting (nb rows of a shuffled epoch):
 *   Z  = dropout(X[perm[rows]])                  nb×m   inverted dropout, mask from Philox
 *   H  = Z·W_encᵀ + b_enc                        nb×k
 *   X̂  = H·W_decᵀ + b_dec                        nb×m
 *   loss = Σ w⊙(X̂ − X)² / (nb·m),  w = a on dropped entries, b on kept ones
 *   R  = ∂loss/∂X̂;  ∂W_dec = Rᵀ·H;  dH = R·W_dec;  ∂W_enc = dHᵀ·Z;  bias gradients = column sums
 *   Adam on [W_enc | b_enc | W_dec | b_dec], one flat buffer
 * The loss partials of every step stay on the device and are read once per epoch. The
 * training set is uploaded once; an epoch uploads only its permutation. Within an epoch the
 * next step's dropout is drawn on a second queue while the queue computes the current one.
 */
#ifndef LAE_TRAIN_H
#define LAE_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "lae/device.h"
#include "lae/model.h"

typedef struct {
    int epoch;                  /* 1-based; 0 is the model before training */
    double train_loss;          /* mean weighted squared error over the epoch's entries */
    double test_mse;            /* plain MSE on the test set, no dropout; NAN without one */
    double seconds;             /* wall time of the epoch, evaluation included */
    double examples_per_second; /* training examples per second of the epoch's steps */
} lae_epoch_stats;

typedef struct {
    size_t batch;        /* nb, rows per step; the last batch of an epoch may be smaller */
    int epochs;
    double lr;           /* Adam's learning rate */
    double beta1, beta2; /* Adam's moment decay rates */
    double eps;          /* Adam's ε, added outside the square root as PyTorch does */
    double weight_decay; /* L2 penalty on every parameter, PyTorch's weight_decay */
    uint64_t seed;       /* shuffles and dropout masks */
    /* Draw each step's dropout on a second queue while the one before computes (1, the
     * default), or everything in one queue (0): the same bits, for drivers whose events
     * across queues misbehave. */
    int overlap_draws;
    /* Called after each epoch with its statistics; returning non-zero stops training. */
    int (*on_epoch)(const lae_epoch_stats *stats, void *user);
    void *user;
} lae_train_params;

/* batch 64, 100 epochs, lr 1e-3, β = (0.9, 0.999), ε = 1e-8, no weight decay, seed 1,
 * overlapped draws. */
lae_train_params lae_train_defaults(void);

/* Checks ranges and names the flag that is wrong: --batch, --epochs, --lr, --p, --a, --b. */
lae_status lae_train_params_validate(const lae_train_params *params,
                                     const lae_objective *objective);

typedef struct lae_trainer lae_trainer;

/*
 * Uploads the data and the model's parameters (already initialised, with its objective set)
 * to the device. x_train is n_train×m and x_test n_test×m, row-major; n_test may be 0. The
 * trainer keeps no pointer to the host arrays or to the model.
 */
lae_status lae_trainer_create(lae_context *ctx, const lae_model *model, const float *x_train,
                              size_t n_train, const float *x_test, size_t n_test,
                              const lae_train_params *params, lae_trainer **out);

void lae_trainer_free(lae_trainer *trainer);

/* Runs one epoch (shuffle, all steps, evaluation) and fills stats. */
lae_status lae_trainer_epoch(lae_trainer *trainer, lae_epoch_stats *stats);

/* Test MSE of the current parameters (no dropout); NAN when there is no test set. */
lae_status lae_trainer_evaluate(lae_trainer *trainer, double *test_mse);

/* Queues one step on rows [row0, row0 + nb) of the current order, and waits for nothing. */
lae_status lae_trainer_step(lae_trainer *trainer, size_t row0, size_t nb);

/*
 * The gradient of one minibatch's loss: rows 0..nb−1 of the training set in stored order,
 * with the dropout mask of step `step`. grads receives 2·m·k + m + k floats in the order of
 * the model's parameter block; *loss the batch's loss. Parameters are not updated.
 */
lae_status lae_trainer_gradient(lae_trainer *trainer, size_t nb, uint64_t step, float *grads,
                                double *loss);

/* Copies the device's parameters into model (same m, k). */
lae_status lae_trainer_download(lae_trainer *trainer, lae_model *model);

/* Waits for the queue. */
lae_status lae_trainer_finish(lae_trainer *trainer);

/*
 * Everything at once: creates a trainer, runs params->epochs epochs (stopping with
 * LAE_ERR_NUMERIC, naming the epoch, if the loss stops being finite), and downloads the
 * trained parameters into model. final, if not NULL, receives the last epoch's statistics.
 */
lae_status lae_train(lae_context *ctx, lae_model *model, const float *x_train, size_t n_train,
                     const float *x_test, size_t n_test, const lae_train_params *params,
                     lae_epoch_stats *final);

#endif
