/*
 * libFuzzer target: any bytes as a Pythia answer (and as the payload of a validly signed one, so
 * the fuzzer reaches the payload parser behind the signature). The SDK must refuse with a reason
 * and never read out of bounds (ASan) or hit undefined behaviour (UBSan).
 */
#include <stdint.h>
#include <string.h>

#include "pythia.h"
#include "internal.h"
#include "vectors.h"

static uint8_t pythia_secret[32];
static int load_pythia_key(void *user, uint8_t out[32]) {
  (void)user;
  memcpy(out, pythia_secret, 32);
  return 0;
}
static unsigned nibble(char c) { return c <= '9' ? (unsigned)(c - '0') : (unsigned)((c | 0x20) - 'a' + 10); }
static void unhex(const char *hex, uint8_t *out, size_t n) {
  size_t i;
  for (i = 0; i < n; i++) out[i] = (uint8_t)((nibble(hex[2 + 2 * i]) << 4) | nibble(hex[3 + 2 * i]));
}

/* Wraps `payload` in a COSE_Sign1 the vectors' Pythia key signs, as an honest Pythia would. */
static size_t sign_payload(const pythia_crypto *crypto, const uint8_t *payload, size_t length, uint8_t *out) {
  static const uint8_t head[] = {0xd2, 0x84, 0x44, 0xa1, 0x01, 0x38, 0x2e, 0xa1, 0x04, 0x54};
  pythia_platform platform;
  pythia_cbor_writer w;
  uint8_t digest[32], bstr_head[9];
  int recid;
  size_t at;
  memset(&platform, 0, sizeof platform);
  platform.load_private_key = load_pythia_key;
  w.out = bstr_head;
  w.capacity = sizeof bstr_head;
  w.length = 0;
  w.overflow = 0;
  pythia_cbor_head(&w, 2, length);
  pythia_es256k_digest(payload, length, digest);
  memcpy(out, head, sizeof head);
  unhex(vector_pythia_address, out + sizeof head, 20);
  at = sizeof head + 20;
  memcpy(out + at, bstr_head, w.length);
  at += w.length;
  memcpy(out + at, payload, length);
  at += length;
  out[at++] = 0x58;
  out[at++] = 64;
  if (pythia_sign_recoverable(crypto, &platform, digest, out + at, &recid) != PYTHIA_OK) __builtin_trap();
  return at + 64;
}

static const uint8_t challenge[8] = {1, 2, 3, 4, 5, 6, 7, 8};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static pythia_crypto crypto;
  static int ready;
  pythia_trusted_key trusted;
  pythia_answer_policy policy;
  pythia_question asked;
  pythia_answer answer;
  pythia_firmware_check check;
  pythia_result result;
  if (!ready) {
    if (pythia_crypto_init(&crypto, NULL) != PYTHIA_OK) __builtin_trap();
    /* The vectors' public test key of the Pythia (docs/protocol.md, answer test vector). */
    unhex("0x2f57cb779fce6b259dec43057ddf96058ffef68d938414ed15b709e4dcc1b538", pythia_secret, 32);
    ready = 1;
  }
  unhex(vector_pythia_address, trusted.address, 20);
  unhex(vector_pythia_public_key, trusted.public_key, 64);
  memset(&policy, 0, sizeof policy);
  policy.keys = &trusted;
  policy.key_count = 1;
  policy.chain_id = 20601;
  memset(&asked, 0, sizeof asked);
  asked.question = size > 0 && (data[0] & 1) ? PYTHIA_QUESTION_FIRMWARE_APPROVED : PYTHIA_QUESTION_DEVICE_STATUS;
  asked.sequence = 5;
  /* Inputs starting with 0xff are payloads, signed here so the fuzzer gets past the signature. */
  if (size > 0 && data[0] == 0xff && size <= 300) {
    static uint8_t signed_answer[400];
    size_t length = sign_payload(&crypto, data + 1, size - 1, signed_answer);
    result = pythia_verify_answer(&crypto, signed_answer, length, challenge, sizeof challenge, &asked, &policy, &answer);
    if (result == PYTHIA_OK && (answer.chain_id != 20601 || answer.question != asked.question)) __builtin_trap();
    return 0;
  }
  result = pythia_verify_answer(&crypto, data, size, challenge, sizeof challenge, &asked, &policy, &answer);
  (void)pythia_firmware_check_begin(&check, &crypto, data, size, challenge, sizeof challenge, &policy, asked.device, 1, 4, 1, 5);
  /* The CBOR checker on its own, with the bytes as an answer payload would be. */
  (void)pythia_cbor_check(data, size);
  return 0;
}
