/*
 * libFuzzer target: any bytes as a Clique header (byte 0 = 0), as Merkle-Patricia proof nodes
 * (byte 0 = 1: a 32-byte key, then nodes with 2-byte big-endian lengths), as an account proof
 * whose leaf the status proof reads (byte 0 = 2), as a gateway's JSON answer read and walked node by
 * node (byte 0 = 3), or as a checkpoint then headers that would vouch for it (byte 0 = 4, then a count
 * n ≤ 4 and n 20-byte validators trusted from block 16, epoch 8; then each header with a 2-byte length). The walk is told each node's own hash as the
 * expected one, so the fuzzer reaches the node parser at every depth, not only the first node.
 * The SDK must refuse with a reason and never read out of bounds (ASan) or hit UB (UBSan).
 */
#include <stdint.h>
#include <string.h>

#include "pythia.h"
#include "pythia_bundle.h"

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
  } else if (data[0] == 3 && size >= 2) {
    /* The reader takes a text that need not end in NUL: give it exactly the bytes, so ASan sees any read past them. */
    pythia_proof_body body;
    uint8_t out[PYTHIA_MAX_HEADER_BYTES];
    size_t length, cursor;
    if (pythia_proof_body_read((const char *)data + 2, size - 2, data[1] & 1, &body) == PYTHIA_OK) {
      (void)pythia_proof_body_header(&body, out, sizeof out, &length);
      cursor = body.account_proof;
      while (pythia_proof_body_node(&body, &cursor, out, PYTHIA_MAX_PROOF_NODE_BYTES, &length) == 1) {
      }
      cursor = body.storage_proof;
      while (pythia_proof_body_node(&body, &cursor, out, PYTHIA_MAX_PROOF_NODE_BYTES, &length) == 1) {
      }
      if (data[1] & 1) {
        /* The claims beside the nodes: the address, the key and the value read as numbers. */
        static const uint8_t zero[32];
        (void)pythia_proof_body_claims(&body, zero, zero);
        (void)pythia_proof_body_value(&body, zero);
      }
    }
  } else if (data[0] == 4 && size >= 2 && data[1] >= 1 && data[1] <= 4 && size >= 2 + 20 * (size_t)data[1]) {
    pythia_clique_trust trust = {(const uint8_t(*)[20])(data + 2), data[1], 16, 8}, pending;
    uint8_t next[16][20];
    size_t at = 2 + 20 * (size_t)data[1], count = 0;
    uint64_t checkpoint = 0;
    pythia_clique_vouching vouching;
    pythia_result r = PYTHIA_ERR_ARGUMENT;
    while (at + 2 <= size) {
      size_t length = ((size_t)data[at] << 8) | data[at + 1];
      at += 2;
      if (length > size - at) length = size - at;
      if (r == PYTHIA_ERR_ARGUMENT) {
        r = pythia_clique_checkpoint_follow(data + at, length, &trust, next, 16, &count, &checkpoint, &vouching);
        if (r != PYTHIA_ERR_UNVOUCHED_CHECKPOINT) return 0;
        pending = trust;
        pending.validators = (const uint8_t(*)[20])next;
        pending.validator_count = count;
        pending.checkpoint = checkpoint;
      } else if (pythia_clique_checkpoint_voucher(&vouching, data + at, length, &trust, &pending) != PYTHIA_OK) {
        return 0;
      }
      at += length;
    }
  }
  return 0;
}
