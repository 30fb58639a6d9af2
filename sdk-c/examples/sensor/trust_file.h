/* The sensor's stored Clique trust (docs/sdk-c.md, "The stored trust"): a file written atomically. */
#ifndef SENSOR_TRUST_FILE_H
#define SENSOR_TRUST_FILE_H
#include <stddef.h>
#include <stdint.h>

#include "pythia.h"

typedef enum { TRUST_FILE_LOADED = 0, TRUST_FILE_ABSENT = 1, TRUST_FILE_REFUSED = -1 } trust_file_result;

/**
 * Reads the trust stored at `path` for this chain and genesis (pythia_clique_trust_decode): LOADED into
 * `out` (its validators in `validators`), ABSENT (no such file: nothing reached yet), or REFUSED with
 * the reason in `why` (an unreadable, truncated, corrupted or foreign file).
 */
trust_file_result trust_file_load(const char *path, uint64_t chain_id, const pythia_clique_trust *genesis,
                                  uint8_t (*validators)[20], size_t capacity, pythia_clique_trust *out, char *why, size_t why_capacity);

/**
 * Stores `trust` at `path` so that a crash at any moment (kill -9, power loss) leaves the old file or
 * the new one, never a mix: written to PATH.tmp, fsync'd, renamed over PATH, the directory fsync'd.
 * 0, or -1 with the reason in `why` (the old file is then untouched).
 */
int trust_file_store(const char *path, uint64_t chain_id, const pythia_clique_trust *genesis, const pythia_clique_trust *trust, char *why,
                     size_t why_capacity);
#endif
