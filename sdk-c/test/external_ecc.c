/*
 * The application side of a PYTHIA_EXTERNAL_ECC build, for the host test: libsecp256k1 again, in
 * its own translation unit, as a secure element or an RTOS crypto service would stand in. The
 * vectors must pass through this door exactly as through the built-in one.
 */
#include "../third_party/secp256k1/src/secp256k1.c"
#include "../third_party/secp256k1/include/secp256k1_recovery.h"

#include <string.h>

#include "pythia.h"

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

/* A test harness may hold state: a signing context, built once. */
/* Aligned for the context's words (libsecp256k1 asks for suitably aligned memory): a bare byte array
   lands wherever the other statics leave it, and a Cortex-M4 faults on an unaligned doubleword access. */
static union {
  unsigned char bytes[512];
  uint64_t align_words;
  void *align_pointer;
} context_memory;
static secp256k1_context *signing_context(void) {
  static secp256k1_context *ctx;
  if (ctx == NULL) {
    if (secp256k1_context_preallocated_size(SECP256K1_CONTEXT_NONE) > sizeof context_memory.bytes) __builtin_trap();
    ctx = secp256k1_context_preallocated_create(context_memory.bytes, SECP256K1_CONTEXT_NONE);
  }
  return ctx;
}

/*
 * On the emulated board the ECC runs on a stack of its own (board_run_on_ecc_stack), so the painted
 * main stack measures the SDK without the ECC library, as a device with a secure element runs it.
 */
#ifdef BOARD_ECC_STACK
#include "board.h"
#define ON_ECC_STACK(call) board_run_on_ecc_stack(call, &job)
#else
#define ON_ECC_STACK(call) call(&job)
#endif

typedef struct {
  const pythia_platform *platform;
  const uint8_t *digest;
  const uint8_t *public_key;
  const uint8_t *signature_in;
  uint8_t *out;
  int *recid;
  int result;
} ecc_job;

static int public_key_impl(const pythia_platform *platform, uint8_t public_key[64]);
static int sign_impl(const pythia_platform *platform, const uint8_t digest[32], uint8_t signature[64], int *recid);
static int verify_impl(const uint8_t public_key[64], const uint8_t digest[32], const uint8_t signature[64]);
static void public_key_job(void *p) {
  ecc_job *j = (ecc_job *)p;
  j->result = public_key_impl(j->platform, j->out);
}
static void sign_job(void *p) {
  ecc_job *j = (ecc_job *)p;
  j->result = sign_impl(j->platform, j->digest, j->out, j->recid);
}
static void verify_job(void *p) {
  ecc_job *j = (ecc_job *)p;
  j->result = verify_impl(j->public_key, j->digest, j->signature_in);
}

int pythia_ecc_public_key(const pythia_platform *platform, uint8_t public_key[64]) {
  ecc_job job = {0};
  job.platform = platform;
  job.out = public_key;
  ON_ECC_STACK(public_key_job);
  return job.result;
}
int pythia_ecc_sign(const pythia_platform *platform, const uint8_t digest[32], uint8_t signature[64], int *recid) {
  ecc_job job = {0};
  job.platform = platform;
  job.digest = digest;
  job.out = signature;
  job.recid = recid;
  ON_ECC_STACK(sign_job);
  return job.result;
}
int pythia_ecc_verify(const uint8_t public_key[64], const uint8_t digest[32], const uint8_t signature[64]) {
  ecc_job job = {0};
  job.public_key = public_key;
  job.digest = digest;
  job.signature_in = signature;
  ON_ECC_STACK(verify_job);
  return job.result;
}

static int public_key_impl(const pythia_platform *platform, uint8_t public_key[64]) {
  uint8_t secret[32], out[65];
  size_t length = sizeof out;
  secp256k1_pubkey pubkey;
  int ok;
  if (platform->load_private_key(platform->user, secret) != 0) return -1;
  ok = secp256k1_ec_pubkey_create(signing_context(), &pubkey, secret);
  memset(secret, 0, sizeof secret);
  if (!ok) return -1;
  secp256k1_ec_pubkey_serialize(secp256k1_context_static, out, &length, &pubkey, SECP256K1_EC_UNCOMPRESSED);
  memcpy(public_key, out + 1, 64);
  return 0;
}

static int sign_impl(const pythia_platform *platform, const uint8_t digest[32], uint8_t signature[64], int *recid) {
  uint8_t secret[32];
  secp256k1_ecdsa_recoverable_signature sig;
  int ok;
  if (platform->load_private_key(platform->user, secret) != 0) return -1;
  ok = secp256k1_ecdsa_sign_recoverable(signing_context(), &sig, digest, secret, NULL, NULL);
  memset(secret, 0, sizeof secret);
  if (!ok) return -1;
  secp256k1_ecdsa_recoverable_signature_serialize_compact(secp256k1_context_static, signature, recid, &sig);
  return 0;
}

static int verify_impl(const uint8_t public_key[64], const uint8_t digest[32], const uint8_t signature[64]) {
  secp256k1_pubkey pubkey;
  secp256k1_ecdsa_signature sig;
  uint8_t serialized[65];
  serialized[0] = 0x04;
  memcpy(serialized + 1, public_key, 64);
  return secp256k1_ec_pubkey_parse(secp256k1_context_static, &pubkey, serialized, sizeof serialized) &&
         secp256k1_ecdsa_signature_parse_compact(secp256k1_context_static, &sig, signature) &&
         secp256k1_ecdsa_verify(secp256k1_context_static, &sig, digest, &pubkey);
}

/* Chain proofs' seal recovery, on the ECC stack like the others. */
static int recover_impl(const uint8_t digest[32], const uint8_t signature[64], int recid, uint8_t public_key[64]) {
  secp256k1_ecdsa_recoverable_signature sig;
  secp256k1_pubkey pubkey;
  uint8_t out[65];
  size_t length = sizeof out;
  if (!secp256k1_ecdsa_recoverable_signature_parse_compact(secp256k1_context_static, &sig, signature, recid) ||
      !secp256k1_ecdsa_recover(secp256k1_context_static, &pubkey, &sig, digest))
    return 0;
  secp256k1_ec_pubkey_serialize(secp256k1_context_static, out, &length, &pubkey, SECP256K1_EC_UNCOMPRESSED);
  memcpy(public_key, out + 1, 64);
  return 1;
}
static void recover_job(void *p) {
  ecc_job *j = (ecc_job *)p;
  j->result = recover_impl(j->digest, j->signature_in, *j->recid, j->out);
}
int pythia_ecc_recover(const uint8_t digest[32], const uint8_t signature[64], int recid, uint8_t public_key[64]) {
  ecc_job job = {0};
  job.digest = digest;
  job.signature_in = signature;
  job.recid = &recid;
  job.out = public_key;
  ON_ECC_STACK(recover_job);
  return job.result;
}
