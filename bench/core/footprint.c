/*
 * footprint.c - text size of the libliteipc this program runs with, read
 * from its ELF section headers (what size(1) calls "text": allocated,
 * read-only sections, i.e. code, read-only data, symbol tables for the
 * dynamic linker, unwind tables; plus the executable part alone).
 */
#include "bench_more.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TEXT_LIMIT (128u << 10)

/* Path of the mapped file that contains addr (/proc/self/maps); 0 or -errno. */
static int mapped_file_of(const void *addr, char *path, size_t len)
{
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f)
        return -errno;
    char line[4352];
    uintptr_t a = (uintptr_t)addr;
    int ret = -ENOENT;
    while (fgets(line, sizeof(line), f)) {
        unsigned long lo, hi;
        int off = 0;
        if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %n", &lo, &hi, &off) < 2 || !off)
            continue;
        if (a < lo || a >= hi)
            continue;
        char *p = line + off;
        p[strcspn(p, "\n")] = 0;
        if (*p != '/')
            break;
        snprintf(path, len, "%s", p);
        ret = 0;
        break;
    }
    fclose(f);
    return ret;
}

struct text_size {
    uint64_t text;          /* SHF_ALLOC, not SHF_WRITE: size(1)'s "text" */
    uint64_t exec;          /* SHF_ALLOC | SHF_EXECINSTR */
};

#define ELF_SECTIONS(EHDR, SHDR)                                                          \
    do {                                                                                  \
        EHDR eh;                                                                          \
        if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh))                         \
            return -EIO;                                                                  \
        if (eh.e_shentsize != sizeof(SHDR) || eh.e_shnum == 0 || eh.e_shnum > 4096)       \
            return -EINVAL;                                                               \
        for (unsigned i = 0; i < eh.e_shnum; i++) {                                       \
            SHDR sh;                                                                      \
            if (pread(fd, &sh, sizeof(sh), (off_t)(eh.e_shoff + (uint64_t)i * sizeof(sh))) != \
                (ssize_t)sizeof(sh))                                                      \
                return -EIO;                                                              \
            if (!(sh.sh_flags & SHF_ALLOC) || (sh.sh_flags & SHF_WRITE))                  \
                continue;                                                                 \
            out->text += sh.sh_size;                                                      \
            if (sh.sh_flags & SHF_EXECINSTR)                                              \
                out->exec += sh.sh_size;                                                  \
        }                                                                                 \
    } while (0)

static int elf_text(int fd, struct text_size *out)
{
    unsigned char ident[EI_NIDENT];
    if (pread(fd, ident, sizeof(ident), 0) != (ssize_t)sizeof(ident))
        return -EIO;
    if (memcmp(ident, ELFMAG, SELFMAG) != 0)
        return -ENOEXEC;
    memset(out, 0, sizeof(*out));
    if (ident[EI_CLASS] == ELFCLASS64)
        ELF_SECTIONS(Elf64_Ehdr, Elf64_Shdr);
    else if (ident[EI_CLASS] == ELFCLASS32)
        ELF_SECTIONS(Elf32_Ehdr, Elf32_Shdr);
    else
        return -ENOEXEC;
    return 0;
}

#ifdef LIPC_BENCH_HAVE_CORE
#include "lipc.h"
#endif

void footprint_text_row(struct bench_table *t)
{
    struct bench_row r;
    bench_row_init(&r, "liteipc", "footprint_text", PL_UNPINNED, 0, KIND_FOOTPRINT);
    r.limit = TEXT_LIMIT;
#ifndef LIPC_BENCH_HAVE_CORE
    r.status = ST_SKIPPED;
    snprintf(r.note, sizeof(r.note), "built without the core library");
#else
    char path[4096];
    struct text_size ts;
    int e = mapped_file_of((const void *)(uintptr_t)&lipc_dev_open, path, sizeof(path));
    if (e < 0) {
        r.status = ST_FAILED;
        snprintf(r.note, sizeof(r.note), "libliteipc not found in /proc/self/maps: %s",
                 strerror(-e));
    } else {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        e = fd < 0 ? -errno : elf_text(fd, &ts);
        if (fd >= 0)
            close(fd);
        if (e < 0) {
            r.status = ST_FAILED;
            snprintf(r.note, sizeof(r.note), "%.100s: %s", path, strerror(-e));
        } else {
            r.bytes = ts.text;
            r.bytes2 = ts.exec;
            r.iters = 1;
            const char *base = strrchr(path, '/');
            snprintf(r.note, sizeof(r.note), "%.80s, build type %s", base ? base + 1 : path,
                     LIPC_BENCH_BUILD_TYPE[0] ? LIPC_BENCH_BUILD_TYPE : "(none)");
        }
    }
#endif
    bench_table_add(t, &r);
}
