/* memory_adapter.h - samgr's allocator (malloc/free; SAMGR_Malloc(0) is NULL). */
#ifndef SAMGR_MEMORY_ADAPTER_H
#define SAMGR_MEMORY_ADAPTER_H

#include "ohos_types.h"

void *SAMGR_Malloc(uint32 size);
void SAMGR_Free(void *buffer);

#endif
