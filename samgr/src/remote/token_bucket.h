/*
 * token_bucket.h - flow control of an endpoint (upstream TokenBucket,
 * TB_CheckMessage): about `rate` messages per second with a burst of
 * `burst`.  Thread-safe and lock-free (endpoints serve calls on several
 * threads).
 *
 * Upstream arithmetic, in milli-messages: every message costs 1000;
 * elapsed_ms * rate is given back; the bucket refuses once used >= burst*1000.
 * Defaults: rate 1000/s, burst 1500 (MAX_BUCKET_RATE, MAX_BURST_RATE).
 * A refusal is reported to the caller as EC_FLOWCTRL (upstream: empty reply).
 *
 * Kept as one word, upstream's (last_ms, used) folded into
 *   tat = (last_ms - origin_ms) * rate + used      (milli-messages)
 * so that a take is one compare-and-swap instead of a mutex: with
 * now = (now_ms - origin_ms) * rate, upstream's refill-then-take is
 *   base = max(tat, now); refuse if base - now + 1000 > burst * 1000;
 *   else tat = base + 1000
 * (the same decisions, message for message; a clock going back gives
 * nothing back).  A refusal changes nothing.
 */
#ifndef LIPC_TOKEN_BUCKET_H
#define LIPC_TOKEN_BUCKET_H

#include <stdint.h>

#define LIPC_TB_DEFAULT_RATE 1000
#define LIPC_TB_DEFAULT_BURST 1500

typedef struct {
    uint32_t rate;      /* messages per second; 0 = unlimited */
    uint32_t burst;     /* messages */
    uint64_t origin_ms; /* the clock at init; times count from it */
    uint64_t tat;       /* see above; accessed atomically */
} lipc_token_bucket;

void lipc_tb_init(lipc_token_bucket *tb, uint32_t rate, uint32_t burst);
void lipc_tb_deinit(lipc_token_bucket *tb);

/* Takes one message at time now_ms.  0 = accepted, -EBUSY = refused. */
int lipc_tb_take(lipc_token_bucket *tb, uint64_t now_ms);

/* Monotonic clock in ms. */
uint64_t lipc_tb_now_ms(void);

/* Reads LIPC_SAMGR_RATE / LIPC_SAMGR_BURST (documented in SAMGR_REMOTE.md)
 * with the defaults above. */
void lipc_tb_config_from_env(uint32_t *rate, uint32_t *burst);

#endif
