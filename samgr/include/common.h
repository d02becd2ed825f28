/*
 * common.h - samgr_lite common types and the Vector container.
 *
 * Vector is a growable array of non-NULL pointers. Elements are "deleted" by
 * VECTOR_Swap(v, i, NULL), which leaves a NULL hole; VECTOR_Add reuses holes
 * only when the array is full (highest index first). The vector never owns
 * the elements: VECTOR_Clear frees the pointer array only.
 * Not thread-safe: callers lock.
 */
#ifndef LITE_COMMON_H
#define LITE_COMMON_H

#include "ohos_types.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GET_OFFSIZE(T, member) (long)((char *)&(((T *)(0))->member))
#define GET_OBJECT(ptr, T, member) (T *)(((char *)(ptr)) - GET_OFFSIZE(T, member))
#define INVALID_INDEX (-1)

typedef void *MQueueId;
typedef void *MutexId;
typedef void *ThreadId;

/* Returns the key of an element (e.g. its name). */
typedef void *(*VECTOR_Key)(const void *);
/* Compares two keys; 0 means equal. */
typedef int (*VECTOR_Compare)(const void *, const void *);

typedef struct SimpleVector {
    int16 max;           /* capacity */
    int16 top;           /* number of used slots (including holes) */
    int16 fre;           /* number of holes (see VECTOR_Swap) */
    void **data;
    VECTOR_Key key;
    VECTOR_Compare compare;
} Vector;

/* Returns an empty vector by value; no allocation until the first Add. */
Vector VECTOR_Make(VECTOR_Key key, VECTOR_Compare compare);
/* Frees the array and zeroes max/top/fre. NULL-safe. Elements are not freed. */
void VECTOR_Clear(Vector *vector);
/* Adds element; returns its index or INVALID_INDEX (NULL args, no memory, int16 overflow). */
int16 VECTOR_Add(Vector *vector, void *element);
/* Number of slots in use including holes (top), or INVALID_INDEX for NULL. */
int16 VECTOR_Size(Vector *vector);
/* Number of elements (top - fre), or INVALID_INDEX for NULL. */
int16 VECTOR_Num(Vector *vector);
/* Element at index, NULL out of range or for a hole. */
void *VECTOR_At(Vector *vector, int16 index);
/* Replaces the element at index and returns the old one; element NULL counts a hole (always). */
void *VECTOR_Swap(Vector *vector, int16 index, void *element);
/* Index of element (by its key if the vector has a key function), or INVALID_INDEX. */
int16 VECTOR_Find(Vector *vector, const void *element);
/* Index of the first element whose key equals key (pointer or compare()==0), or INVALID_INDEX. */
int16 VECTOR_FindByKey(Vector *vector, const void *key);

#ifdef __cplusplus
}
#endif
#endif /* LITE_COMMON_H */
