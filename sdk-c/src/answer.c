/* Signed questions and answers (docs/protocol.md, "Signed answers"), the status guard and the firmware check. */
#include <string.h>

#include "internal.h"

#define MAX_SAFE_INTEGER 9007199254740991ull

const char *pythia_reason(pythia_result result) {
  switch (result) {
    case PYTHIA_OK: return "ok";
    case PYTHIA_ERR_ARGUMENT: return "invalid_argument";
    case PYTHIA_ERR_BUFFER: return "buffer_too_small";
    case PYTHIA_ERR_KEY: return "bad_key";
    case PYTHIA_ERR_PLATFORM: return "platform_error";
    case PYTHIA_ERR_BAD_COSE: return "bad_cose";
    case PYTHIA_ERR_WRONG_ALGORITHM: return "wrong_algorithm";
    case PYTHIA_ERR_UNTRUSTED_KEY: return "untrusted_key";
    case PYTHIA_ERR_BAD_SIGNATURE: return "bad_signature";
    case PYTHIA_ERR_CHALLENGE_MISMATCH: return "challenge_mismatch";
    case PYTHIA_ERR_QUESTION_MISMATCH: return "question_mismatch";
    case PYTHIA_ERR_WRONG_CHAIN: return "wrong_chain";
    case PYTHIA_ERR_STALE_ANSWER: return "stale_answer";
    case PYTHIA_ERR_WRONG_CLASS: return "wrong_class";
    case PYTHIA_ERR_ROLLBACK: return "rollback";
    case PYTHIA_ERR_WRONG_DEVICE: return "wrong_device";
    case PYTHIA_ERR_NOT_APPROVED: return "not_approved";
    case PYTHIA_ERR_TOO_LARGE: return "too_large";
    case PYTHIA_ERR_SIZE_MISMATCH: return "size_mismatch";
    case PYTHIA_ERR_DIGEST_MISMATCH: return "digest_mismatch";
    case PYTHIA_ERR_HALTED: return "device_halted";
    case PYTHIA_ERR_REFUSED: return "refused";
    case PYTHIA_ERR_BAD_HEADER: return "bad_header";
    case PYTHIA_ERR_BAD_SEAL: return "bad_seal";
    case PYTHIA_ERR_UNKNOWN_SIGNER: return "unknown_signer";
    case PYTHIA_ERR_WRONG_DIFFICULTY: return "wrong_difficulty";
    case PYTHIA_ERR_CHECKPOINT_NEEDED: return "checkpoint_needed";
    case PYTHIA_ERR_STALE_HEADER: return "stale_header";
    case PYTHIA_ERR_FUTURE_HEADER: return "future_header";
    case PYTHIA_ERR_BAD_ACCOUNT_PROOF: return "bad_account_proof";
    case PYTHIA_ERR_NO_CONTRACT: return "no_contract";
    case PYTHIA_ERR_BAD_STORAGE_PROOF: return "bad_storage_proof";
    case PYTHIA_ERR_NOT_A_CHECKPOINT: return "not_a_checkpoint";
    case PYTHIA_ERR_UNVOUCHED_CHECKPOINT: return "unvouched_checkpoint";
    case PYTHIA_ERR_MALFORMED_PROOF: return "malformed_proof";
    case PYTHIA_ERR_TRUST_TRUNCATED: return "trust_truncated";
    case PYTHIA_ERR_TRUST_UNKNOWN_FORMAT: return "trust_unknown_format";
    case PYTHIA_ERR_TRUST_CORRUPTED: return "trust_corrupted";
    case PYTHIA_ERR_TRUST_FOREIGN: return "trust_foreign";
    case PYTHIA_ERR_TRUST_INVALID: return "trust_invalid";
    case PYTHIA_ERR_WRONG_PROOF: return "wrong_proof";
  }
  return "unknown";
}

/* {1: -47}: alg ES256K, the exact protected header bytes of every Pythia COSE_Sign1. */
static const uint8_t es256k_protected[4] = {0xa1, 0x01, 0x38, 0x2e};
/* The secp256k1 group order n and n / 2. */
static const uint8_t group_order[32] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
                                        0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41};
