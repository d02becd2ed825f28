/* Codes shared by the ipc examples (a toy protocol). */
#ifndef IPC_EXAMPLE_H
#define IPC_EXAMPLE_H

/* service manager (handle 0) */
enum { SAMGR_REGISTER = 1, SAMGR_LOOKUP = 2, SAMGR_QUIT = 3 };
/* calculator */
enum { CALC_ADD = 1, CALC_SUB, CALC_MUL, CALC_DIV, CALC_ACCUMULATE, CALC_TOTAL, CALC_SQUARE_LATER };
/* the client's anonymous callback */
enum { CALLBACK_RESULT = 1 };

#endif
