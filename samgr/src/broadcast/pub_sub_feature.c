/*
 * pub_sub_feature.c - publish/subscribe over samgr (reference section 3.11).
 *
 * Publish sends one MSG_DIRECT request per consumer that has an identity, so
 * its Notify runs in the consumer's own task, and one shared request to this
 * feature for the consumers without identity, notified in the broadcast task.
 * The copies share one malloc'd buffer that samgr frees after the last one.
 * The publisher holds the mutex while sending; DefaultHandle takes it once
 * before notifying, so no copy is processed (and freed) before all are sent.
 */
#include "pub_sub_feature.h"

#include <string.h>

#include "memory_adapter.h"
#include "ohos_errno.h"
#include "ohos_init.h"
#include "samgr_lite.h"

static const char *GetName(Feature *feature);
static void OnInitialize(Feature *feature, Service *parent, Identity identity);
static void OnStop(Feature *feature, Identity identity);
static BOOL OnMessage(Feature *feature, Request *request);
static Relation *GetRelation(PubSubFeature *feature, const Topic *topic);

static PubSubFeature g_broadcastFeature = {
    .GetName = GetName,
    .OnInitialize = OnInitialize,
    .OnStop = OnStop,
    .OnMessage = OnMessage,
    .IsDistributed = NULL,
    .GetRelation = GetRelation,
    .relations = NULL,
    .identity = {-1, -1, NULL},
};

static const char *GetName(Feature *feature)
{
    (void)feature;
    return PUB_SUB_FEATURE;
}

static void OnInitialize(Feature *feature, Service *parent, Identity identity)
{
    (void)parent;
    ((PubSubFeature *)feature)->identity = identity;
}

static void OnStop(Feature *feature, Identity identity)
{
    (void)feature;
    (void)identity;
}

static Relation *GetRelation(PubSubFeature *feature, const Topic *topic)
{
    if (feature == NULL || topic == NULL) {
        return NULL;
    }
    Relation *item;
    for (item = feature->relations; item != NULL; item = item->next) {
        if (item->topic == *topic) {
            return item;
        }
    }
    return NULL;
}

static BOOL OnMessage(Feature *feature, Request *request)
{
    PubSubFeature *broadcast = (PubSubFeature *)feature;
    if (request->msgId != MSG_PUBLISH) {
        return TRUE;
    }
    Topic topic = request->msgValue;
    pthread_mutex_lock(&broadcast->mutex);
    Relation *relation = broadcast->GetRelation(broadcast, &topic);
    if (relation != NULL) {
        ConsumerNode *item;
        for (item = relation->consumers; item != NULL; item = item->next) {
            if (item->consumer->identity == NULL) {
                item->consumer->Notify(item->consumer, &topic, request);
            }
        }
    }
    pthread_mutex_unlock(&broadcast->mutex);
    return (relation != NULL) ? TRUE : FALSE;
}

/* ---- PubSubInterface ---- */

/* The feature behind a PubSub interface (NULL until it is bound). */
static PubSubFeature *FeatureOf(IUnknown *iUnknown)
{
    PubSubImplement *impl = GET_OBJECT(iUnknown, PubSubImplement, iUnknown);
    return impl->feature;
}

static int AddTopic(IUnknown *iUnknown, const Topic *topic)
{
    if (iUnknown == NULL || topic == NULL) {
        return EC_INVALID;
    }
    PubSubFeature *feature = FeatureOf(iUnknown);
    if (feature == NULL) {
        return EC_FAILURE;
    }
    pthread_mutex_lock(&feature->mutex);
    if (feature->GetRelation(feature, topic) != NULL) {
        pthread_mutex_unlock(&feature->mutex);
        return EC_FAILURE;
    }
    Relation *relation = (Relation *)SAMGR_Malloc(sizeof(Relation));
    if (relation == NULL) {
        pthread_mutex_unlock(&feature->mutex);
        return EC_NOMEMORY;
    }
    relation->topic = *topic;
    relation->consumers = NULL;
    relation->next = feature->relations;
    feature->relations = relation;
    pthread_mutex_unlock(&feature->mutex);
    return EC_SUCCESS;
}

static int Subscribe(IUnknown *iUnknown, const Topic *topic, Consumer *consumer)
{
    if (iUnknown == NULL || topic == NULL || consumer == NULL || consumer->Notify == NULL ||
        consumer->Equal == NULL) {
        return EC_INVALID;
    }
    PubSubFeature *feature = FeatureOf(iUnknown);
    if (feature == NULL) {
        return EC_FAILURE;
    }
    pthread_mutex_lock(&feature->mutex);
    Relation *relation = feature->GetRelation(feature, topic);
    if (relation == NULL) {
        pthread_mutex_unlock(&feature->mutex);
        return EC_FAILURE;
    }
    ConsumerNode *item;
    for (item = relation->consumers; item != NULL; item = item->next) {
        if (item->consumer->Equal(item->consumer, consumer)) {
            pthread_mutex_unlock(&feature->mutex);
            return EC_ALREADY_SUBSCRIBED;
        }
    }
    ConsumerNode *node = (ConsumerNode *)SAMGR_Malloc(sizeof(ConsumerNode));
    if (node == NULL) {
        pthread_mutex_unlock(&feature->mutex);
        return EC_NOMEMORY;
    }
    node->consumer = consumer;
    node->next = relation->consumers;
    relation->consumers = node;
    pthread_mutex_unlock(&feature->mutex);
    return EC_SUCCESS;
}

