/*
 * The SDK's only door to cryptography: libsecp256k1 (compiled here as one translation unit, as its
 * own build does, so its SHA-256 serves the SDK too) and XKCP's Keccak. Nothing here is home-made.
 * Built with PYTHIA_EXTERNAL_ECC, only libsecp256k1's SHA-256 is compiled and the application
 * supplies secp256k1 itself (pythia_ecc_* in pythia.h).
 */
#ifndef PYTHIA_EXTERNAL_ECC
#include "../third_party/secp256k1/src/secp256k1.c"
#include "../third_party/secp256k1/include/secp256k1_recovery.h"
#else
#define SECP256K1_BUILD
#include "../third_party/secp256k1/include/secp256k1.h"
#include "../third_party/secp256k1/src/util.h"
#include "../third_party/secp256k1/src/hash_impl.h"
#endif
#include "KeccakSpongeWidth1600.h"

#include <string.h>

#include "pythia.h"
#include "internal.h"

void pythia_keccak256(const uint8_t *data, size_t length, uint8_t out[32]) {
  static const uint8_t nothing[1] = {0};
  if (data == NULL) data = nothing; /* an empty payload may come as NULL: never hand NULL to memcpy */
  /* Keccak-256 as Ethereum uses it: rate 1088, capacity 512, the original padding (suffix 0x01). */
  KeccakWidth1600_Sponge(1088, 512, data, length, 0x01, out, 32);
}

void pythia_keccak256_init(pythia_keccak *state) { KeccakWidth1600_SpongeInitialize(&state->sponge, 1088, 512); }
void pythia_keccak256_update(pythia_keccak *state, const uint8_t *data, size_t length) {
  KeccakWidth1600_SpongeAbsorb(&state->sponge, data, length);
}
void pythia_keccak256_final(pythia_keccak *state, uint8_t out[32]) {
  KeccakWidth1600_SpongeAbsorbLastFewBits(&state->sponge, 0x01);
  KeccakWidth1600_SpongeSqueeze(&state->sponge, out, 32);
}

typedef char pythia_sha256_state_matches[sizeof(pythia_sha256_state) == sizeof(secp256k1_sha256) ? 1 : -1];

void pythia_sha256_init(pythia_sha256_state *state) {
  secp256k1_sha256 hash;
  secp256k1_sha256_initialize(&hash);
  memcpy(state, &hash, sizeof hash);
}
void pythia_sha256_update(pythia_sha256_state *state, const uint8_t *data, size_t length) {
  secp256k1_sha256 hash;
  memcpy(&hash, state, sizeof hash);
  secp256k1_sha256_write(&hash, data, length);
  memcpy(state, &hash, sizeof hash);
}
void pythia_sha256_final(pythia_sha256_state *state, uint8_t out[32]) {
  secp256k1_sha256 hash;
  memcpy(&hash, state, sizeof hash);
  secp256k1_sha256_finalize(&hash, out);
  memset(state, 0, sizeof *state);
}
void pythia_sha256(const uint8_t *data, size_t length, uint8_t out[32]) {
  secp256k1_sha256 hash;
  secp256k1_sha256_initialize(&hash);
  secp256k1_sha256_write(&hash, data, length);
  secp256k1_sha256_finalize(&hash, out);
}

static SECP256K1_INLINE void wipe(void *p, size_t n) {
  volatile unsigned char *v = (volatile unsigned char *)p;
  while (n--) *v++ = 0;
}

#ifndef PYTHIA_EXTERNAL_ECC

/*
 * libsecp256k1 calls these only on API misuse (the SDK checks every argument first) or a failed
 * self test. Its default prints with fprintf, which would pull stdio (and malloc) into firmware.
 */
void secp256k1_default_illegal_callback_fn(const char *message, void *data) {
  (void)message;
  (void)data;
  __builtin_trap();
}
void secp256k1_default_error_callback_fn(const char *message, void *data) {
  (void)message;
  (void)data;
  __builtin_trap();
}

pythia_result pythia_crypto_init(pythia_crypto *crypto, const uint8_t seed32[32]) {
  secp256k1_context *ctx;
  if (crypto == NULL) return PYTHIA_ERR_ARGUMENT;
  memset(crypto, 0, sizeof *crypto);
  if (secp256k1_context_preallocated_size(SECP256K1_CONTEXT_NONE) > sizeof crypto->secp256k1.bytes) return PYTHIA_ERR_BUFFER;
  ctx = secp256k1_context_preallocated_create(crypto->secp256k1.bytes, SECP256K1_CONTEXT_NONE);
  if (ctx == NULL) return PYTHIA_ERR_ARGUMENT;
  if (seed32 != NULL && !secp256k1_context_randomize(ctx, seed32)) return PYTHIA_ERR_ARGUMENT;
  crypto->context = ctx;
  return PYTHIA_OK;
}

pythia_result pythia_public_key_of(const pythia_crypto *crypto, const uint8_t secret[32], uint8_t public_key[64]) {
  secp256k1_pubkey pubkey;
  unsigned char serialized[65];
  size_t length = sizeof serialized;
  if (!secp256k1_ec_pubkey_create((const secp256k1_context *)crypto->context, &pubkey, secret)) return PYTHIA_ERR_KEY;
  secp256k1_ec_pubkey_serialize(secp256k1_context_static, serialized, &length, &pubkey, SECP256K1_EC_UNCOMPRESSED);
  memcpy(public_key, serialized + 1, 64);
  return PYTHIA_OK;
}