static const uint8_t half_order[32] = {0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                       0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4, 0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0};

static int is_zero(const uint8_t *b, size_t n) {
  uint8_t acc = 0;
  size_t i;
  for (i = 0; i < n; i++) acc |= b[i];
  return acc == 0;
}

int pythia_low_s(const uint8_t s[32]) { return !is_zero(s, 32) && memcmp(s, half_order, 32) <= 0; }

/* The Sig_structure ["Signature1", protected, h'', payload] hashed with SHA-256 (RFC 9052 §4.4, RFC 8812). */
void pythia_es256k_digest(const uint8_t *payload, size_t payload_length, uint8_t out[32]) {
  static const uint8_t prefix[] = {0x84, 0x6a, 'S', 'i', 'g', 'n', 'a', 't', 'u', 'r', 'e', '1', 0x44, 0xa1, 0x01, 0x38, 0x2e, 0x40};
  uint8_t head[9];
  pythia_cbor_writer w;
  pythia_sha256_state sha;
  w.out = head;
  w.capacity = sizeof head;
  w.length = 0;
  w.overflow = 0;
  pythia_cbor_head(&w, 2, payload_length);
  pythia_sha256_init(&sha);
  pythia_sha256_update(&sha, prefix, sizeof prefix);
  pythia_sha256_update(&sha, head, w.length);
  pythia_sha256_update(&sha, payload, payload_length);
  pythia_sha256_final(&sha, out);
}

static int valid_question(const pythia_question *q) {
  if (q == NULL) return 0;
  if (q->question == PYTHIA_QUESTION_DEVICE_STATUS) return 1;
  if (q->question == PYTHIA_QUESTION_FIRMWARE_APPROVED) return q->sequence >= 1;
  return 0;
}

/* The question's parameters as the TypeScript encodeParams writes them. */
static void encode_params(pythia_cbor_writer *w, const pythia_question *q) {
  if (q->question == PYTHIA_QUESTION_DEVICE_STATUS) {
    pythia_cbor_bytes(w, q->device, 20);
  } else {
    pythia_cbor_head(w, 4, 3);
    pythia_cbor_bytes(w, q->device, 20);
    pythia_cbor_head(w, 0, q->class_id);
    pythia_cbor_head(w, 0, q->sequence);
  }
}

pythia_result pythia_question_request(const pythia_crypto *crypto, const pythia_platform *platform, const pythia_device_key *key,
                                      uint64_t chain_id, const pythia_question *question, const uint8_t *challenge,
                                      size_t challenge_length, uint64_t sequence, uint8_t *out, size_t capacity, size_t *length) {
  static const uint8_t head[] = {0xd2, 0x84, 0x44, 0xa1, 0x01, 0x38, 0x2e, 0xa1, 0x04, 0x54};
  /* The payload is written in place after the room its bstr head needs (2 bytes: payloads are under 256 bytes). */
  size_t payload_at = sizeof head + 20 + 2;
  pythia_cbor_writer w;
  uint8_t digest[32], signature[64];
  int recid;
  size_t payload_length;
  pythia_result result;
  if (key == NULL || out == NULL || !valid_question(question) || challenge == NULL || challenge_length < PYTHIA_MIN_CHALLENGE ||
      challenge_length > PYTHIA_MAX_CHALLENGE || chain_id > MAX_SAFE_INTEGER) {
    return PYTHIA_ERR_ARGUMENT;
  }
  if (capacity < payload_at) return PYTHIA_ERR_BUFFER;
  w.out = out + payload_at;
  w.capacity = capacity - payload_at;
  w.length = 0;
  w.overflow = 0;
  pythia_cbor_head(&w, 5, 6);
  pythia_cbor_head(&w, 0, 1);
  pythia_cbor_head(&w, 0, question->question);
  pythia_cbor_head(&w, 0, 2);
  encode_params(&w, question);
  pythia_cbor_head(&w, 0, 4);
  pythia_cbor_bytes(&w, challenge, challenge_length);
  pythia_cbor_head(&w, 0, 8);
  pythia_cbor_head(&w, 0, chain_id);
  pythia_cbor_head(&w, 0, 9);
  pythia_cbor_bytes(&w, key->id, 20);
  pythia_cbor_head(&w, 0, 10);
  pythia_cbor_head(&w, 0, sequence);
  if (w.overflow) return PYTHIA_ERR_BUFFER;
  payload_length = w.length;
  if (payload_length < 24 || payload_length > 255) return PYTHIA_ERR_ARGUMENT;

  pythia_es256k_digest(out + payload_at, payload_length, digest);
  result = pythia_sign_recoverable(crypto, platform, digest, signature, &recid);
  if (result != PYTHIA_OK) return result;

  if (capacity - payload_at - payload_length < 2 + 64) return PYTHIA_ERR_BUFFER;
  memcpy(out, head, sizeof head);
  memcpy(out + sizeof head, key->id, 20);
  out[sizeof head + 20] = 0x58; /* bstr, one-byte length */
  out[sizeof head + 21] = (uint8_t)payload_length;
  out[payload_at + payload_length] = 0x58;
  out[payload_at + payload_length + 1] = 64;
  memcpy(out + payload_at + payload_length + 2, signature, 64);
  *length = payload_at + payload_length + 2 + 64;
  return PYTHIA_OK;
}

