/*
 * feature.h - a feature of a samgr service (shares the service's task).
 */
#ifndef LITE_FEATURE_H
#define LITE_FEATURE_H

#include "ohos_types.h"
#include "message.h"
#include "service.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct Feature Feature;

#define INHERIT_FEATURE                                                         \
    const char *(*GetName)(Feature * feature);                                  \
    void (*OnInitialize)(Feature * feature, Service * parent, Identity identity); \
    void (*OnStop)(Feature * feature, Identity identity);                        \
    BOOL (*OnMessage)(Feature * feature, Request * request);                     \
    BOOL (*IsDistributed)(void)

struct Feature {
    const char *(*GetName)(Feature *feature);
    void (*OnInitialize)(Feature *feature, Service *parent, Identity identity);
    void (*OnStop)(Feature *feature, Identity identity);
    BOOL (*OnMessage)(Feature *feature, Request *request);
};

#ifdef __cplusplus
}
#endif
#endif /* LITE_FEATURE_H */
