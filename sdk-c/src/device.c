/* The device's identity, its signed readings and its registration request (docs/protocol.md). */
#include <string.h>

#include "internal.h"

static const char hex_digits[] = "0123456789abcdef";

void pythia_device_id(const uint8_t public_key[64], uint8_t id[20]) {
  uint8_t hash[32];
  pythia_keccak256(public_key, 64, hash);
  memcpy(id, hash + 12, 20);
}

pythia_result pythia_device_key_load(const pythia_crypto *crypto, const pythia_platform *platform, pythia_device_key *key) {
  pythia_result result;
  if (key == NULL) return PYTHIA_ERR_ARGUMENT;
  result = pythia_load_public_key(crypto, platform, key->public_key);
  if (result != PYTHIA_OK) return result;
  pythia_device_id(key->public_key, key->id);
  return PYTHIA_OK;
}

void pythia_address_checksum(const uint8_t address[20], char out[43]) {
  char lower[40];
  uint8_t hash[32];
  int i;
  for (i = 0; i < 20; i++) {
    lower[2 * i] = hex_digits[address[i] >> 4];
    lower[2 * i + 1] = hex_digits[address[i] & 15];
  }
  pythia_keccak256((const uint8_t *)lower, sizeof lower, hash);
  out[0] = '0';
  out[1] = 'x';
  for (i = 0; i < 40; i++) {
    unsigned nibble = (i % 2 == 0) ? (unsigned)(hash[i / 2] >> 4) : (unsigned)(hash[i / 2] & 15);
    char c = lower[i];
    out[2 + i] = (c >= 'a' && nibble >= 8) ? (char)(c - 'a' + 'A') : c;
  }
  out[42] = '\0';
}

static void keccak_text(const char *text, uint8_t out[32]) { pythia_keccak256((const uint8_t *)text, strlen(text), out); }

static void uint256_word(uint64_t value, uint8_t word[32]) {
  int i;
  memset(word, 0, 32);
  for (i = 0; i < 8; i++) word[31 - i] = (uint8_t)(value >> (8 * i));
}

void pythia_domain_separator(const pythia_domain *domain, uint8_t out[32]) {
  pythia_keccak k;
  uint8_t word[32];
  pythia_keccak256_init(&k);
  keccak_text("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)", word);
  pythia_keccak256_update(&k, word, 32);
  keccak_text("Pythia", word);
  pythia_keccak256_update(&k, word, 32);
  keccak_text("1", word);
  pythia_keccak256_update(&k, word, 32);
  uint256_word(domain->chain_id, word);
  pythia_keccak256_update(&k, word, 32);
  memset(word, 0, 12);
  memcpy(word + 12, domain->verifying_contract, 20);
  pythia_keccak256_update(&k, word, 32);
  pythia_keccak256_final(&k, out);
}

void pythia_reading_digest(const uint8_t domain_separator[32], const uint8_t device[20], uint64_t sequence, uint64_t timestamp,
                           const uint8_t *payload, size_t payload_length, uint8_t out[32]) {
  pythia_keccak k;
  uint8_t word[32], struct_hash[32];
  uint8_t prefix[2] = {0x19, 0x01};
  pythia_keccak256_init(&k);
  keccak_text("Reading(address device,uint64 sequence,uint64 timestamp,bytes payload)", word);
  pythia_keccak256_update(&k, word, 32);
  memset(word, 0, 12);
  memcpy(word + 12, device, 20);
  pythia_keccak256_update(&k, word, 32);
  uint256_word(sequence, word);
  pythia_keccak256_update(&k, word, 32);
  uint256_word(timestamp, word);
  pythia_keccak256_update(&k, word, 32);
  pythia_keccak256(payload, payload_length, word);
  pythia_keccak256_update(&k, word, 32);
  pythia_keccak256_final(&k, struct_hash);

  pythia_keccak256_init(&k);
  pythia_keccak256_update(&k, prefix, 2);
  pythia_keccak256_update(&k, domain_separator, 32);
  pythia_keccak256_update(&k, struct_hash, 32);
  pythia_keccak256_final(&k, out);
}

pythia_result pythia_sign_digest(const pythia_crypto *crypto, const pythia_platform *platform, const uint8_t digest[32],
                                 uint8_t signature[65]) {
  int recid = 0;
  pythia_result result = pythia_sign_recoverable(crypto, platform, digest, signature, &recid);
  if (result != PYTHIA_OK) return result;
  signature[64] = (uint8_t)(27 + recid); /* the protocol's one encoding: v 27 or 28 */
  return PYTHIA_OK;
}

pythia_result pythia_encode_metrics(const int16_t *metrics, size_t count, uint8_t *out, size_t capacity, size_t *length) {
  size_t i;
  if (count > capacity / 2) return PYTHIA_ERR_BUFFER;
  for (i = 0; i < count; i++) {
    uint16_t v = (uint16_t)metrics[i];
    out[2 * i] = (uint8_t)(v >> 8);
    out[2 * i + 1] = (uint8_t)(v & 0xff);
  }
  *length = 2 * count;
  return PYTHIA_OK;
}

/* ---- a bounded text writer */

typedef struct {
  char *out;
  size_t capacity;
  size_t length;
  int overflow;
} text_writer;

