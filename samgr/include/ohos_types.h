/*
 * ohos_types.h - basic types of OpenHarmony's commonlibrary/utils_lite.
 * Same names and widths as upstream so that OpenHarmony code compiles unchanged.
 */
#ifndef OHOS_TYPES_H
#define OHOS_TYPES_H

#include <stddef.h>

typedef unsigned char uint8;
typedef unsigned short uint16;
typedef unsigned int uint32;
typedef unsigned long long uint64;
typedef signed char int8;
typedef short int16;
typedef int int32;
typedef long long int64;

typedef unsigned int BOOL;

#ifndef TRUE
#define TRUE 1L
#endif
#ifndef FALSE
#define FALSE 0L
#endif
#ifndef NULL
#define NULL ((void *)0)
#endif

#endif /* OHOS_TYPES_H */
