/*
 * The Clique trust a device reached, stored between runs (docs/sdk-c.md, "The stored trust"): a small
 * fixed binary record, bound to its chain and to the genesis set it grew from, with a keccak256
 * checksum so that a torn write or a flipped bit is refused rather than trusted. The storage itself
 * (flash page, file written atomically) is the application's.
 */
#include <string.h>

#include "internal.h"
#include "pythia.h"

static const uint8_t magic[4] = {'P', 'Y', 'C', 'T'};

static void put64(uint8_t *out, uint64_t v) {
  int i;
  for (i = 7; i >= 0; i--, v >>= 8) out[i] = (uint8_t)v;
}
static uint64_t get64(const uint8_t *in) {
  uint64_t v = 0;
  int i;
  for (i = 0; i < 8; i++) v = (v << 8) | in[i];
  return v;
}

/* keccak256(epoch ‖ the genesis validators in the bundle's order): which chain's genesis the trust grew from. */
static void genesis_binding(const pythia_clique_trust *genesis, uint8_t out[32]) {
  pythia_keccak k;
  uint8_t epoch[8];
  size_t i;
  put64(epoch, genesis->epoch);
  pythia_keccak256_init(&k);
  pythia_keccak256_update(&k, epoch, 8);
  for (i = 0; i < genesis->validator_count; i++) pythia_keccak256_update(&k, genesis->validators[i], 20);
  pythia_keccak256_final(&k, out);
}

static int has_duplicate(const uint8_t (*validators)[20], size_t count) {
  size_t i, j;
  for (i = 0; i < count; i++)
    for (j = i + 1; j < count; j++)
      if (memcmp(validators[i], validators[j], 20) == 0) return 1;
  return 0;
}

pythia_result pythia_clique_trust_encode(const pythia_clique_trust *trust, uint64_t chain_id, const pythia_clique_trust *genesis, uint8_t *out,
                                         size_t capacity, size_t *length) {
  size_t n, size;
  if (trust == NULL || genesis == NULL || out == NULL || length == NULL || trust->validators == NULL) return PYTHIA_ERR_ARGUMENT;
  n = trust->validator_count;
  if (n == 0 || n > PYTHIA_CLIQUE_TRUST_MAX_VALIDATORS || trust->epoch == 0 || trust->epoch != genesis->epoch ||
      trust->checkpoint % trust->epoch != 0 || has_duplicate(trust->validators, n))
    return PYTHIA_ERR_ARGUMENT;
  size = PYTHIA_CLIQUE_TRUST_BYTES(n);
  if (capacity < size) return PYTHIA_ERR_BUFFER;
  memcpy(out, magic, 4);
  out[4] = PYTHIA_CLIQUE_TRUST_VERSION;
  out[5] = (uint8_t)n;
  out[6] = 0;
  out[7] = 0;
  put64(out + 8, chain_id);
  put64(out + 16, trust->epoch);
  put64(out + 24, trust->checkpoint);
  genesis_binding(genesis, out + 32);
  memcpy(out + 64, trust->validators, 20 * n);
  pythia_keccak256(out, size - 32, out + size - 32);
  *length = size;
  return PYTHIA_OK;
}

pythia_result pythia_clique_trust_decode(const uint8_t *in, size_t length, uint64_t chain_id, const pythia_clique_trust *genesis,
                                         uint8_t (*validators)[20], size_t capacity, pythia_clique_trust *out) {
  uint8_t digest[32];
  size_t n;
  uint64_t epoch, checkpoint;
  if (in == NULL || genesis == NULL || validators == NULL || out == NULL) return PYTHIA_ERR_ARGUMENT;
  if (length < 8) return PYTHIA_ERR_TRUST_TRUNCATED;
  if (memcmp(in, magic, 4) != 0 || in[4] != PYTHIA_CLIQUE_TRUST_VERSION || in[6] != 0 || in[7] != 0) return PYTHIA_ERR_TRUST_UNKNOWN_FORMAT;
  n = in[5];
  if (n == 0 || n > PYTHIA_CLIQUE_TRUST_MAX_VALIDATORS) return PYTHIA_ERR_TRUST_INVALID;
  if (length != PYTHIA_CLIQUE_TRUST_BYTES(n)) return PYTHIA_ERR_TRUST_TRUNCATED;
  pythia_keccak256(in, length - 32, digest);
  if (memcmp(digest, in + length - 32, 32) != 0) return PYTHIA_ERR_TRUST_CORRUPTED;
  epoch = get64(in + 16);
  checkpoint = get64(in + 24);
  genesis_binding(genesis, digest);
  if (get64(in + 8) != chain_id || epoch != genesis->epoch || memcmp(digest, in + 32, 32) != 0) return PYTHIA_ERR_TRUST_FOREIGN;
  if (epoch == 0 || checkpoint % epoch != 0 || checkpoint < genesis->checkpoint || has_duplicate((const uint8_t(*)[20])(in + 64), n))
    return PYTHIA_ERR_TRUST_INVALID;
  if (n > capacity) return PYTHIA_ERR_BUFFER;
  memcpy(validators, in + 64, 20 * n);
  out->validators = (const uint8_t(*)[20])validators;
  out->validator_count = n;
  out->checkpoint = checkpoint;
  out->epoch = epoch;
  return PYTHIA_OK;
}