/* ---- reading an answer */

static int peek_major(const pythia_cbor_reader *r, unsigned *major) {
  if (r->offset >= r->length) return 0;
  *major = r->bytes[r->offset] >> 5;
  return 1;
}

/* The protected header is not a1 01 38 2e: wrong_algorithm if it names another (or no) algorithm, else bad_cose. */
static pythia_result protected_header_refusal(const uint8_t *bytes, size_t length) {
  pythia_cbor_reader r;
  unsigned major;
  uint64_t entries, i;
  if (!pythia_cbor_check(bytes, length)) return PYTHIA_ERR_BAD_COSE;
  r.bytes = bytes;
  r.length = length;
  r.offset = 0;
  if (!pythia_cbor_read_head(&r, &major, &entries) || major != 5) return PYTHIA_ERR_BAD_COSE;
  for (i = 0; i < entries; i++) {
    unsigned key_major;
    uint64_t key;
    size_t at = r.offset;
    if (pythia_cbor_read_head(&r, &key_major, &key) && key_major == 0 && key == 1) {
      unsigned value_major;
      uint64_t value;
      if (pythia_cbor_read_head(&r, &value_major, &value) && value_major == 1 && value == 46) return PYTHIA_ERR_BAD_COSE;
      return PYTHIA_ERR_WRONG_ALGORITHM;
    }
    r.offset = at;
    if (!pythia_cbor_skip(&r) || !pythia_cbor_skip(&r)) return PYTHIA_ERR_BAD_COSE;
  }
  return PYTHIA_ERR_WRONG_ALGORITHM;
}

typedef struct {
  const uint8_t *kid;
  const uint8_t *payload;
  size_t payload_length;
  const uint8_t *signature;
} cose_sign1;

