/*
 * pub_sub_feature.h - the "Provider and subscriber" feature of the Broadcast
 * service: topics, their consumers, and the PubSubInterface implementation.
 */
#ifndef SAMGR_PUB_SUB_FEATURE_H
#define SAMGR_PUB_SUB_FEATURE_H

#include <pthread.h>

#include "broadcast_interface.h"
#include "feature.h"

#define MSG_PUBLISH 1
#define BROADCAST_QUEUE_SIZE 40
#define BROADCAST_STACK_SIZE 0x800

typedef struct ConsumerNode ConsumerNode;
struct ConsumerNode {
    ConsumerNode *next;
    Consumer *consumer;
};

typedef struct Relation Relation;
struct Relation {
    Relation *next;
    Topic topic;
    ConsumerNode *consumers;   /* newest first */
};

typedef struct PubSubFeature PubSubFeature;
struct PubSubFeature {
    INHERIT_FEATURE;
    Relation *(*GetRelation)(PubSubFeature *feature, const Topic *topic);  /* caller holds mutex */
    pthread_mutex_t mutex;     /* recursive: Notify in the broadcast task may publish again */
    Relation *relations;       /* topics are never removed (upstream) */
    Identity identity;
};

typedef struct PubSubImplement PubSubImplement;
struct PubSubImplement {
    INHERIT_IUNKNOWNENTRY(PubSubInterface);
    PubSubFeature *feature;
};

/* The singleton API bound to feature. */
PubSubImplement *BCE_CreateInstance(Feature *feature);

#endif