static Consumer *ModifyConsumer(IUnknown *iUnknown, const Topic *topic, Consumer *oldConsumer,
                                Consumer *newConsumer)
{
    if (iUnknown == NULL || topic == NULL || oldConsumer == NULL || newConsumer == NULL) {
        return NULL;
    }
    PubSubFeature *feature = FeatureOf(iUnknown);
    if (feature == NULL) {
        return NULL;
    }
    Consumer *previous = NULL;
    pthread_mutex_lock(&feature->mutex);
    Relation *relation = feature->GetRelation(feature, topic);
    ConsumerNode *item;
    for (item = (relation != NULL) ? relation->consumers : NULL; item != NULL; item = item->next) {
        if (item->consumer->Equal(item->consumer, oldConsumer)) {
            previous = item->consumer;
            item->consumer = newConsumer;
            break;
        }
    }
    pthread_mutex_unlock(&feature->mutex);
    return previous;
}

static Consumer *Unsubscribe(IUnknown *iUnknown, const Topic *topic, const Consumer *consumer)
{
    if (iUnknown == NULL || topic == NULL || consumer == NULL) {
        return NULL;
    }
    PubSubFeature *feature = FeatureOf(iUnknown);
    if (feature == NULL) {
        return NULL;
    }
    Consumer *removed = NULL;
    pthread_mutex_lock(&feature->mutex);
    Relation *relation = feature->GetRelation(feature, topic);
    ConsumerNode **link = (relation != NULL) ? &relation->consumers : NULL;
    while (link != NULL && *link != NULL) {
        ConsumerNode *item = *link;
        if (item->consumer->Equal(item->consumer, consumer)) {
            removed = item->consumer;
            *link = item->next;
            SAMGR_Free(item);
            break;
        }
        link = &item->next;
    }
    pthread_mutex_unlock(&feature->mutex);
    return removed;
}

/* Runs in the consumer's task (MSG_DIRECT). */
static void DefaultHandle(const Request *request, const Response *response)
{
    Consumer *consumer = (Consumer *)response->data;
    if (consumer == NULL || consumer->Notify == NULL) {
        return;
    }
    /* wait until the publisher has sent every copy */
    pthread_mutex_lock(&g_broadcastFeature.mutex);
    pthread_mutex_unlock(&g_broadcastFeature.mutex);
    Topic topic = request->msgValue;
    consumer->Notify(consumer, &topic, request);
}

static BOOL ImmediatelyPublish(PubSubFeature *feature, const Topic *topic, const Request *request)
{
    uint32 *token = NULL;
    pthread_mutex_lock(&feature->mutex);
    Relation *relation = feature->GetRelation(feature, topic);
    if (relation == NULL || relation->consumers == NULL) {
        pthread_mutex_unlock(&feature->mutex);
        return FALSE;
    }
    BOOL needBroadcast = FALSE;
    ConsumerNode *item;
    for (item = relation->consumers; item != NULL; item = item->next) {
        if (item->consumer->identity == NULL) {
            needBroadcast = TRUE;
            continue;
        }
        Response response = {item->consumer, 0, NULL};
        int32 ret = SAMGR_SendSharedDirectRequest(item->consumer->identity, request, &response, &token,
                                                  DefaultHandle);
        if (ret != EC_SUCCESS) {
            needBroadcast = FALSE;
            break;
        }
    }
    if (needBroadcast) {
        token = SAMGR_SendSharedRequest(&feature->identity, request, token, NULL);
    }
    pthread_mutex_unlock(&feature->mutex);
    return (token != NULL) ? TRUE : FALSE;
}

static BOOL Publish(IUnknown *iUnknown, const Topic *topic, uint8 *data, int16 len)
{
    if (iUnknown == NULL || topic == NULL) {
        return FALSE;
    }
    PubSubFeature *feature = FeatureOf(iUnknown);
    if (feature == NULL) {
        return FALSE;
    }
    Request request = {MSG_PUBLISH, 0, NULL, *topic};
    if (data != NULL && len > 0) {
        request.data = SAMGR_Malloc((uint32)len);
        if (request.data == NULL) {
            return FALSE;
        }
        request.len = len;
        memcpy(request.data, data, (size_t)len);
    }
    if (!ImmediatelyPublish(feature, topic, &request)) {
        SAMGR_Free(request.data);
        return FALSE;
    }
    return TRUE;
}

static PubSubImplement g_pubSubImplement = {
    DEFAULT_IUNKNOWN_ENTRY_BEGIN,
    .subscriber = {
        .AddTopic = AddTopic,
        .Subscribe = Subscribe,
        .ModifyConsumer = ModifyConsumer,
        .Unsubscribe = Unsubscribe,
    },
    .provider = {
        .Publish = Publish,
    },
    DEFAULT_IUNKNOWN_ENTRY_END,
    .feature = NULL,
};

PubSubImplement *BCE_CreateInstance(Feature *feature)
{
    g_pubSubImplement.feature = (PubSubFeature *)feature;
    return &g_pubSubImplement;
}

static void Init(void)
{
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&g_broadcastFeature.mutex, &attr);
    pthread_mutexattr_destroy(&attr);
    PubSubImplement *api = BCE_CreateInstance((Feature *)&g_broadcastFeature);
    (void)SAMGR_GetInstance()->RegisterFeature(BROADCAST_SERVICE, (Feature *)&g_broadcastFeature);
    (void)SAMGR_GetInstance()->RegisterFeatureApi(BROADCAST_SERVICE, PUB_SUB_FEATURE, GET_IUNKNOWN(*api));
}
SYS_FEATURE_INIT(Init);