/* decodeCoseSign1: tag 18 over [bstr, {4: bstr .size 20}, bstr, bstr .size 64] with protected {1: -47}. */
static pythia_result decode_cose(const uint8_t *bytes, size_t length, cose_sign1 *out) {
  pythia_cbor_reader r;
  unsigned major;
  uint64_t argument;
  const uint8_t *protected_bytes, *signature;
  size_t protected_length, signature_length, unprotected_at;
  if (!pythia_cbor_check(bytes, length)) return PYTHIA_ERR_BAD_COSE;
  r.bytes = bytes;
  r.length = length;
  r.offset = 0;
  if (!pythia_cbor_read_head(&r, &major, &argument) || major != 6 || argument != 18) return PYTHIA_ERR_BAD_COSE;
  if (!pythia_cbor_read_head(&r, &major, &argument) || major != 4 || argument != 4) return PYTHIA_ERR_BAD_COSE;
  if (!peek_major(&r, &major) || major != 2 || !pythia_cbor_read_bytes(&r, &protected_bytes, &protected_length)) return PYTHIA_ERR_BAD_COSE;
  unprotected_at = r.offset;
  if (!pythia_cbor_skip(&r)) return PYTHIA_ERR_BAD_COSE;
  if (!peek_major(&r, &major) || major != 2 || !pythia_cbor_read_bytes(&r, &out->payload, &out->payload_length)) return PYTHIA_ERR_BAD_COSE;
  if (!peek_major(&r, &major) || major != 2 || !pythia_cbor_read_bytes(&r, &signature, &signature_length) || signature_length != 64) {
    return PYTHIA_ERR_BAD_COSE;
  }
  out->signature = signature;
  if (protected_length != sizeof es256k_protected || memcmp(protected_bytes, es256k_protected, sizeof es256k_protected) != 0) {
    return protected_header_refusal(protected_bytes, protected_length);
  }
  r.offset = unprotected_at;
  {
    const uint8_t *kid;
    size_t kid_length;
    uint64_t key;
    if (!pythia_cbor_read_head(&r, &major, &argument) || major != 5 || argument != 1) return PYTHIA_ERR_BAD_COSE;
    if (!pythia_cbor_read_head(&r, &major, &key) || major != 0 || key != 4) return PYTHIA_ERR_BAD_COSE;
    if (!peek_major(&r, &major) || major != 2 || !pythia_cbor_read_bytes(&r, &kid, &kid_length) || kid_length != 20) return PYTHIA_ERR_BAD_COSE;
    out->kid = kid;
  }
  return PYTHIA_OK;
}

static int read_uint_max(pythia_cbor_reader *r, uint64_t max, uint64_t *value) {
  return pythia_cbor_read_uint(r, value) && *value <= max;
}

static int read_bool(pythia_cbor_reader *r, int *value) {
  unsigned major;
  uint64_t argument;
  if (!pythia_cbor_read_head(r, &major, &argument) || major != 7 || (argument != 20 && argument != 21)) return 0;
  *value = argument == 21;
  return 1;
}

static int read_fixed_bytes(pythia_cbor_reader *r, size_t size, const uint8_t **bytes) {
  unsigned major;
  size_t length;
  return peek_major(r, &major) && major == 2 && pythia_cbor_read_bytes(r, bytes, &length) && length == size;
}

static int decode_status(pythia_cbor_reader *r, pythia_device_status *s) {
  unsigned major;
  uint64_t count, v;
  if (!pythia_cbor_read_head(r, &major, &count) || major != 4 || count != 6) return 0;
  if (!read_uint_max(r, 3, &v)) return 0;
  s->status = (uint8_t)v;
  if (!read_uint_max(r, 0xffff, &v)) return 0;
  s->class_id = (uint16_t)v;
  if (!pythia_cbor_read_uint(r, &s->last_sequence)) return 0;
  if (!read_uint_max(r, 0xffffffffu, &v)) return 0;
  s->flags = (uint32_t)v;
  if (!read_uint_max(r, 0xff, &v)) return 0;
  s->auto_suspensions = (uint8_t)v;
  if (!read_uint_max(r, 0xffffffffu, &v)) return 0;
  s->profile_version = (uint32_t)v;
  return 1;
}

static int decode_firmware(pythia_cbor_reader *r, pythia_firmware_answer *f) {
  unsigned major;
  uint64_t count, reason;
  const uint8_t *digest;
  if (!pythia_cbor_read_head(r, &major, &count) || major != 4 || count != 5) return 0;
  if (!read_bool(r, &f->approved)) return 0;
  if (!read_uint_max(r, 6, &reason)) return 0;
  f->reason = (uint8_t)reason;
  if (f->approved != (reason == 0)) return 0;
  if (!pythia_cbor_read_uint(r, &f->sequence)) return 0;
  if (!read_fixed_bytes(r, 32, &digest)) return 0;
  memcpy(f->digest, digest, 32);
  if (!pythia_cbor_read_uint(r, &f->size)) return 0;
  if (f->approved && (f->sequence == 0 || f->size == 0 || is_zero(f->digest, 32))) return 0;
  return 1;
}

