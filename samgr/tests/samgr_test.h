/*
 * samgr_test.h - helpers shared by the samgr tests: allocated-bytes probe
 * (for leak loops), waiting with a deadline, and a configurable test service.
 */
#ifndef SAMGR_TEST_H
#define SAMGR_TEST_H

#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lipc_test.h"
#include "ohos_errno.h"
#include "samgr_lite.h"

#if defined(__SANITIZE_ADDRESS__)
#define SAMGR_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SAMGR_TEST_ASAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define SAMGR_TEST_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SAMGR_TEST_TSAN 1
#endif
#endif

#ifdef SAMGR_TEST_ASAN
/* from <sanitizer/allocator_interface.h>, which gcc does not always ship */
size_t __sanitizer_get_current_allocated_bytes(void);
static inline size_t samgr_test_allocated(void)
{
    return __sanitizer_get_current_allocated_bytes();
}
#else
static inline size_t samgr_test_allocated(void)
{
    struct mallinfo2 info = mallinfo2();
    return info.uordblks + info.hblkhd;
}
#endif

static inline long samgr_test_tid(void)
{
    return (long)syscall(SYS_gettid);
}

/* Waits (up to 5 s) until *flag >= value; returns 1 on success. */
static inline int samgr_test_wait(volatile int *flag, int value)
{
    long long deadline = lipc_test_now_ms() + 5000;
    int spins = 0;
    while (__atomic_load_n(flag, __ATOMIC_ACQUIRE) < value) {
        if (lipc_test_now_ms() > deadline) {
            return 0;
        }
        if (++spins < 200) {
            sched_yield();
        } else {
            usleep(50);
        }
    }
    return 1;
}

#define LOAD(x) __atomic_load_n(&(x), __ATOMIC_ACQUIRE)
#define WAIT_FOR(flag, value) CHECK(samgr_test_wait(&(flag), (value)))

static inline void samgr_test_bump(volatile int *flag)
{
    __atomic_add_fetch(flag, 1, __ATOMIC_ACQ_REL);
}

#endif
