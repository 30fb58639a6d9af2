/* Host runner of the vectors (make check): the same checks as on the emulated board. */
#include <stdio.h>

#include "pythia.h"
#include "test_vectors.h"

static void print(const char *text) { fputs(text, stdout); }

int main(void) {
  pythia_crypto crypto;
  static const uint8_t seed[32] = {1};
  if (pythia_crypto_init(&crypto, seed) != PYTHIA_OK) {
    puts("crypto init failed");
    return 1;
  }
  return pythia_test_vectors(print, &crypto) == 0 ? 0 : 1;
}