static void put(text_writer *w, const char *s, size_t n) {
  if (w->overflow || w->capacity == 0 || n > w->capacity - 1 - w->length) {
    w->overflow = 1;
    return;
  }
  memcpy(w->out + w->length, s, n);
  w->length += n;
  w->out[w->length] = '\0';
}
static void put_text(text_writer *w, const char *s) { put(w, s, strlen(s)); }
static void put_hex(text_writer *w, const uint8_t *bytes, size_t n) {
  char pair[2];
  size_t i;
  put(w, "0x", 2);
  for (i = 0; i < n; i++) {
    pair[0] = hex_digits[bytes[i] >> 4];
    pair[1] = hex_digits[bytes[i] & 15];
    put(w, pair, 2);
  }
}
static void put_decimal(text_writer *w, uint64_t value) {
  char digits[21];
  size_t n = 0;
  do {
    digits[sizeof digits - 1 - n++] = (char)('0' + value % 10);
    value /= 10;
  } while (value > 0);
  put(w, digits + sizeof digits - n, n);
}

static pythia_result finish(text_writer *w, size_t *length) {
  if (w->overflow) return PYTHIA_ERR_BUFFER;
  if (length != NULL) *length = w->length;
  return PYTHIA_OK;
}

#define PYTHIA_MAX_PAYLOAD 256
#define PYTHIA_MAX_SAFE_INTEGER 9007199254740991ull

pythia_result pythia_reading_json(const pythia_crypto *crypto, const pythia_platform *platform, const pythia_device_key *key,
                                  const uint8_t domain_separator[32], uint64_t sequence, uint64_t timestamp, const uint8_t *payload,
                                  size_t payload_length, char *out, size_t capacity, size_t *length) {
  uint8_t digest[32], signature[65];
  char id[43];
  text_writer w;
  pythia_result result;
  if (key == NULL || domain_separator == NULL || out == NULL || (payload == NULL && payload_length > 0)) return PYTHIA_ERR_ARGUMENT;
  if (payload_length > PYTHIA_MAX_PAYLOAD || timestamp > PYTHIA_MAX_SAFE_INTEGER) return PYTHIA_ERR_ARGUMENT;
  pythia_reading_digest(domain_separator, key->id, sequence, timestamp, payload, payload_length, digest);
  result = pythia_sign_digest(crypto, platform, digest, signature);
  if (result != PYTHIA_OK) return result;
  w.out = out;
  w.capacity = capacity;
  w.length = 0;
  w.overflow = 0;
  pythia_address_checksum(key->id, id);
  put_text(&w, "{\"device\":\"");
  put_text(&w, id);
  put_text(&w, "\",\"sequence\":\"");
  put_decimal(&w, sequence);
  put_text(&w, "\",\"timestamp\":");
  put_decimal(&w, timestamp);
  put_text(&w, ",\"payload\":\"");
  put_hex(&w, payload, payload_length);
  put_text(&w, "\",\"signature\":\"");
  put_hex(&w, signature, 65);
  put_text(&w, "\"}");
  return finish(&w, length);
}

pythia_result pythia_registration_request_json(const pythia_crypto *crypto, const pythia_platform *platform,
                                               const pythia_device_key *key, uint32_t class_id, const char *metadata_json, char *out,
                                               size_t capacity, size_t *length) {
  /* "Pythia device registration\ndevice: 0x…(42)\nclass: 65535" is at most 76 bytes. */
  char text[96], id[43];
  char prefix[40];
  text_writer t, p, w;
  uint8_t digest[32], signature[65];
  pythia_keccak k;
  pythia_result result;
  if (key == NULL || out == NULL || class_id > 0xffff) return PYTHIA_ERR_ARGUMENT;
  pythia_address_checksum(key->id, id);
  t.out = text;
  t.capacity = sizeof text;
  t.length = 0;
  t.overflow = 0;
  put_text(&t, "Pythia device registration\ndevice: ");
  put_text(&t, id);
  put_text(&t, "\nclass: ");
  put_decimal(&t, class_id);
  if (t.overflow) return PYTHIA_ERR_BUFFER;
  /* EIP-191 personal_sign: keccak256("\x19Ethereum Signed Message:\n" ‖ decimal length ‖ text). */
  p.out = prefix;
  p.capacity = sizeof prefix;
  p.length = 0;
  p.overflow = 0;
  put_text(&p, "\x19" "Ethereum Signed Message:\n");
  put_decimal(&p, t.length);
  pythia_keccak256_init(&k);
  pythia_keccak256_update(&k, (const uint8_t *)prefix, p.length);
  pythia_keccak256_update(&k, (const uint8_t *)text, t.length);
  pythia_keccak256_final(&k, digest);
  result = pythia_sign_digest(crypto, platform, digest, signature);
  if (result != PYTHIA_OK) return result;

  w.out = out;
  w.capacity = capacity;
  w.length = 0;
  w.overflow = 0;
  put_text(&w, "{\"deviceId\":\"");
  put_text(&w, id);
  put_text(&w, "\",\"publicKey\":\"");
  put_hex(&w, key->public_key, 64);
  put_text(&w, "\",\"classId\":");
  put_decimal(&w, class_id);
  if (metadata_json != NULL) {
    put_text(&w, ",\"metadata\":");
    put_text(&w, metadata_json);
  }
  put_text(&w, ",\"proof\":\"");
  put_hex(&w, signature, 65);
  put_text(&w, "\"}");
  return finish(&w, length);
}
