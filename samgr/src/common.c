/*
 * common.c - Vector, byte for byte the upstream semantics (see common.h):
 * holes are reused only when the array is full, highest index first, and
 * VECTOR_Swap(NULL) always counts a hole, even on an already empty slot.
 */
#include "common.h"

#include <stdint.h>
#include <string.h>

#include "memory_adapter.h"

#define GROW_STEP 4

Vector VECTOR_Make(VECTOR_Key key, VECTOR_Compare compare)
{
    Vector vector = {0, 0, 0, NULL, key, compare};
    return vector;
}

void VECTOR_Clear(Vector *vector)
{
    if (vector == NULL) {
        return;
    }
    SAMGR_Free(vector->data);
    vector->data = NULL;
    vector->max = 0;
    vector->top = 0;
    vector->fre = 0;
}

int16 VECTOR_Add(Vector *vector, void *element)
{
    if (vector == NULL || element == NULL) {
        return INVALID_INDEX;
    }
    if (vector->top >= vector->max) {
        int16 i;
        /* reuse released slots first, from the top */
        for (i = (int16)(vector->top - 1); i >= 0; --i) {
            if (vector->data[i] == NULL) {
                vector->data[i] = element;
                vector->fre--;
                return i;
            }
        }
        if ((int)vector->max + GROW_STEP > INT16_MAX) {
            return INVALID_INDEX;
        }
        int16 newMax = (int16)(vector->max + GROW_STEP);
        void **data = (void **)SAMGR_Malloc((uint32)(sizeof(void *) * (size_t)newMax));
        if (data == NULL) {
            return INVALID_INDEX;
        }
        if (vector->data != NULL) {
            memcpy(data, vector->data, sizeof(void *) * (size_t)vector->max);
            SAMGR_Free(vector->data);
        }
        vector->data = data;
        vector->max = newMax;
    }
    vector->data[vector->top] = element;
    return vector->top++;
}

void *VECTOR_At(Vector *vector, int16 index)
{
    if (vector == NULL || index < 0 || index >= vector->top) {
        return NULL;
    }
    return vector->data[index];
}

void *VECTOR_Swap(Vector *vector, int16 index, void *element)
{
    if (vector == NULL || index < 0 || index >= vector->top) {
        return NULL;
    }
    if (element == NULL) {
        vector->fre++;
    }
    void *oldElement = vector->data[index];
    vector->data[index] = element;
    return oldElement;
}

int16 VECTOR_Find(Vector *vector, const void *element)
{
    if (vector == NULL || element == NULL) {
        return INVALID_INDEX;
    }
    return VECTOR_FindByKey(vector, (vector->key == NULL) ? element : vector->key(element));
}

int16 VECTOR_FindByKey(Vector *vector, const void *key)
{
    if (vector == NULL || key == NULL) {
        return INVALID_INDEX;
    }
    int16 i;
    for (i = 0; i < vector->top; ++i) {
        if (vector->data[i] == NULL) {
            continue;
        }
        void *first = (vector->key != NULL) ? vector->key(vector->data[i]) : vector->data[i];
        if (first == key) {
            return i;
        }
        if (vector->compare != NULL && first != NULL && vector->compare(first, key) == 0) {
            return i;
        }
    }
    return INVALID_INDEX;
}

int16 VECTOR_Size(Vector *vector)
{
    if (vector == NULL) {
        return INVALID_INDEX;
    }
    return vector->top;
}

int16 VECTOR_Num(Vector *vector)
{
    if (vector == NULL) {
        return INVALID_INDEX;
    }
    return (int16)(vector->top - vector->fre);
}
