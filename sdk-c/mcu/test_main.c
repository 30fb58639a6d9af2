/*
 * The vectors on the emulated Cortex-M4, then one answer verification timed. qemu runs with
 * -icount shift=0: every instruction takes 1 ns of virtual time, and the board's timer counts at
 * 25 MHz, so one tick is 40 instructions.
 */
#include <stdint.h>

#include "board.h"
#include "pythia.h"
#include "test_vectors.h"

static void print_decimal(const char *label, uint32_t value) {
  char digits[11], out[12];
  int n = 0, i = 0;
  do {
    digits[n++] = (char)('0' + value % 10);
    value /= 10;
  } while (value);
  while (n) out[i++] = digits[--n];
  out[i] = '\0';
  board_print(label);
  board_print(out);
  board_print("\n");
}

/* Two instructions an iteration (subs, bne): a loop of known length checks the instruction count. */
static void known_loop(uint32_t iterations) {
  __asm__ volatile("1: subs %0, %0, #1\n bne 1b\n" : "+r"(iterations) : : "cc");
}

int main(void) {
  pythia_crypto crypto;
  uint32_t ticks;
  int failures;
  if (pythia_crypto_init(&crypto, 0) != PYTHIA_OK) return 1;
  failures = pythia_test_vectors(board_print, &crypto);
  print_decimal("stack: ", board_stack_used());
  board_timer_start();
  if (!pythia_test_verify_once(&crypto)) return 1;
  ticks = board_timer_ticks();
  print_decimal("verify ticks: ", ticks);
  board_timer_start();
  known_loop(1000000);
  print_decimal("calibration ticks for 2000000 instructions: ", board_timer_ticks());
  {
    /* Chain proof (issue #15): the stack of one header + proof check, measured alone; the device
       also holds the header and one proof node at a time (the buffers counted below). */
    chain_proof_figures figures;
    uint32_t stack;
    board_stack_repaint();
    if (!pythia_test_chain_proof_once(&figures)) return 1;
    stack = board_stack_used();
    print_decimal("chain proof header bytes: ", (uint32_t)figures.header_bytes);
    print_decimal("chain proof proof bytes: ", (uint32_t)figures.proof_bytes);
    print_decimal("chain proof nodes: ", (uint32_t)figures.nodes);
    print_decimal("chain proof largest node: ", (uint32_t)figures.largest_node);
    print_decimal("chain proof stack: ", stack);
  }
  return failures == 0 ? 0 : 1;
}
