/*
 * Crash test of the sensor's trust file (make check): a child stores two trusts in turn as fast as it
 * can (trust_file_store: PATH.tmp, fsync, rename, fsync of the directory) and is killed with SIGKILL
 * at a random moment, again and again; after each kill the file must read back (trust_file_load) as
 * one of the two, never torn, never refused. Prints how many kills it took and how many stores ran.
 */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "trust_file.h"

static const uint8_t genesis_set[3][20] = {{0x12, 0x60}, {0xb4, 0x86}, {0xe0, 0x6e}};
static const uint8_t later_set[4][20] = {{0x12, 0x60}, {0x55, 0x01}, {0xb4, 0x86}, {0xe0, 0x6e}};

int main(int argc, char **argv) {
  pythia_clique_trust genesis = {genesis_set, 3, 0, 8}, later = {later_set, 4, 800, 8}, read;
  uint8_t validators[16][20];
  char path[4096], why[160];
  int kills = argc > 2 ? atoi(argv[2]) : 200, k;
  unsigned long stores = 0;
  if (argc < 2) {
    fputs("usage: trust-file-crash DIR [KILLS]\n", stderr);
    return 2;
  }
  snprintf(path, sizeof path, "%s/trust.bin", argv[1]);
  srand((unsigned)time(NULL));
  if (trust_file_store(path, 1337, &genesis, &genesis, why, sizeof why) != 0) return fprintf(stderr, "store: %s\n", why), 1;
  for (k = 0; k < kills; k++) {
    struct timespec delay = {0, (long)(rand() % 3000) * 1000L}; /* 0–3 ms: a few stores, killed in the middle of one */
    pid_t child = fork();
    if (child < 0) return perror("fork"), 1;
    if (child == 0) {
      unsigned long i;
      for (i = 0;; i++)
        if (trust_file_store(path, 1337, &genesis, i % 2 ? &genesis : &later, why, sizeof why) != 0) _exit(3);
    }
    nanosleep(&delay, NULL);
    kill(child, SIGKILL);
    if (waitpid(child, NULL, 0) != child) return perror("waitpid"), 1;
    if (trust_file_load(path, 1337, &genesis, validators, 16, &read, why, sizeof why) != TRUST_FILE_LOADED) {
      fprintf(stderr, "trust-file-crash: after kill %d the file is refused: %s\n", k + 1, why);
      return 1;
    }
    if (!((read.checkpoint == 0 && read.validator_count == 3 && memcmp(validators, genesis_set, sizeof genesis_set) == 0) ||
          (read.checkpoint == 800 && read.validator_count == 4 && memcmp(validators, later_set, sizeof later_set) == 0))) {
      fprintf(stderr, "trust-file-crash: after kill %d the file holds neither trust\n", k + 1);
      return 1;
    }
    stores += read.checkpoint == 800;
  }
  printf("trust file: %d kill -9 in the middle of stores, each left the old or the new record (%lu times the later one)\n", kills, stores);
  return 0;
}
