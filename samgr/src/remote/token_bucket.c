/* token_bucket.c - see token_bucket.h */
#include "token_bucket.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#define TOKEN_PER_MSG 1000u

void lipc_tb_init(lipc_token_bucket *tb, uint32_t rate, uint32_t burst)
{
    tb->rate = rate;
    tb->burst = burst;
    tb->origin_ms = lipc_tb_now_ms();
    __atomic_store_n(&tb->tat, 0, __ATOMIC_RELAXED);
}

void lipc_tb_deinit(lipc_token_bucket *tb)
{
    (void)tb;   /* nothing held */
}

/* The coarse clock (the last tick: 1-10 ms resolution, a few ns instead of
 * a TSC read): the bucket counts whole milliseconds anyway and only ever
 * gives back elapsed time, so a coarser step changes when tokens come back,
 * not how many. */
uint64_t lipc_tb_now_ms(void)
{
    struct timespec ts;
#ifdef CLOCK_MONOTONIC_COARSE
    if (clock_gettime(CLOCK_MONOTONIC_COARSE, &ts) != 0)
#endif
        clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int lipc_tb_take(lipc_token_bucket *tb, uint64_t now_ms)
{
    if (tb->rate == 0)
        return 0;
    uint64_t cap = (uint64_t)tb->burst * TOKEN_PER_MSG;
    uint64_t rel = now_ms > tb->origin_ms ? now_ms - tb->origin_ms : 0;
    uint64_t now;
    /* beyond ~5.8 years at the largest rate: a bucket always full */
    if (__builtin_mul_overflow(rel, (uint64_t)tb->rate, &now) || now > UINT64_MAX - 2 * cap)
        return 0;
    uint64_t tat = __atomic_load_n(&tb->tat, __ATOMIC_RELAXED);
    for (;;) {
        uint64_t base = tat > now ? tat : now;
        if (base - now + TOKEN_PER_MSG > cap)
            return -EBUSY;
        /* relaxed: the word publishes nothing but itself */
        if (__atomic_compare_exchange_n(&tb->tat, &tat, base + TOKEN_PER_MSG, 1, __ATOMIC_RELAXED,
                                        __ATOMIC_RELAXED))
            return 0;
    }
}

static uint32_t env_u32(const char *name, uint32_t def)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return def;
    char *end;
    unsigned long x = strtoul(v, &end, 10);
    if (*end || x > 100000000ul)
        return def;
    return (uint32_t)x;
}

void lipc_tb_config_from_env(uint32_t *rate, uint32_t *burst)
{
    *rate = env_u32("LIPC_SAMGR_RATE", LIPC_TB_DEFAULT_RATE);
    *burst = env_u32("LIPC_SAMGR_BURST", LIPC_TB_DEFAULT_BURST);
    if (*burst == 0)
        *burst = 1;
}
