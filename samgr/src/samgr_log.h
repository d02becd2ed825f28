/*
 * samgr_log.h - internal logging (stands in for hilog_lite's HILOG_*).
 * Errors and warnings go to stderr; info/debug only when the environment
 * variable SAMGR_LOG is "debug" (read once).
 */
#ifndef SAMGR_LOG_H
#define SAMGR_LOG_H

#include <stdio.h>

int SAMGR_LogVerbose(void);

#define HILOG_ERROR(mod, fmt, ...) fprintf(stderr, "samgr: E " fmt "\n", ##__VA_ARGS__)
#define HILOG_WARN(mod, fmt, ...) fprintf(stderr, "samgr: W " fmt "\n", ##__VA_ARGS__)
#define HILOG_INFO(mod, fmt, ...)                                          \
    do {                                                                   \
        if (SAMGR_LogVerbose()) {                                          \
            fprintf(stderr, "samgr: I " fmt "\n", ##__VA_ARGS__);          \
        }                                                                  \
    } while (0)
#define HILOG_DEBUG HILOG_INFO
#define HILOG_MODULE_SAMGR 0

#endif /* SAMGR_LOG_H */
