/* Reset, semihosting output and the measurements of the emulated board (qemu mps2-an386). */
#include <stdint.h>
#include <string.h>

#include "board.h"

extern uint32_t _data_load, _data_start, _data_end, _bss_start, _bss_end, _stack_bottom, _stack_top;
int main(void);
void reset_handler(void);
static void fault_handler(void) { board_exit(2); }

__attribute__((section(".vectors"), used)) static const void *const vectors[16] = {
    &_stack_top, (const void *)reset_handler, (const void *)fault_handler, (const void *)fault_handler,
    (const void *)fault_handler, (const void *)fault_handler, (const void *)fault_handler,
};

#define STACK_PAINT 0xa5a5a5a5u

/* Paints the stack below the current frame (the reset handler uses none of it yet). */
__attribute__((noinline)) static void paint_stack(void) {
  volatile uint32_t *p = &_stack_bottom;
  uint32_t *sp;
  __asm__ volatile("mov %0, sp" : "=r"(sp));
  while (p < (volatile uint32_t *)sp - 16) *p++ = STACK_PAINT;
}

void reset_handler(void) {
  memcpy(&_data_start, &_data_load, (size_t)((char *)&_data_end - (char *)&_data_start));
  memset(&_bss_start, 0, (size_t)((char *)&_bss_end - (char *)&_bss_start));
  paint_stack();
  board_exit(main() == 0 ? 0 : 1);
}

uint32_t board_stack_used(void) {
  const uint32_t *p = &_stack_bottom;
  while (p < &_stack_top && *p == STACK_PAINT) p++;
  return (uint32_t)((const char *)&_stack_top - (const char *)p);
}

void board_stack_repaint(void) {
  uint32_t *p = &_stack_bottom;
  uint32_t *sp;
  __asm__ volatile("mov %0, sp" : "=r"(sp));
  while (p < sp - 16) *p++ = STACK_PAINT; /* 64 bytes of margin below this frame */
}

static int semihost(int operation, const void *argument) {
  register int r0 __asm__("r0") = operation;
  register const void *r1 __asm__("r1") = argument;
  __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

void board_print(const char *text) { semihost(0x04 /* SYS_WRITE0 */, text); }

void board_exit(int code) {
  /* ADP_Stopped_ApplicationExit makes qemu exit 0; RunTimeErrorUnknown makes it exit 1. */
  semihost(0x18 /* SYS_EXIT */, (const void *)(uintptr_t)(code == 0 ? 0x20026 : 0x20023));
  for (;;) {
  }
}

/* The CMSDK APB timer 0 of the board counts down at the 25 MHz peripheral clock. */
#define TIMER0_CTRL (*(volatile uint32_t *)0x40000000u)
#define TIMER0_VALUE (*(volatile uint32_t *)0x40000004u)
#define TIMER0_RELOAD (*(volatile uint32_t *)0x40000008u)

void board_timer_start(void) {
  TIMER0_CTRL = 0;
  TIMER0_RELOAD = 0xffffffffu;
  TIMER0_VALUE = 0xffffffffu;
  TIMER0_CTRL = 1;
}
uint32_t board_timer_ticks(void) { return 0xffffffffu - TIMER0_VALUE; }

/* A stack of its own for the ECC of the external-ECC test image (test/external_ecc.c). */
static uint32_t ecc_stack[2048];

void board_run_on_ecc_stack(void (*fn)(void *), void *argument) {
  register void (*r_fn)(void *) __asm__("r0") = fn;
  register void *r_argument __asm__("r1") = argument;
  register uint32_t *r_top __asm__("r2") = ecc_stack + sizeof ecc_stack / sizeof ecc_stack[0];
  __asm__ volatile(
      "mov r4, sp\n"
      "mov sp, r2\n"
      "mov r3, r0\n"
      "mov r0, r1\n"
      "blx r3\n"
      "mov sp, r4\n"
      : "+r"(r_fn), "+r"(r_argument), "+r"(r_top)
      :
      : "r3", "r4", "r12", "lr", "memory", "cc");
}
