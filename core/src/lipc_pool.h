/*
 * lipc_pool.h - the receive pool of a process: one memfd mapped twice, a
 * private read-write view the runtime fills and the read-only view the user
 * got from mmap().  The allocator's bookkeeping lives outside the pool (the
 * user cannot write the pool, and must not be able to confuse it).
 * Not thread-safe: the caller holds the device lock.
 */
#ifndef LIPC_POOL_H
#define LIPC_POOL_H

#include <stddef.h>
#include <stdint.h>

#ifndef LIPC_HOT
#define LIPC_HOT __attribute__((hot))
#endif

struct lipc_pool {
    int fd;
    size_t size;            /* bytes, page multiple */
    uint8_t *rw;            /* runtime's view */
    uint8_t *ro;            /* user's view (returned by mmap) */
    uint32_t units;         /* size / LIPC_POOL_UNIT */
    uint32_t *len;          /* per start unit: block length in units, 0 = not a block start */
    uint8_t *used;          /* per unit: 1 = allocated */
    uint32_t hint;
    size_t bytes_used;
};

/* Creates the memfd and both mappings (ro at `want` if non-NULL, as a hint).
 * Returns 0 or -errno. */
int lipc_pool_init(struct lipc_pool *p, size_t size, void *want);
void lipc_pool_deinit(struct lipc_pool *p);

/* Allocates n bytes (rounded up to LIPC_POOL_UNIT).  Returns the offset or
 * -ENOMEM. */
long lipc_pool_alloc(struct lipc_pool *p, size_t n);

/* Checks that uptr (a user-view address) is the start of an allocated block.
 * Returns its offset, -EINVAL if outside the pool, -EFAULT if not a block. */
long lipc_pool_lookup(const struct lipc_pool *p, const void *uptr);

/* Frees the block at offset (must come from lookup/alloc). */
void lipc_pool_free(struct lipc_pool *p, size_t off);

static inline void *lipc_pool_rw(const struct lipc_pool *p, size_t off) { return p->rw + off; }
static inline void *lipc_pool_ro(const struct lipc_pool *p, size_t off) { return p->ro + off; }

#endif
