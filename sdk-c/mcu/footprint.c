/*
 * A device application that uses the whole SDK (identity, readings, registration, a question, an
 * answer check, the status guard, a firmware check), with inputs the compiler cannot see through:
 * `arm-none-eabi-size` of this image is the SDK's flash and static RAM on a Cortex-M4.
 */
#include <stdint.h>

#include "board.h"
#include "pythia.h"
#include "pythia_bundle.h"

static volatile uint8_t input[512];
static uint8_t buffer[512];
static char json[700];
/* The provisioning bundle, read once at boot: its trusted keys feed the answer policy. */
static pythia_bundle bundle;
static pythia_trusted_key bundle_keys[PYTHIA_BUNDLE_MAX_KEYS];

static int load_key(void *user, uint8_t out[32]) {
  int i;
  (void)user;
  for (i = 0; i < 32; i++) out[i] = input[i];
  return 0;
}

#ifdef PYTHIA_EXTERNAL_ECC
/* The application's ECC (a secure element, say): outside the SDK's footprint, so stand-ins here. */
int pythia_ecc_public_key(const pythia_platform *platform, uint8_t public_key[64]) {
  int i;
  (void)platform;
  for (i = 0; i < 64; i++) public_key[i] = input[i];
  return input[64];
}
int pythia_ecc_sign(const pythia_platform *platform, const uint8_t digest[32], uint8_t signature[64], int *recid) {
  int i;
  (void)platform;
  for (i = 0; i < 64; i++) signature[i] = (uint8_t)(input[i] ^ digest[i % 32]);
  *recid = input[65] & 1;
  return input[66];
}
int pythia_ecc_verify(const uint8_t public_key[64], const uint8_t digest[32], const uint8_t signature[64]) {
  return (public_key[0] ^ digest[0] ^ signature[0]) == input[67];
}
int pythia_ecc_recover(const uint8_t digest[32], const uint8_t signature[64], int recid, uint8_t public_key[64]) {
  int i;
  for (i = 0; i < 64; i++) public_key[i] = (uint8_t)(signature[i] ^ digest[i % 32] ^ recid);
  return input[68];
}
#endif

int main(void) {
  pythia_crypto crypto;
  pythia_platform platform = {0};
  pythia_device_key key;
  pythia_domain domain = {0};
  pythia_question question = {0};
  pythia_trusted_key trusted = {{0}, {0}};
  pythia_answer_policy policy = {0};
  pythia_answer answer;
  pythia_status_guard guard;
  pythia_firmware_check check;
  uint8_t separator[32], challenge[8] = {0};
  size_t length = 0;
  int r = 0;
  platform.load_private_key = load_key;
  r |= pythia_crypto_init(&crypto, 0);
  r |= pythia_device_key_load(&crypto, &platform, &key);
  pythia_domain_separator(&domain, separator);
  r |= pythia_reading_json(&crypto, &platform, &key, separator, input[1], input[2], (const uint8_t *)input, 12, json, sizeof json, &length);
  r |= pythia_registration_request_json(&crypto, &platform, &key, 1, 0, json, sizeof json, &length);
  question.question = input[3];
  r |= pythia_question_request(&crypto, &platform, &key, 20601, &question, challenge, sizeof challenge, 1, buffer, sizeof buffer, &length);
  policy.keys = &trusted;
  policy.key_count = 1;
  if (pythia_bundle_parse((const char *)input, input[7], &bundle, json) == PYTHIA_BUNDLE_OK) {
    policy.keys = bundle_keys;
    policy.key_count = pythia_bundle_trusted_keys(&bundle, bundle_keys, PYTHIA_BUNDLE_MAX_KEYS);
  }
  r |= pythia_verify_answer(&crypto, (const uint8_t *)input, input[4], challenge, sizeof challenge, &question, &policy, &answer);
  pythia_status_guard_init(&guard);
  pythia_status_guard_apply(&guard, &answer);
  r |= pythia_status_guard_check(&guard);
  r |= pythia_firmware_check_begin(&check, &crypto, (const uint8_t *)input, input[5], challenge, sizeof challenge, &policy, key.id, 1, 1, 1, 2);
  r |= pythia_firmware_check_update(&check, (const uint8_t *)input, input[6]);
  r |= pythia_firmware_check_finish(&check);
  {
    /* Chain proofs: a header, then one proof node at a time. */
    pythia_clique_trust trust;
    pythia_header_freshness freshness = {0};
    pythia_clique_header header;
    pythia_status_proof proof;
    pythia_status status;
    uint8_t record[32];
    trust.validators = (const uint8_t(*)[20])input;
    trust.validator_count = input[7];
    trust.checkpoint = 0;
    trust.epoch = 30000;
    uint8_t next[4][20];
    size_t next_count = 0;
    uint64_t next_checkpoint = 0;
    pythia_clique_vouching vouching;
    pythia_clique_trust pending = trust;
    r |= pythia_clique_checkpoint_follow((const uint8_t *)input, input[11], &trust, next, 4, &next_count, &next_checkpoint, &vouching);
    /* A checkpoint sealed by a validator voted in: the headers after it, one at a time. */
    pending.validators = (const uint8_t(*)[20])next;
    pending.validator_count = next_count;
    pending.checkpoint = next_checkpoint;
    r |= pythia_clique_checkpoint_voucher(&vouching, (const uint8_t *)input, input[12], &trust, &pending);
#ifndef PYTHIA_EXTERNAL_ECC
    /* The trust reached, stored and read back (pythia_clique_trust_encode/decode): 0.9 KB, over what is
       left of the 32 KB without the ECC library, so counted in the image with it only (docs/sdk-c.md). */
    {
      pythia_clique_trust stored;
      uint8_t kept[PYTHIA_CLIQUE_TRUST_BYTES(4)];
      size_t kept_length;
      r |= pythia_clique_trust_encode(&pending, input[13], &trust, kept, sizeof kept, &kept_length);
      r |= pythia_clique_trust_decode((const uint8_t *)input, input[14], input[13], &trust, next, 4, &stored);
    }
#endif
    r |= pythia_clique_header_verify((const uint8_t *)input, input[8], &trust, &freshness, &header);
    r |= pythia_status_proof_begin(&proof, header.state_root, key.id, key.id);
    r |= pythia_status_proof_account_node(&proof, (const uint8_t *)input, input[9]);
    r |= pythia_status_proof_storage_node(&proof, (const uint8_t *)input, input[10]);
    r |= pythia_status_proof_finish(&proof, record, &status);
  }
  board_print(pythia_reason((pythia_result)r));
  return 0;
}
