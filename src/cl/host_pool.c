/*
 * The helper threads of the host-BLAS backend; see host_pool.h. One job at a time: the
 * in-order queue issues them one by one, and a lock keeps two contexts from mixing theirs.
 */
#include "cl/host_pool.h"

#include <cblas.h>
#include <pthread.h>
#include <stdint.h>
#include <unistd.h>

#define MAX_HELPERS 63

typedef void (*pool_job)(const void *arg, int part, int parts);

static struct {
    pthread_mutex_t lock;
    pthread_cond_t wake, done;
    int count;       /* helper threads started */
    pool_job job;
    const void *arg;
    int parts;       /* parts of the current job, the caller's included */
    int generation;  /* bumped for each job */
    int pending;     /* helper parts not finished */
} pool = {
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .wake = PTHREAD_COND_INITIALIZER,
    .done = PTHREAD_COND_INITIALIZER,
};

static pthread_once_t pool_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t job_lock = PTHREAD_MUTEX_INITIALIZER;

static void *helper_main(void *raw) {
    int part = (int)(intptr_t)raw + 1; /* helper i runs part i + 1 */
    int seen = 0;

    pthread_mutex_lock(&pool.lock);
    for (;;) {
        while (pool.generation == seen) {
            pthread_cond_wait(&pool.wake, &pool.lock);
        }
        seen = pool.generation;
        if (part >= pool.parts) {
            continue;
        }
        pool_job job = pool.job;
        const void *arg = pool.arg;
        int parts = pool.parts;
        pthread_mutex_unlock(&pool.lock);

        job(arg, part, parts);

        pthread_mutex_lock(&pool.lock);
        if (--pool.pending == 0) {
            pthread_cond_signal(&pool.done);
        }
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
        int failed = pthread_create(&thread, &attr, helper_main, (void *)(intptr_t)i);
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
    if (parts <= 1 || parts > pool.count + 1) {
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
    pool.pending = parts - 1;
    pool.generation++;
    pthread_cond_broadcast(&pool.wake);
    pthread_mutex_unlock(&pool.lock);

    job(arg, 0, parts);

    pthread_mutex_lock(&pool.lock);
    while (pool.pending > 0) {
        pthread_cond_wait(&pool.done, &pool.lock);
    }
    pthread_mutex_unlock(&pool.lock);
    pthread_mutex_unlock(&job_lock);
}
