#include "lipc_pool.h"
#include "lipc_proto.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

int lipc_pool_init(struct lipc_pool *p, size_t size, void *want)
{
    memset(p, 0, sizeof(*p));
    p->fd = -1;
    size = (size + 4095) & ~(size_t)4095;
    p->size = size;
    p->units = (uint32_t)(size / LIPC_POOL_UNIT);
    p->len = calloc(p->units, sizeof(*p->len));
    p->used = calloc(p->units, 1);
    if (!p->len || !p->used)
        goto nomem;
    p->fd = memfd_create("liteipc-pool", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (p->fd < 0 || ftruncate(p->fd, (off_t)size) < 0)
        goto fail;
    p->rw = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, p->fd, 0);
    if (p->rw == MAP_FAILED) {
        p->rw = NULL;
        goto fail;
    }
    /* Only the runtime's view may write: the user's view, mapped after this
     * seal, cannot be mprotect()ed writable (read-only as on LiteOS-A). */
    if (fcntl(p->fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0)
        goto fail;
    p->ro = mmap(want, size, PROT_READ, MAP_SHARED, p->fd, 0);
    if (p->ro == MAP_FAILED) {
        p->ro = NULL;
        goto fail;
    }
    return 0;
fail:;
    int e = errno ? errno : ENOMEM;
    lipc_pool_deinit(p);
    return -e;
nomem:
    lipc_pool_deinit(p);
    return -ENOMEM;
}

void lipc_pool_deinit(struct lipc_pool *p)
{
    if (p->rw)
        munmap(p->rw, p->size);
    if (p->ro)
        munmap(p->ro, p->size);
    if (p->fd >= 0)
        close(p->fd);
    free(p->len);
    free(p->used);
    memset(p, 0, sizeof(*p));
    p->fd = -1;
}

LIPC_HOT long lipc_pool_alloc(struct lipc_pool *p, size_t n)
{
    if (!p->units || n == 0)
        return -ENOMEM;
    uint32_t need = (uint32_t)((n + LIPC_POOL_UNIT - 1) / LIPC_POOL_UNIT);
    if (need > p->units)
        return -ENOMEM;
    for (int pass = 0; pass < 2; pass++) {
        uint32_t start = pass ? 0 : p->hint;
        uint32_t end = pass ? p->hint : p->units;
        uint32_t run = 0, i = start;
        while (i < end) {
            if (p->used[i]) {
                run = 0;
                i += p->len[i] ? p->len[i] : 1;
                continue;
            }
            if (++run == need) {
                uint32_t s = i + 1 - need;
                memset(p->used + s, 1, need);
                p->len[s] = need;
                p->hint = s + need < p->units ? s + need : 0;
                p->bytes_used += (size_t)need * LIPC_POOL_UNIT;
                return (long)s * LIPC_POOL_UNIT;
            }
            i++;
        }
    }
    return -ENOMEM;
}

LIPC_HOT long lipc_pool_lookup(const struct lipc_pool *p, const void *uptr)
{
    const uint8_t *u = uptr;
    if (!p->ro || !u || u < p->ro || u >= p->ro + p->size)
        return -EINVAL;
    size_t off = (size_t)(u - p->ro);
    if (off % LIPC_POOL_UNIT)
        return -EFAULT;
    uint32_t unit = (uint32_t)(off / LIPC_POOL_UNIT);
    if (!p->used[unit] || !p->len[unit])
        return -EFAULT;
    return (long)off;
}

LIPC_HOT void lipc_pool_free(struct lipc_pool *p, size_t off)
{
    uint32_t unit = (uint32_t)(off / LIPC_POOL_UNIT);
    uint32_t n = p->len[unit];
    memset(p->used + unit, 0, n);
    p->len[unit] = 0;
    p->bytes_used -= (size_t)n * LIPC_POOL_UNIT;
    /* the next allocation starts at the lowest block freed: a message that
     * is freed before the next one arrives reuses the same (cached) memory
     * instead of streaming through the whole pool */
    if (unit < p->hint)
        p->hint = unit;
}
