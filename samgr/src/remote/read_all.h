/*
 * read_all.h - reads a small configuration file the samgr server loads
 * (policy, syscap list) once its caller has opened and checked it.
 */
#ifndef LIPC_READ_ALL_H
#define LIPC_READ_ALL_H

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

/* Reads up to n bytes of fd into a malloc'd buffer (NUL-terminated, *got
 * bytes read) and closes fd in every case.  NULL when out of memory. */
static inline char *lipc_read_all(int fd, size_t n, size_t *got)
{
    char *buf = malloc(n + 1);
    *got = 0;
    while (buf && *got < n) {
        ssize_t r = read(fd, buf + *got, n - *got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        *got += (size_t)r;
    }
    close(fd);
    if (buf)
        buf[*got] = 0;
    return buf;
}

#endif
