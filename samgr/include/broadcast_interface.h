/*
 * broadcast_interface.h - the "Broadcast" service's publish/subscribe API.
 *
 *   PubSubInterface *api = NULL;
 *   IUnknown *iu = SAMGR_GetInstance()->GetFeatureApi(BROADCAST_SERVICE, PUB_SUB_FEATURE);
 *   iu->QueryInterface(iu, DEFAULT_VERSION, (void **)&api);
 *
 * A consumer with identity == NULL is notified in the broadcast task; one
 * with an identity is notified in that service's task. Consumer objects are
 * owned by the caller and must stay valid while subscribed.
 */
#ifndef LITE_BROADCAST_INTERFACE_H
#define LITE_BROADCAST_INTERFACE_H

#include "ohos_types.h"
#include "iunknown.h"
#include "message.h"

#ifdef __cplusplus
extern "C" {
#endif

#define BROADCAST_SERVICE "Broadcast"
#define PUB_SUB_FEATURE "Provider and subscriber"

typedef uint32 Topic;

enum BroadcastErrCode {
    EC_ALREADY_SUBSCRIBED = 1,
};

typedef struct Consumer Consumer;
struct Consumer {
    const Identity *identity;
    void (*Notify)(Consumer *consumer, const Topic *topic, const Request *origin);
    BOOL (*Equal)(const Consumer *current, const Consumer *other);
};

typedef struct Provider Provider;
struct Provider {
    /* Copies data (if data && len > 0) and notifies every consumer of topic.
     * Returns TRUE only if owned data was sent: FALSE for len 0 (upstream). */
    BOOL (*Publish)(IUnknown *iUnknown, const Topic *topic, uint8 *data, int16 len);
};

typedef struct Subscriber Subscriber;
struct Subscriber {
    int (*AddTopic)(IUnknown *iUnknown, const Topic *topic);
    int (*Subscribe)(IUnknown *iUnknown, const Topic *topic, Consumer *consumer);
    Consumer *(*ModifyConsumer)(IUnknown *iUnknown, const Topic *topic, Consumer *oldConsumer,
                                Consumer *newConsumer);
    Consumer *(*Unsubscribe)(IUnknown *iUnknown, const Topic *topic, const Consumer *consumer);
};

typedef struct PubSubInterface PubSubInterface;
struct PubSubInterface {
    INHERIT_IUNKNOWN;
    Subscriber subscriber;
    Provider provider;
};

#ifdef __cplusplus
}
#endif
#endif /* LITE_BROADCAST_INTERFACE_H */