pythia_result pythia_sign_recoverable(const pythia_crypto *crypto, const pythia_platform *platform, const uint8_t digest[32],
                                      uint8_t signature[64], int *recid) {
  uint8_t secret[32];
  secp256k1_ecdsa_recoverable_signature sig;
  int ok;
  if (crypto == NULL || crypto->context == NULL || platform == NULL || platform->load_private_key == NULL) return PYTHIA_ERR_ARGUMENT;
  if (platform->load_private_key(platform->user, secret) != 0) {
    wipe(secret, sizeof secret);
    return PYTHIA_ERR_KEY;
  }
  /* RFC 6979 nonces (the default nonce function); libsecp256k1 always produces low s. */
  ok = secp256k1_ecdsa_sign_recoverable((const secp256k1_context *)crypto->context, &sig, digest, secret, NULL, NULL);
  wipe(secret, sizeof secret);
  if (!ok) return PYTHIA_ERR_KEY;
  secp256k1_ecdsa_recoverable_signature_serialize_compact(secp256k1_context_static, signature, recid, &sig);
  return PYTHIA_OK;
}

pythia_result pythia_load_public_key(const pythia_crypto *crypto, const pythia_platform *platform, uint8_t public_key[64]) {
  uint8_t secret[32];
  pythia_result result;
  if (crypto == NULL || crypto->context == NULL || platform == NULL || platform->load_private_key == NULL) return PYTHIA_ERR_ARGUMENT;
  if (platform->load_private_key(platform->user, secret) != 0) {
    wipe(secret, sizeof secret);
    return PYTHIA_ERR_KEY;
  }
  result = pythia_public_key_of(crypto, secret, public_key);
  wipe(secret, sizeof secret);
  return result;
}

int pythia_verify_es256k(const uint8_t public_key[64], const uint8_t digest[32], const uint8_t signature[64]) {
  secp256k1_pubkey pubkey;
  secp256k1_ecdsa_signature sig;
  unsigned char serialized[65];
  serialized[0] = 0x04;
  memcpy(serialized + 1, public_key, 64);
  if (!secp256k1_ec_pubkey_parse(secp256k1_context_static, &pubkey, serialized, sizeof serialized)) return 0;
  if (!secp256k1_ecdsa_signature_parse_compact(secp256k1_context_static, &sig, signature)) return 0;
  /* secp256k1_ecdsa_verify refuses high s itself; the caller has refused it (and r, s out of range) already. */
  return secp256k1_ecdsa_verify(secp256k1_context_static, &sig, digest, &pubkey);
}

int pythia_recover(const uint8_t digest[32], const uint8_t signature[64], int recid, uint8_t public_key[64]) {
  secp256k1_ecdsa_recoverable_signature sig;
  secp256k1_pubkey pubkey;
  unsigned char serialized[65];
  size_t length = sizeof serialized;
  if (!secp256k1_ecdsa_recoverable_signature_parse_compact(secp256k1_context_static, &sig, signature, recid)) return 0;
  if (!secp256k1_ecdsa_recover(secp256k1_context_static, &pubkey, &sig, digest)) return 0;
  secp256k1_ec_pubkey_serialize(secp256k1_context_static, serialized, &length, &pubkey, SECP256K1_EC_UNCOMPRESSED);
  memcpy(public_key, serialized + 1, 64);
  return 1;
}

#else /* PYTHIA_EXTERNAL_ECC */

int pythia_recover(const uint8_t digest[32], const uint8_t signature[64], int recid, uint8_t public_key[64]) {
  return pythia_ecc_recover(digest, signature, recid, public_key) == 1;
}


pythia_result pythia_crypto_init(pythia_crypto *crypto, const uint8_t seed32[32]) {
  (void)seed32;
  if (crypto == NULL) return PYTHIA_ERR_ARGUMENT;
  memset(crypto, 0, sizeof *crypto);
  crypto->context = crypto; /* no context: the application's ECC holds its own state */
  return PYTHIA_OK;
}

pythia_result pythia_sign_recoverable(const pythia_crypto *crypto, const pythia_platform *platform, const uint8_t digest[32],
                                      uint8_t signature[64], int *recid) {
  if (crypto == NULL || crypto->context == NULL || platform == NULL) return PYTHIA_ERR_ARGUMENT;
  return pythia_ecc_sign(platform, digest, signature, recid) == 0 ? PYTHIA_OK : PYTHIA_ERR_KEY;
}

pythia_result pythia_load_public_key(const pythia_crypto *crypto, const pythia_platform *platform, uint8_t public_key[64]) {
  if (crypto == NULL || crypto->context == NULL || platform == NULL) return PYTHIA_ERR_ARGUMENT;
  return pythia_ecc_public_key(platform, public_key) == 0 ? PYTHIA_OK : PYTHIA_ERR_KEY;
}

int pythia_verify_es256k(const uint8_t public_key[64], const uint8_t digest[32], const uint8_t signature[64]) {
  return pythia_ecc_verify(public_key, digest, signature) == 1;
}

#endif
