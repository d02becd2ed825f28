/* time_adapter.h - clocks and the (no-op) watchdog of the POSIX adapter. */
#ifndef SAMGR_TIME_ADAPTER_H
#define SAMGR_TIME_ADAPTER_H

#include "ohos_types.h"

/* CLOCK_REALTIME in milliseconds, truncated to 32 bits (upstream). */
uint32 SAMGR_GetProcessTime(void);
/* CLOCK_MONOTONIC in milliseconds (used for handler durations). */
uint64 SAMGR_GetMonotonicMs(void);

/* Watchdog: no-ops on POSIX, return EC_FAILURE (upstream). */
int32 WDT_Start(uint32 ms);
int32 WDT_Reset(uint32 ms);
int32 WDT_Stop(void);

#endif