/* decodeParams of the question: the shape only (bad_cose); comparing with what was asked comes after. */
static int params_well_formed(uint32_t question, const uint8_t *bytes, size_t length) {
  pythia_cbor_reader r;
  const uint8_t *device;
  unsigned major;
  uint64_t count, v;
  r.bytes = bytes;
  r.length = length;
  r.offset = 0;
  if (question == PYTHIA_QUESTION_DEVICE_STATUS) return read_fixed_bytes(&r, 20, &device);
  if (!pythia_cbor_read_head(&r, &major, &count) || major != 4 || count != 3) return 0;
  if (!read_fixed_bytes(&r, 20, &device) || !read_uint_max(&r, 0xffff, &v) || !pythia_cbor_read_uint(&r, &v)) return 0;
  return v >= 1;
}

pythia_result pythia_verify_answer(const pythia_crypto *crypto, const uint8_t *cose, size_t cose_length, const uint8_t *challenge,
                                   size_t challenge_length, const pythia_question *asked, const pythia_answer_policy *policy,
                                   pythia_answer *out) {
  cose_sign1 message;
  const pythia_trusted_key *trusted = NULL;
  const uint8_t *r_bytes, *s_bytes, *params = NULL, *answer = NULL, *bytes;
  size_t i, params_length = 0, answer_length = 0, length;
  uint8_t digest[32], expected_params[40];
  pythia_cbor_reader r;
  pythia_cbor_writer w;
  unsigned major;
  uint64_t count, key, question = 0;
  pythia_result result;
  (void)crypto; /* verification needs no context: libsecp256k1's static one serves */
  if (cose == NULL || challenge == NULL || !valid_question(asked) || policy == NULL || out == NULL ||
      (policy->keys == NULL && policy->key_count > 0)) {
    return PYTHIA_ERR_ARGUMENT;
  }
  memset(out, 0, sizeof *out);
  result = decode_cose(cose, cose_length, &message);
  if (result != PYTHIA_OK) return result;

  for (i = 0; i < policy->key_count; i++) {
    if (memcmp(policy->keys[i].address, message.kid, 20) == 0) {
      trusted = &policy->keys[i];
      break;
    }
  }
  if (trusted == NULL) return PYTHIA_ERR_UNTRUSTED_KEY;

  r_bytes = message.signature;
  s_bytes = message.signature + 32;
  if (is_zero(r_bytes, 32) || memcmp(r_bytes, group_order, 32) >= 0 || is_zero(s_bytes, 32) || memcmp(s_bytes, group_order, 32) >= 0 ||
      memcmp(s_bytes, half_order, 32) > 0) {
    return PYTHIA_ERR_BAD_SIGNATURE;
  }
  pythia_es256k_digest(message.payload, message.payload_length, digest);
  if (!pythia_verify_es256k(trusted->public_key, digest, message.signature)) return PYTHIA_ERR_BAD_SIGNATURE;

  /* The payload: exactly {1..8} in deterministic CBOR. */
  if (!pythia_cbor_check(message.payload, message.payload_length)) return PYTHIA_ERR_BAD_COSE;
  r.bytes = message.payload;
  r.length = message.payload_length;
  r.offset = 0;
  if (!pythia_cbor_read_head(&r, &major, &count) || major != 5 || count != 8) return PYTHIA_ERR_BAD_COSE;
  for (key = 1; key <= 8; key++) {
    uint64_t k;
    size_t at;
    if (!pythia_cbor_read_uint(&r, &k) || k != key) return PYTHIA_ERR_BAD_COSE;
    at = r.offset;
    switch (key) {
      case 1:
        if (!read_uint_max(&r, MAX_SAFE_INTEGER, &question)) return PYTHIA_ERR_BAD_COSE;
        break;
      case 2:
      case 3:
        if (!pythia_cbor_skip(&r)) return PYTHIA_ERR_BAD_COSE;
        if (key == 2) {
          params = message.payload + at;
          params_length = r.offset - at;
        } else {
          answer = message.payload + at;
          answer_length = r.offset - at;
        }
        break;
      case 4:
        if (!peek_major(&r, &major) || major != 2 || !pythia_cbor_read_bytes(&r, &bytes, &length) || length < PYTHIA_MIN_CHALLENGE ||
            length > PYTHIA_MAX_CHALLENGE) {
          return PYTHIA_ERR_BAD_COSE;
        }
        if (length != challenge_length || memcmp(bytes, challenge, length) != 0) result = PYTHIA_ERR_CHALLENGE_MISMATCH;
        break;
      case 5:
        if (!pythia_cbor_read_uint(&r, &out->block_number)) return PYTHIA_ERR_BAD_COSE;
        break;
      case 6:
        if (!read_fixed_bytes(&r, 32, &bytes)) return PYTHIA_ERR_BAD_COSE;
        memcpy(out->block_hash, bytes, 32);
        break;
      case 7:
        if (!read_uint_max(&r, MAX_SAFE_INTEGER, &out->time)) return PYTHIA_ERR_BAD_COSE;
        break;
      default:
        if (!read_uint_max(&r, MAX_SAFE_INTEGER, &out->chain_id)) return PYTHIA_ERR_BAD_COSE;
        break;
    }
  }
  /* Every payload refusal (bad_cose) comes before the challenge's. */
  if (result != PYTHIA_OK) return result;

  if (question != asked->question) return PYTHIA_ERR_QUESTION_MISMATCH;
  if (!params_well_formed(asked->question, params, params_length)) return PYTHIA_ERR_BAD_COSE;
  w.out = expected_params;
  w.capacity = sizeof expected_params;
  w.length = 0;
  w.overflow = 0;
  encode_params(&w, asked);
  if (w.overflow || w.length != params_length || memcmp(expected_params, params, params_length) != 0) return PYTHIA_ERR_QUESTION_MISMATCH;

  r.bytes = answer;
  r.length = answer_length;
  r.offset = 0;
  if (asked->question == PYTHIA_QUESTION_DEVICE_STATUS ? !decode_status(&r, &out->answer.status)
                                                       : !decode_firmware(&r, &out->answer.firmware)) {
    return PYTHIA_ERR_BAD_COSE;
  }

  if (out->chain_id != policy->chain_id) return PYTHIA_ERR_WRONG_CHAIN;
  if (policy->has_current_block && policy->current_block > out->block_number &&
      policy->current_block - out->block_number > policy->max_age_blocks) {
    return PYTHIA_ERR_STALE_ANSWER;
  }
  if (policy->check_time && policy->now > out->time && policy->now - out->time > policy->max_age_seconds) return PYTHIA_ERR_STALE_ANSWER;
  out->question = (uint32_t)question;
  memcpy(out->signer, message.kid, 20);
  return PYTHIA_OK;
}

