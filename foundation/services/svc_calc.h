/*
 * svc_calc.h - the interface of the example service libraries of the
 * foundation host (libsvc_calc.so, libsvc_echo.so): names and function ids
 * a consumer uses with IClientProxy::Invoke.
 */
#ifndef SVC_CALC_H
#define SVC_CALC_H

#define CALC_SERVICE "calc"
#define CALC_FEATURE_ARITH "arith"   /* request: int32 a, int32 b; reply: int32 */
#define CALC_FEATURE_INFO "info"     /* request: -; reply: int32 */
enum { CALC_ADD = 1, CALC_MUL = 2 };
enum { INFO_PID = 1, INFO_UID = 2, INFO_CALLS = 3 };

#define ECHO_SERVICE "echo"          /* default feature */
enum { ECHO_UPPER = 1 };             /* request: string; reply: the string in upper case */

#endif
