#ifndef PYTHIA_BOARD_H
#define PYTHIA_BOARD_H
#include <stdint.h>
void board_print(const char *text);
void board_exit(int code);
uint32_t board_stack_used(void);
/** Paints the stack below the caller's frame again, so that board_stack_used measures what runs next. */
void board_stack_repaint(void);
void board_timer_start(void);
uint32_t board_timer_ticks(void);
void board_run_on_ecc_stack(void (*fn)(void *), void *argument);
#endif