/* ---- status guard */

void pythia_status_guard_init(pythia_status_guard *guard) { memset(guard, 0, sizeof *guard); }

void pythia_status_guard_apply(pythia_status_guard *guard, const pythia_answer *verified) {
  uint8_t status;
  if (guard == NULL || verified == NULL || verified->question != PYTHIA_QUESTION_DEVICE_STATUS) return;
  if (!guard->has_block || verified->block_number > guard->highest_block) {
    guard->highest_block = verified->block_number;
    guard->has_block = 1;
  }
  status = verified->answer.status.status;
  if (guard->halted != PYTHIA_STATUS_REVOKED) {
    guard->halted = (status == PYTHIA_STATUS_SUSPENDED || status == PYTHIA_STATUS_REVOKED) ? status : 0;
  }
}

pythia_result pythia_status_guard_check(const pythia_status_guard *guard) {
  return guard != NULL && guard->halted == 0 ? PYTHIA_OK : PYTHIA_ERR_HALTED;
}

/* ---- firmware */

pythia_result pythia_firmware_check_begin(pythia_firmware_check *check, const pythia_crypto *crypto, const uint8_t *cose,
                                          size_t cose_length, const uint8_t *challenge, size_t challenge_length,
                                          const pythia_answer_policy *policy, const uint8_t device[20], uint16_t class_id,
                                          uint64_t running_sequence, uint16_t release_class_id, uint64_t release_sequence) {
  pythia_question asked;
  pythia_answer verified;
  pythia_result result;
  if (check == NULL || device == NULL) return PYTHIA_ERR_ARGUMENT;
  memset(check, 0, sizeof *check);
  check->failed = 1;
  if (release_class_id != class_id) return PYTHIA_ERR_WRONG_CLASS;
  if (release_sequence <= running_sequence) return PYTHIA_ERR_ROLLBACK;
  asked.question = PYTHIA_QUESTION_FIRMWARE_APPROVED;
  memcpy(asked.device, device, 20);
  asked.class_id = release_class_id;
  asked.sequence = release_sequence;
  result = pythia_verify_answer(crypto, cose, cose_length, challenge, challenge_length, &asked, policy, &verified);
  if (result != PYTHIA_OK) return result;
  if (!verified.answer.firmware.approved) return PYTHIA_ERR_NOT_APPROVED;
  if (verified.answer.firmware.sequence != release_sequence) return PYTHIA_ERR_ROLLBACK;
  if (verified.answer.firmware.size > MAX_SAFE_INTEGER) return PYTHIA_ERR_TOO_LARGE;
  check->size = verified.answer.firmware.size;
  check->sequence = verified.answer.firmware.sequence;
  memcpy(check->digest, verified.answer.firmware.digest, 32);
  pythia_sha256_init(&check->sha256);
  check->failed = 0;
  return PYTHIA_OK;
}

