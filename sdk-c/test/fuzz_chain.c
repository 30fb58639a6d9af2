/*
 * libFuzzer target: any bytes as a Clique header (byte 0 = 0), as Merkle-Patricia proof nodes
 * (byte 0 = 1: a 32-byte key, then nodes with 2-byte big-endian lengths), or as an account proof
 * whose leaf the status proof reads (byte 0 = 2). The walk is told each node's own hash as the
 * expected one, so the fuzzer reaches the node parser at every depth, not only the first node.
 * The SDK must refuse with a reason and never read out of bounds (ASan) or hit UB (UBSan).
 */
#include <stdint.h>
#include <string.h>

#include "pythia.h"

static const uint8_t validators[3][20] = {{0x96, 0xee, 0x41}, {0x9d, 0x58, 0xb3}, {0xa4, 0x64, 0xad}};

/* Feeds the nodes of data[0..size) (2-byte lengths) to `walk`, each announced by its own hash. */
static void feed(pythia_mpt_walk *walk, const uint8_t *data, size_t size) {
  size_t at = 0;
  while (at + 2 <= size) {
    size_t length = ((size_t)data[at] << 8) | data[at + 1];
    at += 2;
    if (length > size - at) length = size - at;
    pythia_keccak256(data + at, length, walk->expected);
    if (!pythia_mpt_node(walk, data + at, length)) return;
    at += length;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  if (data[0] == 0) {
    pythia_clique_trust trust = {validators, 3, 80, 8};
    pythia_header_freshness freshness = {1796607399u, 60, 30, 0, 0};
    pythia_clique_header header;
    pythia_result r = pythia_clique_header_verify(data + 1, size - 1, &trust, &freshness, &header);
    if (pythia_reason(r)[0] == 'u' && r != PYTHIA_ERR_UNKNOWN_SIGNER) __builtin_trap(); /* every result has a reason */
  } else if (data[0] == 1 && size >= 33) {
    pythia_mpt_walk walk;
    pythia_mpt_begin(&walk, data + 1, data + 1);
    feed(&walk, data + 33, size - 33);
    (void)pythia_mpt_result(&walk);
  } else if (data[0] == 2 && size >= 41) {
    pythia_status_proof proof;
    uint8_t record[32];
    pythia_status status;
    pythia_status_proof_begin(&proof, data + 1, data + 1, data + 21);
    feed(&proof.walk, data + 41, size - 41);
    if (pythia_status_proof_finish(&proof, record, &status) == PYTHIA_OK) __builtin_trap(); /* no storage proof was given */
  }
  return 0;
}
