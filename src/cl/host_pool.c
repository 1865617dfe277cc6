/*
 * The helper threads of the host-BLAS backend; see host_pool.h. One job at a time: the
 * in-order queue issues them one by one, and a lock keeps two contexts from mixing theirs.
 *
 * Parts are claimed, not assigned: the caller starts on part 0 at once and every thread takes
 * the next unclaimed part when it is free. A helper woken from sleep can take over 100 µs to
 * run (measured on the 2-core test machine, a virtual one, where a sleeping core wakes
 * slowly), and with fixed halves the caller sat idle that long after its own; with claimed
 * parts it takes the late helper's share instead.
 */
#include "cl/host_pool.h"

#include <cblas.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <unistd.h>

#define MAX_HELPERS 63

typedef void (*pool_job)(const void *arg, int part, int parts);

static struct {
    pthread_mutex_t lock;
    pthread_cond_t wake, done;
    int count;           /* helper threads started */
    pool_job job;
    const void *arg;
    int parts;           /* parts of the current job */
    uint32_t generation; /* bumped for each job */
    int finished;        /* parts of the current job finished */
    /* The generation in the high 32 bits and the next unclaimed part in the low ones, so
     * that a helper still holding an old job can never claim a part of a newer one. */
    _Atomic uint64_t claim;
} pool = {
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .wake = PTHREAD_COND_INITIALIZER,
    .done = PTHREAD_COND_INITIALIZER,
};

static pthread_once_t pool_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t job_lock = PTHREAD_MUTEX_INITIALIZER;

/* The next part of job `generation`, or −1 when all are claimed or the job has ended. */
static int claim_part(uint32_t generation, int parts) {
    uint64_t seen = atomic_load(&pool.claim);
    for (;;) {
        int next = (int)(uint32_t)seen;
        if ((uint32_t)(seen >> 32) != generation || next >= parts) {
            return -1;
        }
        if (atomic_compare_exchange_weak(&pool.claim, &seen, seen + 1)) {
            return next;
        }
    }
}

/* Runs parts of the job until none is left unclaimed. */
static void run_parts(pool_job job, const void *arg, int parts, uint32_t generation) {
    int part;
    while ((part = claim_part(generation, parts)) >= 0) {
        job(arg, part, parts);

        pthread_mutex_lock(&pool.lock);
        if (++pool.finished == parts) {
            pthread_cond_signal(&pool.done);
        }
        pthread_mutex_unlock(&pool.lock);
    }
}

static void *helper_main(void *unused) {
    uint32_t seen = 0;

    (void)unused;
    pthread_mutex_lock(&pool.lock);
    for (;;) {
        while (pool.generation == seen) {
            pthread_cond_wait(&pool.wake, &pool.lock);
        }
        seen = pool.generation;
        pool_job job = pool.job;
        const void *arg = pool.arg;
        int parts = pool.parts;
        pthread_mutex_unlock(&pool.lock);

        run_parts(job, arg, parts, seen);

        pthread_mutex_lock(&pool.lock);
    }
    return NULL;
}

static void start_once(void) {
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int helpers = cores > 1 ? (int)(cores - 1) : 0;

    openblas_set_num_threads(1);
    if (helpers > MAX_HELPERS) {
        helpers = MAX_HELPERS;
    }
    for (int i = 0; i < helpers; i++) {
        pthread_t thread;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        int failed = pthread_create(&thread, &attr, helper_main, NULL);
        pthread_attr_destroy(&attr);
        if (failed) {
            break; /* fewer helpers only means less parallelism */
        }
        pool.count++;
    }
}

void host_pool_start(void) {
    pthread_once(&pool_once, start_once);
}

int host_pool_threads(void) {
    return pool.count + 1;
}

void host_pool_run(void (*job)(const void *arg, int part, int parts), const void *arg,
                   int parts) {
    if (parts <= 1 || pool.count == 0) {
        for (int part = 0; part < (parts > 1 ? parts : 1); part++) {
            job(arg, part, parts > 1 ? parts : 1);
        }
        return;
    }

    pthread_mutex_lock(&job_lock);
    pthread_mutex_lock(&pool.lock);
    pool.job = job;
    pool.arg = arg;
    pool.parts = parts;
    pool.finished = 0;
    pool.generation++;
    uint32_t generation = pool.generation;
    atomic_store(&pool.claim, (uint64_t)generation << 32);
    pthread_cond_broadcast(&pool.wake);
    pthread_mutex_unlock(&pool.lock);

    run_parts(job, arg, parts, generation);

    /* Every part is claimed; wait for those still running on helpers. */
    pthread_mutex_lock(&pool.lock);
    while (pool.finished < parts) {
        pthread_cond_wait(&pool.done, &pool.lock);
    }
    pthread_mutex_unlock(&pool.lock);
    pthread_mutex_unlock(&job_lock);
}