pythia_result pythia_firmware_check_update(pythia_firmware_check *check, const uint8_t *chunk, size_t length) {
  if (check == NULL || (chunk == NULL && length > 0) || check->failed) return PYTHIA_ERR_ARGUMENT;
  if (length > check->size - check->received) {
    check->failed = 1;
    return PYTHIA_ERR_TOO_LARGE;
  }
  pythia_sha256_update(&check->sha256, chunk, length);
  check->received += length;
  return PYTHIA_OK;
}

pythia_result pythia_firmware_check_finish(pythia_firmware_check *check) {
  uint8_t digest[32];
  if (check == NULL || check->failed) return PYTHIA_ERR_ARGUMENT;
  check->failed = 1;
  if (check->received != check->size) return PYTHIA_ERR_SIZE_MISMATCH;
  pythia_sha256_final(&check->sha256, digest);
  if (memcmp(digest, check->digest, 32) != 0) return PYTHIA_ERR_DIGEST_MISMATCH;
  return PYTHIA_OK;
}

/* ---- a round trip */

pythia_result pythia_ask(const pythia_crypto *crypto, const pythia_platform *platform, const pythia_device_key *key,
                         const pythia_question *question, uint64_t sequence, const pythia_answer_policy *policy, uint8_t *work,
                         size_t work_capacity, pythia_answer *out) {
  uint8_t challenge[PYTHIA_MIN_CHALLENGE];
  size_t request_length = 0, response_length = 0;
  int status = 0;
  pythia_answer_policy effective;
  pythia_result result;
  if (platform == NULL || platform->exchange == NULL || platform->random == NULL || policy == NULL || work == NULL) return PYTHIA_ERR_ARGUMENT;
  if (platform->random(platform->user, challenge, sizeof challenge) != 0) return PYTHIA_ERR_PLATFORM;
  result = pythia_question_request(crypto, platform, key, policy->chain_id, question, challenge, sizeof challenge, sequence, work,
                                   work_capacity, &request_length);
  if (result != PYTHIA_OK) return result;
  if (platform->exchange(platform->user, PYTHIA_ROUTE_QUESTIONS, work, request_length, work + request_length,
                         work_capacity - request_length, &response_length, &status) != 0) {
    return PYTHIA_ERR_PLATFORM;
  }
  if (status != 200) return PYTHIA_ERR_REFUSED;
  effective = *policy;
  if (effective.check_time) {
    if (platform->now == NULL || platform->now(platform->user, &effective.now) != 0) return PYTHIA_ERR_PLATFORM;
  }
  return pythia_verify_answer(crypto, work + request_length, response_length, challenge, sizeof challenge, question, &effective, out);
}
