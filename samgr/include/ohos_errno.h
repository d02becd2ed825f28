/*
 * ohos_errno.h - error codes of OpenHarmony's commonlibrary/utils_lite.
 * All samgr functions that return int/int32 use these values.
 */
#ifndef OHOS_ERRNO_H
#define OHOS_ERRNO_H

#define EC_SUCCESS 0          /* OK */
#define EC_FAILURE (-1)       /* generic failure */
#define EC_BADPTR (-2)        /* bad pointer */
#define EC_NOMEMORY (-3)      /* out of memory */
#define EC_ADDRESS (-4)       /* bad address */
#define EC_IOERROR (-5)       /* I/O error */
#define EC_BUSBUSY (-6)       /* bus (queue) busy / full */
#define EC_NORESPONCE (-7)    /* no response (sic, upstream spelling) */
#define EC_NODEVICE (-8)      /* no device */
#define EC_INVALID (-9)       /* invalid argument */
#define EC_BUSY (-10)         /* busy */
#define EC_NOSERVICE (-11)    /* no such service */
#define EC_PERMISSION (-12)   /* permission denied */
#define EC_NOFILE (-13)       /* no such file */
#define EC_NOSPACE (-14)      /* no space left */
#define EC_NODIR (-15)        /* no such directory */
#define EC_ROFILE (-16)       /* read-only */
#define EC_NAMETOOLONG (-17)  /* name too long */
#define EC_OPBLOCK (-18)      /* operation would block */
#define EC_TIMEOUT (-19)      /* timed out */
#define EC_COMMU (-20)        /* communication error */
#define EC_PROTOCOL (-21)     /* protocol error */
#define EC_CANCELED (-22)     /* canceled */
#define EC_NOKEY (-23)        /* no such key */
#define EC_NOHANDLER (-24)    /* no handler */
#define EC_FLOWCTRL (-25)     /* flow control */
#define EC_NOINIT (-26)       /* not initialised */
#define EC_NORESOURCE (-27)   /* no resource */

#endif /* OHOS_ERRNO_H */
