/* Internal interfaces of the SDK (not part of the API). */
#ifndef PYTHIA_INTERNAL_H
#define PYTHIA_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "KeccakSpongeWidth1600.h"
#include "pythia.h"

typedef struct {
  KeccakWidth1600_SpongeInstance sponge;
} pythia_keccak;

void pythia_keccak256_init(pythia_keccak *state);
void pythia_keccak256_update(pythia_keccak *state, const uint8_t *data, size_t length);
void pythia_keccak256_final(pythia_keccak *state, uint8_t out[32]);

pythia_result pythia_public_key_of(const pythia_crypto *crypto, const uint8_t secret[32], uint8_t public_key[64]);
pythia_result pythia_load_public_key(const pythia_crypto *crypto, const pythia_platform *platform, uint8_t public_key[64]);
pythia_result pythia_sign_recoverable(const pythia_crypto *crypto, const pythia_platform *platform, const uint8_t digest[32],
                                      uint8_t signature[64], int *recid);
int pythia_verify_es256k(const uint8_t public_key[64], const uint8_t digest[32], const uint8_t signature[64]);
/** 1 if s (32 bytes, big-endian) is in the lower half of the group order and not zero. */
int pythia_low_s(const uint8_t s[32]);
/* SHA-256 of the COSE Sig_structure ["Signature1", protected {1: -47}, h'', payload]: what ES256K signs (RFC 9052 §4.4). */
void pythia_es256k_digest(const uint8_t *payload, size_t payload_length, uint8_t out[32]);
/** Public key (X ‖ Y) recovered from r ‖ s and recid over digest: 1, or 0 if none. */
int pythia_recover(const uint8_t digest[32], const uint8_t signature[64], int recid, uint8_t public_key[64]);

/* ---- CBOR (RFC 8949), the deterministic subset the answers use. */

/** A writer into a caller buffer; `overflow` is set once anything did not fit. */
typedef struct {
  uint8_t *out;
  size_t capacity;
  size_t length;
  int overflow;
} pythia_cbor_writer;

void pythia_cbor_head(pythia_cbor_writer *w, unsigned major, uint64_t argument);
void pythia_cbor_bytes(pythia_cbor_writer *w, const uint8_t *bytes, size_t length);
void pythia_cbor_raw(pythia_cbor_writer *w, const uint8_t *bytes, size_t length);

/** A reader over bytes; every function returns 0 when the item is not what it must be. */
typedef struct {
  const uint8_t *bytes;
  size_t length;
  size_t offset;
} pythia_cbor_reader;

/**
 * Checks that bytes hold exactly one well-formed item in core deterministic encoding (shortest
 * heads, definite lengths, map keys in order without repeats, valid UTF-8, depth ≤ 16, simple
 * values false, true and null only, no floats), as the TypeScript reader does.
 */
int pythia_cbor_check(const uint8_t *bytes, size_t length);
/** Reads a head (major type and argument) at the reader's offset. */
int pythia_cbor_read_head(pythia_cbor_reader *r, unsigned *major, uint64_t *argument);
/** Reads a byte string; *bytes points into the reader's bytes. */
int pythia_cbor_read_bytes(pythia_cbor_reader *r, const uint8_t **bytes, size_t *length);
int pythia_cbor_read_uint(pythia_cbor_reader *r, uint64_t *value);
/** Skips one (already checked) item. */
int pythia_cbor_skip(pythia_cbor_reader *r);

#endif
