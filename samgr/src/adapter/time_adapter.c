/* time_adapter.c - POSIX time adapter. */
#include "time_adapter.h"

#include <time.h>

#include "ohos_errno.h"

uint32 SAMGR_GetProcessTime(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint32)((uint64)ts.tv_sec * 1000u + (uint64)ts.tv_nsec / 1000000u);
}

uint64 SAMGR_GetMonotonicMs(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64)ts.tv_sec * 1000u + (uint64)ts.tv_nsec / 1000000u;
}

int32 WDT_Start(uint32 ms)
{
    (void)ms;
    return EC_FAILURE;
}

int32 WDT_Reset(uint32 ms)
{
    (void)ms;
    return EC_FAILURE;
}

int32 WDT_Stop(void)
{
    return EC_FAILURE;
}
