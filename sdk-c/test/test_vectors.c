/*
 * Checks the C SDK against the vectors the TypeScript SDK writes (vectors.h): the same on the host
 * (with sanitizers) and on the emulated Cortex-M4 (test/mcu). Prints one line per failure and a
 * summary; pythia_test_vectors returns the number of failures.
 */
#include <stdint.h>
#include <string.h>

#include "pythia.h"
#include "pythia_bundle.h"
#include "test_vectors.h"
#include "vectors.h"
#include "chain_vectors.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static int failures;
static test_output_fn output;

static void say(const char *a, const char *b, const char *c) {
  output(a);
  if (b) output(b);
  if (c) output(c);
  output("\n");
}
static void fail(const char *what, const char *name, const char *detail) {
  failures++;
  output("FAIL ");
  say(what, name ? ": " : NULL, name);
  if (detail) say("  ", detail, NULL);
}

static int nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
/* "0x…" into bytes; returns the length, or -1. */
static long unhex(const char *hex, uint8_t *out, size_t capacity) {
  size_t n, i;
  if (hex[0] != '0' || hex[1] != 'x') return -1;
  hex += 2;
  n = strlen(hex);
  if (n % 2 != 0 || n / 2 > capacity) return -1;
  for (i = 0; i < n / 2; i++) {
    int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return -1;
    out[i] = (uint8_t)(hi * 16 + lo);
  }
  return (long)(n / 2);
}
static uint64_t decimal(const char *s) {
  uint64_t v = 0;
  while (*s) v = v * 10 + (uint64_t)(*s++ - '0');
  return v;
}
static void write_decimal(char *out, uint64_t v) {
  char digits[21];
  int n = 0;
  do {
    digits[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  while (n) *out++ = digits[--n];
  *out = '\0';
}
static void write_hex(char *out, const uint8_t *b, size_t n) {
  static const char d[] = "0123456789abcdef";
  size_t i;
  *out++ = '0';
  *out++ = 'x';
  for (i = 0; i < n; i++) {
    *out++ = d[b[i] >> 4];
    *out++ = d[b[i] & 15];
  }
  *out = '\0';
}

/* The platform of a test device: its key from the vectors, no clock, no transport. */
typedef struct {
  uint8_t key[32];
} test_device;
static int load_key(void *user, uint8_t out[32]) {
  memcpy(out, ((test_device *)user)->key, 32);
  return 0;
}

static uint8_t big[2048];
static char text[2048];

static void check_devices(pythia_crypto *crypto) {
  size_t i;
  for (i = 0; i < COUNT(vector_devices); i++) {
    test_device dev;
    pythia_platform platform = {0};
    pythia_device_key key;
    char id[43], public_hex[131];
    platform.user = &dev;
    platform.load_private_key = load_key;
    unhex(vector_devices[i].private_key, dev.key, 32);
    if (pythia_device_key_load(crypto, &platform, &key) != PYTHIA_OK) {
      fail("device key", vector_devices[i].device_id, NULL);
      continue;
    }
    write_hex(public_hex, key.public_key, 64);
    pythia_address_checksum(key.id, id);
    if (strcmp(public_hex, vector_devices[i].public_key) != 0) fail("public key", vector_devices[i].device_id, public_hex);
    if (strcmp(id, vector_devices[i].device_id) != 0) fail("device id (EIP-55)", vector_devices[i].device_id, id);
  }
}

static void check_readings(pythia_crypto *crypto) {
  size_t i;
  for (i = 0; i < COUNT(vector_readings); i++) {
    const vector_reading *v = &vector_readings[i];
    test_device dev;
    pythia_platform platform = {0};
    pythia_device_key key;
    pythia_domain domain;
    uint8_t separator[32], digest[32];
    char hex[67];
    size_t length;
    long payload_length;
    platform.user = &dev;
    platform.load_private_key = load_key;
    unhex(vector_devices[v->key].private_key, dev.key, 32);
    pythia_device_key_load(crypto, &platform, &key);
    domain.chain_id = decimal(v->chain_id);
    unhex(v->verifying_contract, domain.verifying_contract, 20);
    pythia_domain_separator(&domain, separator);
    write_hex(hex, separator, 32);
    if (strcmp(hex, v->domain_separator) != 0) fail("domain separator", v->sequence, hex);
    payload_length = unhex(v->payload, big, sizeof big);
    pythia_reading_digest(separator, key.id, decimal(v->sequence), decimal(v->timestamp), big, (size_t)payload_length, digest);
    write_hex(hex, digest, 32);
    if (strcmp(hex, v->digest) != 0) fail("reading digest", v->sequence, hex);
    if (pythia_reading_json(crypto, &platform, &key, separator, decimal(v->sequence), decimal(v->timestamp), big, (size_t)payload_length, text,
                            sizeof text, &length) != PYTHIA_OK ||
        strcmp(text, v->json) != 0 || length != strlen(v->json)) {
      fail("signed reading", v->sequence, text);
    }
  }
}

static void check_registrations(pythia_crypto *crypto) {
  size_t i;
  for (i = 0; i < COUNT(vector_registrations); i++) {
    const vector_registration *v = &vector_registrations[i];
    test_device dev;
    pythia_platform platform = {0};
    pythia_device_key key;
    size_t length;
    platform.user = &dev;
    platform.load_private_key = load_key;
    unhex(vector_devices[v->key].private_key, dev.key, 32);
    pythia_device_key_load(crypto, &platform, &key);
    if (pythia_registration_request_json(crypto, &platform, &key, (uint32_t)decimal(v->class_id), v->metadata, text, sizeof text, &length) !=
            PYTHIA_OK ||
        strcmp(text, v->json) != 0) {
      fail("registration request", v->class_id, text);
    }
  }
}

static void question_of(pythia_question *q, int question, const char *device, const char *class_id, const char *release_sequence) {
  memset(q, 0, sizeof *q);
  q->question = (uint32_t)question;
  unhex(device, q->device, 20);
  q->class_id = (uint16_t)decimal(class_id);
  q->sequence = decimal(release_sequence);
}

static void check_questions(pythia_crypto *crypto) {
  size_t i;
  for (i = 0; i < COUNT(vector_questions); i++) {
    const vector_question *v = &vector_questions[i];
    test_device dev;
    pythia_platform platform = {0};
    pythia_device_key key;
    pythia_question q;
    uint8_t challenge[32];
    long challenge_length;
    size_t length;
    platform.user = &dev;
    platform.load_private_key = load_key;
    unhex(vector_devices[v->key].private_key, dev.key, 32);
    pythia_device_key_load(crypto, &platform, &key);
    question_of(&q, v->question, v->device, v->class_id, v->release_sequence);
    challenge_length = unhex(v->challenge, challenge, sizeof challenge);
    if (pythia_question_request(crypto, &platform, &key, decimal(v->chain_id), &q, challenge, (size_t)challenge_length, decimal(v->sequence), big,
                                sizeof big, &length) != PYTHIA_OK) {
      fail("question request", v->sequence, "refused");
      continue;
    }
    write_hex(text, big, length);
    if (strcmp(text, v->cose) != 0) fail("question request", v->sequence, text);
  }
}

static void trusted_pythia(pythia_trusted_key *key) {
  unhex(vector_pythia_address, key->address, 20);
  unhex(vector_pythia_public_key, key->public_key, 64);
}

static void summarise(const pythia_answer *a, int question, char *out) {
  char n[24];
  out[0] = '\0';
  if (question == PYTHIA_QUESTION_DEVICE_STATUS) {
    static const char *const names[] = {"none", "active", "suspended", "revoked"};
    const pythia_device_status *s = &a->answer.status;
    strcat(out, "status=");
    strcat(out, names[s->status]);
    strcat(out, " class=");
    write_decimal(n, s->class_id);
    strcat(out, n);
    strcat(out, " lastSequence=");
    write_decimal(n, s->last_sequence);
    strcat(out, n);
    strcat(out, " flags=");
    write_decimal(n, s->flags);
    strcat(out, n);
    strcat(out, " autoSuspensions=");
    write_decimal(n, s->auto_suspensions);
    strcat(out, n);
    strcat(out, " profileVersion=");
    write_decimal(n, s->profile_version);
    strcat(out, n);
  } else {
    static const char *const reasons[] = {"approved", "unknown_release", "device_not_active", "wrong_class", "revoked", "not_newer", "owner_approval_missing"};
    const pythia_firmware_answer *f = &a->answer.firmware;
    char digest[67];
    strcat(out, f->approved ? "approved=1 reason=" : "approved=0 reason=");
    strcat(out, reasons[f->reason]);
    strcat(out, " sequence=");
    write_decimal(n, f->sequence);
    strcat(out, n);
    strcat(out, " digest=");
    write_hex(digest, f->digest, 32);
    strcat(out, digest);
    strcat(out, " size=");
    write_decimal(n, f->size);
    strcat(out, n);
  }
}

static void check_answers(pythia_crypto *crypto) {
  size_t i;
  pythia_trusted_key trusted;
  trusted_pythia(&trusted);
  for (i = 0; i < COUNT(vector_answers); i++) {
    const vector_answer *v = &vector_answers[i];
    pythia_question q;
    pythia_answer_policy policy;
    pythia_answer answer;
    uint8_t challenge[40];
    long challenge_length, cose_length;
    pythia_result result;
    char summary[256], n[24];
    question_of(&q, v->question, v->device, v->class_id, v->release_sequence);
    memset(&policy, 0, sizeof policy);
    policy.keys = &trusted;
    policy.key_count = 1;
    policy.chain_id = decimal(v->chain_id);
    policy.max_age_blocks = decimal(v->max_age_blocks);
    policy.has_current_block = v->current_block[0] != '\0';
    policy.current_block = decimal(v->current_block);
    policy.max_age_seconds = decimal(v->max_age_seconds);
    policy.check_time = v->now[0] != '\0';
    policy.now = decimal(v->now);
    challenge_length = unhex(v->challenge, challenge, sizeof challenge);
    cose_length = unhex(v->cose, big, sizeof big);
    result = pythia_verify_answer(crypto, big, (size_t)cose_length, challenge, (size_t)challenge_length, &q, &policy, &answer);
    if (strcmp(pythia_reason(result), v->expect) != 0) {
      fail("answer", v->name, pythia_reason(result));
      continue;
    }
    if (result != PYTHIA_OK) continue;
    summarise(&answer, v->question, summary);
    if (strcmp(summary, v->summary) != 0) fail("answer contents", v->name, summary);
    write_decimal(n, answer.block_number);
    if (strcmp(n, v->block_number) != 0) fail("answer block", v->name, n);
    write_decimal(n, answer.time);
    if (strcmp(n, v->time) != 0) fail("answer time", v->name, n);
  }
}

static void check_firmware(pythia_crypto *crypto) {
  size_t i;
  pythia_trusted_key trusted;
  uint8_t device[20];
  trusted_pythia(&trusted);
  unhex(vector_firmware_device, device, 20);
  for (i = 0; i < COUNT(vector_firmware_checks); i++) {
    const vector_firmware *v = &vector_firmware_checks[i];
    static uint8_t image[1600];
    pythia_answer_policy policy;
    pythia_firmware_check check;
    uint8_t challenge[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    long cose_length = unhex(v->answer, big, sizeof big);
    long image_length = unhex(v->image, image, sizeof image);
    pythia_result result;
    memset(&policy, 0, sizeof policy);
    policy.keys = &trusted;
    policy.key_count = 1;
    policy.chain_id = 20601;
    policy.max_age_blocks = 5;
    policy.has_current_block = 1;
    policy.current_block = decimal(vector_firmware_current_block);
    policy.max_age_seconds = 300;
    policy.check_time = 1;
    policy.now = decimal(v->now);
    result = pythia_firmware_check_begin(&check, crypto, big, (size_t)cose_length, challenge, sizeof challenge, &policy, device,
                                         (uint16_t)decimal(v->class_id), decimal(v->running_sequence), (uint16_t)decimal(v->release_class_id),
                                         decimal(v->release_sequence));
    if (result == PYTHIA_OK) {
      /* In chunks of 100 bytes, as a download would come. */
      long at;
      for (at = 0; at < image_length && result == PYTHIA_OK; at += 100) {
        size_t chunk = (size_t)(image_length - at < 100 ? image_length - at : 100);
        result = pythia_firmware_check_update(&check, image + at, chunk);
      }
      if (result == PYTHIA_OK) result = pythia_firmware_check_finish(&check);
    }
    if (strcmp(pythia_reason(result), v->expect) != 0) fail("firmware", v->name, pythia_reason(result));
  }
}

static void check_status_guard(void) {
  pythia_status_guard guard;
  pythia_answer a;
  memset(&a, 0, sizeof a);
  pythia_status_guard_init(&guard);
  a.question = PYTHIA_QUESTION_DEVICE_STATUS;
  a.block_number = 10;
  a.answer.status.status = PYTHIA_STATUS_ACTIVE;
  pythia_status_guard_apply(&guard, &a);
  if (pythia_status_guard_check(&guard) != PYTHIA_OK) fail("status guard", "active", NULL);
  a.block_number = 11;
  a.answer.status.status = PYTHIA_STATUS_SUSPENDED;
  pythia_status_guard_apply(&guard, &a);
  if (pythia_status_guard_check(&guard) != PYTHIA_ERR_HALTED) fail("status guard", "suspended", NULL);
  a.answer.status.status = PYTHIA_STATUS_ACTIVE;
  pythia_status_guard_apply(&guard, &a);
  if (pythia_status_guard_check(&guard) != PYTHIA_OK) fail("status guard", "reinstated", NULL);
  a.answer.status.status = PYTHIA_STATUS_REVOKED;
  pythia_status_guard_apply(&guard, &a);
  a.answer.status.status = PYTHIA_STATUS_ACTIVE;
  a.block_number = 5;
  pythia_status_guard_apply(&guard, &a);
  if (pythia_status_guard_check(&guard) != PYTHIA_ERR_HALTED) fail("status guard", "revoked is for good", NULL);
  if (guard.highest_block != 11) fail("status guard", "highest block", NULL);
}

/* Chain proofs: each case's header and proof nodes, fed one node at a time as a device streams them. */
static uint8_t chain_header[1024];
static uint8_t chain_node[PYTHIA_MAX_PROOF_NODE_BYTES + 1];
static uint8_t chain_expected[1024];

/* The trusted set of a case, as 20-byte addresses. */
static size_t chain_set(const char *const *hex, size_t count, uint8_t (*out)[20], size_t capacity) {
  size_t i;
  for (i = 0; i < count && i < capacity; i++) unhex(hex[i], out[i], 20);
  return i;
}

/* Whether a followed set is the one the TypeScript SDK named, in the checkpoint's order. */
static int chain_same_set(uint8_t (*set)[20], size_t count, const char *const *hex, size_t expected) {
  uint8_t address[20];
  size_t i;
  if (count != expected) return 0;
  for (i = 0; i < count; i++) {
    unhex(hex[i], address, 20);
    if (memcmp(address, set[i], 20) != 0) return 0;
  }
  return 1;
}

/* The trusted sets live outside the stack: mcu-check's stack figure is the SDK's, not this harness's. */
static uint8_t chain_trusted[PYTHIA_BUNDLE_MAX_VALIDATORS][20], chain_next[PYTHIA_BUNDLE_MAX_VALIDATORS][20];

static pythia_result chain_case_result(const chain_case *c, pythia_status *status) {
  uint8_t (*validators)[20] = chain_trusted, fleet[20], device[20], record[32];
  pythia_clique_trust trust;
  pythia_header_freshness freshness;
  pythia_clique_header header;
  pythia_status_proof proof;
  pythia_result result;
  long length;
  size_t i;
  trust.validators = (const uint8_t(*)[20])validators;
  trust.validator_count = chain_set(c->validators, c->validator_count, validators, PYTHIA_BUNDLE_MAX_VALIDATORS);
  trust.checkpoint = c->checkpoint;
  trust.epoch = chain_epoch;
  freshness.now = c->now;
  freshness.max_age_seconds = c->max_age_seconds;
  freshness.max_future_seconds = 30;
  freshness.highest_block = 0;
  freshness.max_age_blocks = 0;
  length = unhex(c->header, chain_header, sizeof chain_header);
  if (length < 0) return PYTHIA_ERR_ARGUMENT;
  result = pythia_clique_header_verify(chain_header, (size_t)length, &trust, c->device ? &freshness : NULL, &header);
  if (result != PYTHIA_OK || c->device == NULL) return result;
  unhex(chain_fleet, fleet, 20);
  unhex(c->device, device, 20);
  if ((result = pythia_status_proof_begin(&proof, header.state_root, fleet, device)) != PYTHIA_OK) return result;
  for (i = 0; i < c->account_nodes; i++) {
    length = unhex(c->account_proof[i], chain_node, sizeof chain_node);
    if (length < 0) return PYTHIA_ERR_ARGUMENT;
    if ((result = pythia_status_proof_account_node(&proof, chain_node, (size_t)length)) != PYTHIA_OK) return result;
  }
  for (i = 0; i < c->storage_nodes; i++) {
    length = unhex(c->storage_proof[i], chain_node, sizeof chain_node);
    if (length < 0) return PYTHIA_ERR_ARGUMENT;
    if ((result = pythia_status_proof_storage_node(&proof, chain_node, (size_t)length)) != PYTHIA_OK) return result;
  }
  return pythia_status_proof_finish(&proof, record, status);
}

static void check_chain_proofs(void) {
  size_t i;
  for (i = 0; i < COUNT(chain_cases); i++) {
    const chain_case *c = &chain_cases[i];
    pythia_status status = PYTHIA_STATUS_NONE;
    pythia_result result = chain_case_result(c, &status);
    const char *reason = result == PYTHIA_OK ? "ok" : pythia_reason(result);
    if (strcmp(reason, c->expect) != 0) {
      fail("chain proof", c->name, reason);
    } else if (result == PYTHIA_OK && c->device != NULL && (int)status != c->status) {
      fail("chain proof status", c->name, NULL);
    }
  }
}

/* A checkpoint case followed as a device does: the checkpoint, then (its signer new) the headers after it one at a time. */
static pythia_result chain_follow(const chain_checkpoint_case *c, const pythia_clique_trust *trust, size_t *count, uint64_t *checkpoint) {
  pythia_clique_vouching vouching;
  pythia_clique_trust pending;
  pythia_result result;
  size_t j;
  long length = unhex(c->header, chain_header, sizeof chain_header);
  if (length < 0) return PYTHIA_ERR_ARGUMENT;
  result = pythia_clique_checkpoint_follow(chain_header, (size_t)length, trust, chain_next, PYTHIA_BUNDLE_MAX_VALIDATORS, count, checkpoint, &vouching);
  if (result != PYTHIA_ERR_UNVOUCHED_CHECKPOINT) return result;
  pending.validators = (const uint8_t(*)[20])chain_next;
  pending.validator_count = *count;
  pending.checkpoint = *checkpoint;
  pending.epoch = chain_epoch;
  for (j = 0; j < c->voucher_count; j++) {
    length = unhex(c->vouchers[j], chain_header, sizeof chain_header);
    if (length < 0) return PYTHIA_ERR_ARGUMENT;
    if ((result = pythia_clique_checkpoint_voucher(&vouching, chain_header, (size_t)length, trust, &pending)) != PYTHIA_OK) return result;
  }
  return vouching.vouched ? PYTHIA_OK : PYTHIA_ERR_UNVOUCHED_CHECKPOINT;
}

/* Genesis (the bundle's set) → every checkpoint in order, each time trusting the set the previous one named: through the vote in
   (the checkpoint after it sealed by the new validator, vouched for by the header after it) and the vote out. `trust` ends at the
   last checkpoint followed, its set in chain_trusted; 0 (and a failure said) when a checkpoint is refused or the head's epoch not reached. */
static int chain_follow_in_a_row(pythia_clique_trust *trust) {
  size_t i, count;
  uint64_t checkpoint;
  trust->validators = (const uint8_t(*)[20])chain_trusted;
  trust->epoch = chain_epoch;
  trust->checkpoint = 0;
  trust->validator_count = chain_set(chain_validators, COUNT(chain_validators), chain_trusted, PYTHIA_BUNDLE_MAX_VALIDATORS);
  for (i = 0; i < COUNT(chain_checkpoint_cases); i++) {
    const chain_checkpoint_case *c = &chain_checkpoint_cases[i];
    if (strcmp(c->expect, "ok") != 0 || c->checkpoint != trust->checkpoint) continue;
    if (chain_follow(c, trust, &count, &checkpoint) != PYTHIA_OK) {
      fail("chain checkpoints in a row", c->name, NULL);
      return 0;
    }
    if (!chain_same_set(chain_next, count, c->next_validators, c->next_count)) fail("chain checkpoints in a row: the set", c->name, NULL);
    memcpy(chain_trusted, chain_next, count * 20);
    trust->validator_count = count;
    trust->checkpoint = checkpoint;
  }
  if (trust->checkpoint + chain_epoch <= chain_cases[0].checkpoint) {
    fail("chain checkpoints in a row", "did not reach the head's epoch", NULL);
    return 0;
  }
  return 1;
}

/* Each checkpoint case on its own, then all the real checkpoints followed in a row from the genesis set. */
static void check_chain_checkpoints(void) {
  uint8_t (*validators)[20] = chain_trusted;
  pythia_clique_trust trust;
  size_t i, count;
  uint64_t checkpoint;
  trust.validators = (const uint8_t(*)[20])validators;
  trust.epoch = chain_epoch;
  for (i = 0; i < COUNT(chain_checkpoint_cases); i++) {
    const chain_checkpoint_case *c = &chain_checkpoint_cases[i];
    pythia_result result;
    const char *reason;
    trust.checkpoint = c->checkpoint;
    trust.validator_count = chain_set(c->validators, c->validator_count, validators, PYTHIA_BUNDLE_MAX_VALIDATORS);
    result = chain_follow(c, &trust, &count, &checkpoint);
    reason = result == PYTHIA_OK ? "ok" : pythia_reason(result);
    if (strcmp(reason, c->expect) != 0) fail("chain checkpoint", c->name, reason);
    else if (result == PYTHIA_OK && (checkpoint != c->next || !chain_same_set(chain_next, count, c->next_validators, c->next_count)))
      fail("chain checkpoint set", c->name, NULL);
  }
  chain_follow_in_a_row(&trust);
}

/* The gateway's chain-proof answers: the shape check says what askStatusProof / askCliqueCheckpoints say; a good one reads to its bytes. */
static void check_chain_bodies(void) {
  size_t i, cursor, length, nodes;
  pythia_proof_body body;
  for (i = 0; i < COUNT(chain_body_cases); i++) {
    const chain_body_case *c = &chain_body_cases[i];
    pythia_result result = pythia_proof_body_read(c->body, strlen(c->body), c->with_proof, &body);
    const char *reason = result == PYTHIA_OK ? "ok" : pythia_reason(result);
    if (strcmp(reason, c->expect) != 0) fail("chain proof answer", c->name, reason);
  }
  /* The first is the real answer: its header is the head's and its account proof the active device's, node by node. */
  if (pythia_proof_body_read(chain_body_cases[0].body, strlen(chain_body_cases[0].body), 1, &body) != PYTHIA_OK ||
      pythia_proof_body_header(&body, chain_header, sizeof chain_header, &length) != PYTHIA_OK) {
    fail("chain proof answer", "the real answer's header", NULL);
    return;
  }
  for (i = 0; i < COUNT(chain_cases); i++) {
    const chain_case *c = &chain_cases[i];
    if (c->device == NULL || strcmp(c->name, "active device") != 0) continue;
    if (unhex(c->header, chain_expected, sizeof chain_expected) != (long)length || memcmp(chain_expected, chain_header, length) != 0)
      fail("chain proof answer", "the header's bytes", NULL);
    cursor = body.account_proof;
    nodes = 0;
    while (pythia_proof_body_node(&body, &cursor, chain_node, PYTHIA_MAX_PROOF_NODE_BYTES, &length) == 1) {
      long expected_length = nodes < c->account_nodes ? unhex(c->account_proof[nodes], chain_expected, sizeof chain_expected) : -1;
      if (expected_length != (long)length || memcmp(chain_expected, chain_node, length) != 0) fail("chain proof answer", "an account node", NULL);
      nodes++;
    }
    if (nodes != c->account_nodes) fail("chain proof answer", "the account nodes", NULL);
    /* A node larger than the buffer given: refused, not cut. */
    cursor = body.storage_proof;
    if (pythia_proof_body_node(&body, &cursor, chain_node, 1, &length) != -1) fail("chain proof answer", "a node over the buffer", NULL);
  }
}

/*
 * Whole status-proof answers, read and checked as the example sensor does (and askStatusProof): the shape, the header, the claims
 * (wrong_proof before any node), the nodes one at a time from the text, the claimed value against the record proven.
 */
static pythia_result chain_answer_result(const chain_answer_case *c, pythia_status *status) {
  static pythia_proof_body body; /* the harness's, off the stack (mcu-check's stack figure is the SDK's) */
  uint8_t fleet[20], device[20], record[32];
  pythia_clique_trust trust;
  pythia_header_freshness freshness;
  pythia_clique_header header;
  pythia_status_proof proof;
  pythia_result result;
  size_t length, cursor;
  int more;
  trust.validators = (const uint8_t(*)[20])chain_trusted;
  trust.validator_count = chain_set(c->validators, c->validator_count, chain_trusted, PYTHIA_BUNDLE_MAX_VALIDATORS);
  trust.checkpoint = c->checkpoint;
  trust.epoch = chain_epoch;
  memset(&freshness, 0, sizeof freshness);
  freshness.now = c->now;
  freshness.max_age_seconds = c->max_age_seconds;
  freshness.max_future_seconds = 30;
  unhex(chain_fleet, fleet, 20);
  unhex(c->device, device, 20);
  if ((result = pythia_proof_body_read(c->body, strlen(c->body), 1, &body)) != PYTHIA_OK) return result;
  if ((result = pythia_proof_body_header(&body, chain_header, sizeof chain_header, &length)) != PYTHIA_OK) return result;
  if ((result = pythia_clique_header_verify(chain_header, length, &trust, &freshness, &header)) != PYTHIA_OK) return result;
  if ((result = pythia_proof_body_claims(&body, fleet, device)) != PYTHIA_OK) return result;
  if ((result = pythia_status_proof_begin(&proof, header.state_root, fleet, device)) != PYTHIA_OK) return result;
  for (cursor = body.account_proof; (more = pythia_proof_body_node(&body, &cursor, chain_node, PYTHIA_MAX_PROOF_NODE_BYTES, &length)) == 1;)
    if ((result = pythia_status_proof_account_node(&proof, chain_node, length)) != PYTHIA_OK) return result;
  if (more < 0) return PYTHIA_ERR_BAD_ACCOUNT_PROOF;
  for (cursor = body.storage_proof; (more = pythia_proof_body_node(&body, &cursor, chain_node, PYTHIA_MAX_PROOF_NODE_BYTES, &length)) == 1;)
    if ((result = pythia_status_proof_storage_node(&proof, chain_node, length)) != PYTHIA_OK) return result;
  if (more < 0) return PYTHIA_ERR_BAD_STORAGE_PROOF;
  if ((result = pythia_status_proof_finish(&proof, record, status)) != PYTHIA_OK) return result;
  return pythia_proof_body_value(&body, record);
}

static void check_chain_answers(void) {
  size_t i;
  for (i = 0; i < COUNT(chain_answer_cases); i++) {
    const chain_answer_case *c = &chain_answer_cases[i];
    pythia_status status = PYTHIA_STATUS_NONE;
    pythia_result result = chain_answer_result(c, &status);
    const char *reason = result == PYTHIA_OK ? "ok" : pythia_reason(result);
    if (strcmp(reason, c->expect) != 0) fail("chain proof answer checked", c->name, reason);
    else if (result == PYTHIA_OK && (int)status != c->status) fail("chain proof answer status", c->name, NULL);
  }
}

/* ---- the stored trust (pythia_clique_trust_encode/decode): the set reached through the real checkpoints, stored, read back; each damage refused */

static uint8_t trust_record[PYTHIA_CLIQUE_TRUST_BYTES(PYTHIA_CLIQUE_TRUST_MAX_VALIDATORS) + 1], trust_copy[sizeof trust_record];
static uint8_t trust_genesis[PYTHIA_BUNDLE_MAX_VALIDATORS][20], trust_read[PYTHIA_BUNDLE_MAX_VALIDATORS][20];

static void trust_expect(const char *name, pythia_result got, pythia_result expected) {
  if (got != expected) fail("stored trust", name, pythia_reason(got));
}

/* The record's checksum made again after an edit: the edit then reaches the checks behind it. */
static void trust_reseal(uint8_t *record, size_t length) { pythia_keccak256(record, length - 32, record + length - 32); }

static void check_stored_trust(void) {
  pythia_clique_trust genesis, reached, read, other;
  size_t length, i;
  genesis.validators = (const uint8_t(*)[20])trust_genesis;
  genesis.validator_count = chain_set(chain_validators, COUNT(chain_validators), trust_genesis, PYTHIA_BUNDLE_MAX_VALIDATORS);
  genesis.checkpoint = 0;
  genesis.epoch = chain_epoch;
  /* The trust a device reaches: the genesis set followed through every real checkpoint (the vote in, vouched for; the vote out). */
  if (!chain_follow_in_a_row(&reached)) return;
  if (reached.checkpoint == 0) fail("stored trust", "no checkpoint followed", NULL);
  trust_expect("encode", pythia_clique_trust_encode(&reached, 1337, &genesis, trust_record, sizeof trust_record, &length), PYTHIA_OK);
  if (length != PYTHIA_CLIQUE_TRUST_BYTES(reached.validator_count) || memcmp(trust_record, "PYCT\x01", 5) != 0) fail("stored trust", "layout", NULL);
  {
    /* Byte for byte what the TypeScript SDK's encodeCliqueTrust writes for the same trust (src/sdk/chainProof/encodeCliqueTrust.test.ts holds the same bytes). */
    static const char *const typescript =
        "0x5059435401030000000000000000053900000000000000080000000000000038bddd73241eb1bc4bb72ac8ad0272a9277ba9cc079b8ffc17ed7c758d8ee46d8a3818a"
        "e41155202dcd214de1fa20b82f05643bc1e87b2f86ff8bce2afa96f5a77e2c96c215297e7e29b118de18eb5882a0fb83035b2ad6c80ece96926b20eee11c03906ff51bb"
        "7cac3051516acc44709f2fe24320f25baf33e0028986";
    long expected_length = unhex(typescript, trust_copy, sizeof trust_copy);
    if (expected_length != (long)length || memcmp(trust_copy, trust_record, length) != 0) fail("stored trust", "not the TypeScript SDK's bytes", NULL);
  }
  trust_expect("decode", pythia_clique_trust_decode(trust_record, length, 1337, &genesis, trust_read, PYTHIA_BUNDLE_MAX_VALIDATORS, &read), PYTHIA_OK);
  if (read.checkpoint != reached.checkpoint || read.epoch != chain_epoch || read.validator_count != reached.validator_count ||
      memcmp(trust_read, chain_trusted, 20 * reached.validator_count) != 0 || read.validators != (const uint8_t(*)[20])trust_read)
    fail("stored trust", "read back", NULL);
  /* A record cut anywhere (a torn write), or with a byte more. */
  for (i = 0; i <= length + 1; i++)
    if (i != length && pythia_clique_trust_decode(trust_record, i, 1337, &genesis, trust_read, PYTHIA_BUNDLE_MAX_VALIDATORS, &read) != PYTHIA_ERR_TRUST_TRUNCATED)
      fail("stored trust", "cut or lengthened", NULL);
  /* Any bit of any byte flipped: refused, never read as another trust. */
  for (i = 0; i < length * 8; i++) {
    pythia_result r;
    memcpy(trust_copy, trust_record, length);
    trust_copy[i / 8] = (uint8_t)(trust_copy[i / 8] ^ (1u << (i % 8)));
    r = pythia_clique_trust_decode(trust_copy, length, 1337, &genesis, trust_read, PYTHIA_BUNDLE_MAX_VALIDATORS, &read);
    if (r == PYTHIA_OK) fail("stored trust", "a flipped bit accepted", NULL);
    else if (i / 8 >= 8 && i / 8 != 5 && r != PYTHIA_ERR_TRUST_CORRUPTED) fail("stored trust", "a flipped bit past the head", pythia_reason(r));
    else if (i / 8 < 8 && i / 8 != 5 && r != PYTHIA_ERR_TRUST_UNKNOWN_FORMAT) fail("stored trust", "a flipped bit of the magic or version", pythia_reason(r));
  }
  memcpy(trust_copy, trust_record, length);
  trust_copy[4] = 2;
  trust_expect("version 2", pythia_clique_trust_decode(trust_copy, length, 1337, &genesis, trust_read, PYTHIA_BUNDLE_MAX_VALIDATORS, &read),
               PYTHIA_ERR_TRUST_UNKNOWN_FORMAT);
  /* Another chain's: its chain id, its genesis set, its epoch. */
  trust_expect("another chain id", pythia_clique_trust_decode(trust_record, length, 1338, &genesis, trust_read, PYTHIA_BUNDLE_MAX_VALIDATORS, &read),
               PYTHIA_ERR_TRUST_FOREIGN);
  other = genesis;
  other.validator_count = genesis.validator_count - 1;
  trust_expect("another genesis", pythia_clique_trust_decode(trust_record, length, 1337, &other, trust_read, PYTHIA_BUNDLE_MAX_VALIDATORS, &read),
               PYTHIA_ERR_TRUST_FOREIGN);
  other = genesis;
  other.epoch = chain_epoch * 2;
  trust_expect("another epoch", pythia_clique_trust_decode(trust_record, length, 1337, &other, trust_read, PYTHIA_BUNDLE_MAX_VALIDATORS, &read),
               PYTHIA_ERR_TRUST_FOREIGN);
  /* Well sealed but not a trust: a validator twice, a checkpoint off the epoch, no validators. */
  memcpy(trust_copy, trust_record, length);
  memcpy(trust_copy + 84, trust_copy + 64, 20);
  trust_reseal(trust_copy, length);
  trust_expect("a validator twice", pythia_clique_trust_decode(trust_copy, length, 1337, &genesis, trust_read, PYTHIA_BUNDLE_MAX_VALIDATORS, &read),
               PYTHIA_ERR_TRUST_INVALID);
  memcpy(trust_copy, trust_record, length);
  trust_copy[31] = (uint8_t)(trust_copy[31] + 1);
  trust_reseal(trust_copy, length);
  trust_expect("a checkpoint off the epoch",
               pythia_clique_trust_decode(trust_copy, length, 1337, &genesis, trust_read, PYTHIA_BUNDLE_MAX_VALIDATORS, &read), PYTHIA_ERR_TRUST_INVALID);
  memcpy(trust_copy, trust_record, length);
  trust_copy[5] = 0;
  trust_expect("no validators", pythia_clique_trust_decode(trust_copy, PYTHIA_CLIQUE_TRUST_BYTES(0), 1337, &genesis, trust_read,
                                                           PYTHIA_BUNDLE_MAX_VALIDATORS, &read), PYTHIA_ERR_TRUST_INVALID);
  trust_expect("room for fewer validators",
               pythia_clique_trust_decode(trust_record, length, 1337, &genesis, trust_read, reached.validator_count - 1, &read), PYTHIA_ERR_BUFFER);
  /* What encode refuses to store. */
  trust_expect("encode: a small buffer", pythia_clique_trust_encode(&reached, 1337, &genesis, trust_copy, length - 1, &i), PYTHIA_ERR_BUFFER);
  other = reached;
  other.checkpoint = reached.checkpoint + 1;
  trust_expect("encode: a checkpoint off the epoch", pythia_clique_trust_encode(&other, 1337, &genesis, trust_copy, sizeof trust_copy, &i),
               PYTHIA_ERR_ARGUMENT);
  other = reached;
  other.validator_count = 0;
  trust_expect("encode: no validators", pythia_clique_trust_encode(&other, 1337, &genesis, trust_copy, sizeof trust_copy, &i), PYTHIA_ERR_ARGUMENT);
  other = reached;
  other.epoch = chain_epoch * 2;
  trust_expect("encode: another epoch", pythia_clique_trust_encode(&other, 1337, &genesis, trust_copy, sizeof trust_copy, &i), PYTHIA_ERR_ARGUMENT);
  /* The genesis trust itself is a trust to store (a device that has followed nothing yet). */
  trust_expect("encode the genesis", pythia_clique_trust_encode(&genesis, 1337, &genesis, trust_copy, sizeof trust_copy, &i), PYTHIA_OK);
  trust_expect("decode the genesis", pythia_clique_trust_decode(trust_copy, i, 1337, &genesis, trust_read, PYTHIA_BUNDLE_MAX_VALIDATORS, &read),
               PYTHIA_OK);
}

/* ---- provisioning bundles: the reason and field parseProvisioningBundle gives, or the same one-line summary */

static char *append(char *at, const char *words) {
  while (*words) *at++ = *words++;
  *at = '\0';
  return at;
}
static char *append_hex(char *at, const uint8_t *b, size_t n) {
  write_hex(at, b, n);
  return at + strlen(at);
}
static char *append_decimal(char *at, uint64_t v) {
  write_decimal(at, v);
  return at + strlen(at);
}
static char *append_contract(char *at, const char *name, int present, const uint8_t address[20]) {
  at = append(append(at, " "), name);
  at = append(at, "=");
  return present ? append_hex(at, address, 20) : append(at, "-");
}

static pythia_bundle bundle;
static char bundle_summary[2048];
static char oversized[PYTHIA_BUNDLE_MAX_BYTES + 1];

static void summarise_bundle(const pythia_bundle *b, char *out) {
  pythia_trusted_key trusted[PYTHIA_BUNDLE_MAX_KEYS];
  size_t k, count;
  char *at = append(out, "chainId=");
  at = append_decimal(at, b->chain_id);
  at = append_contract(at, "fleet", 1, b->fleet);
  at = append_contract(at, "pythiaRegistry", b->has_pythia_registry, b->pythia_registry);
  at = append_contract(at, "deviceOwnership", b->has_device_ownership, b->device_ownership);
  at = append_contract(at, "firmwareRegistry", b->has_firmware_registry, b->firmware_registry);
  at = append_contract(at, "consentRegistry", b->has_consent_registry, b->consent_registry);
  at = append(at, " keys=");
  for (k = 0; k < b->key_count; k++) {
    const pythia_bundle_key *key = &b->keys[k];
    if (k > 0) at = append(at, ",");
    at = append_hex(at, key->address, 20);
    at = append_hex(append(at, "/"), key->public_key, 64);
    at = append(at, key->attested ? "/1" : "/0");
    at = append(at, key->revoked ? "/1/" : "/0/");
    at = key->measurement_length ? append_hex(at, key->measurement, key->measurement_length) : append(at, "-");
  }
  at = append(at, b->require_attested ? " requireAttested=1 allowedMeasurements=" : " requireAttested=0 allowedMeasurements=");
  if (!b->has_allowed_measurements) at = append(at, "-");
  for (k = 0; k < b->measurement_count; k++) {
    if (k > 0) at = append(at, ",");
    at = append_hex(at, b->measurements[k], b->measurement_lengths[k]);
  }
  at = append_decimal(append(at, " maxAgeSeconds="), b->max_age_seconds);
  at = append_decimal(append(at, " maxAgeBlocks="), b->max_age_blocks);
  at = append(at, " gateways=");
  for (k = 0; k < b->gateway_count; k++) at = append(k > 0 ? append(at, ",") : at, b->gateway_urls[k]);
  at = append(at, " trusted=");
  count = pythia_bundle_trusted_keys(b, trusted, PYTHIA_BUNDLE_MAX_KEYS);
  for (k = 0; k < count; k++) at = append_hex(k > 0 ? append(at, ",") : at, trusted[k].address, 20);
  at = append(at, " clique=");
  if (!b->has_clique) at = append(at, "-");
  else at = append(append_decimal(at, b->clique_epoch), "/");
  for (k = 0; k < b->validator_count; k++) at = append_hex(k > 0 ? append(at, ",") : at, b->validators[k], 20);
}

static void check_bundles(void) {
  size_t i;
  char field[PYTHIA_BUNDLE_FIELD_MAX];
  for (i = 0; i < COUNT(vector_bundles); i++) {
    const vector_bundle *v = &vector_bundles[i];
    pythia_bundle_result r = pythia_bundle_parse(v->json, strlen(v->json), &bundle, field);
    if (strcmp(pythia_bundle_reason(r), v->expect) != 0) {
      fail("bundle", v->name, pythia_bundle_reason(r));
      continue;
    }
    if (strcmp(field, v->field) != 0) fail("bundle field", v->name, field);
    if (r != PYTHIA_BUNDLE_OK) continue;
    summarise_bundle(&bundle, bundle_summary);
    if (strcmp(bundle_summary, v->summary) != 0) fail("bundle summary", v->name, bundle_summary);
  }
  /* The C reader's own bounds: the text's size and its nesting (JSON.parse has neither). */
  memset(oversized, ' ', sizeof oversized);
  memcpy(oversized, vector_bundles[0].json, strlen(vector_bundles[0].json));
  if (pythia_bundle_parse(oversized, sizeof oversized - 1, &bundle, field) != PYTHIA_BUNDLE_OK) fail("bundle", "padded to the bound", field);
  if (pythia_bundle_parse(oversized, sizeof oversized, &bundle, NULL) != PYTHIA_BUNDLE_TOO_LARGE) fail("bundle", "one byte over the bound", NULL);
  /* A member name with an escaped NUL is not the name it starts with (JSON.parse keeps the whole name). */
  if (pythia_bundle_parse("{\"version\\u0000\":1}", 19, &bundle, field) != PYTHIA_BUNDLE_UNKNOWN_FIELD) fail("bundle", "escaped NUL in a name", field);
  if (pythia_bundle_parse("{\"x\":[[[[[[[1]]]]]]]}", 21, &bundle, field) != PYTHIA_BUNDLE_UNKNOWN_FIELD) fail("bundle", "nested 8 deep", field);
  if (pythia_bundle_parse("{\"x\":[[[[[[[[1]]]]]]]]}", 23, &bundle, field) != PYTHIA_BUNDLE_TOO_LARGE) fail("bundle", "nested 9 deep", NULL);
}

int pythia_test_vectors(test_output_fn out, pythia_crypto *crypto) {
  char n[24];
  size_t total = COUNT(vector_devices) + COUNT(vector_readings) + COUNT(vector_registrations) + COUNT(vector_questions) + COUNT(vector_answers) +
                 COUNT(vector_firmware_checks) + 1 + COUNT(chain_cases) + COUNT(chain_checkpoint_cases) + 1 + COUNT(chain_body_cases) + 1;
  total += COUNT(chain_answer_cases);
  total += COUNT(vector_bundles);
  output = out;
  failures = 0;
  check_devices(crypto);
  check_readings(crypto);
  check_registrations(crypto);
  check_questions(crypto);
  check_answers(crypto);
  check_firmware(crypto);
  check_status_guard();
  check_chain_proofs();
  check_chain_checkpoints();
  check_chain_bodies();
  check_chain_answers();
  check_stored_trust();
  check_bundles();
  write_decimal(n, total);
  say(failures == 0 ? "vectors: all passed, groups of " : "vectors: FAILED, groups of ", n, NULL);
  return failures;
}

/*
 * The active device's proof checked once (header, then the nodes one at a time), for the RAM figure:
 * what a device streams, and the buffers it needs besides its stack (the header, one node).
 */
int pythia_test_chain_proof_once(chain_proof_figures *figures) {
  size_t i, k;
  pythia_status status;
  memset(figures, 0, sizeof *figures);
  for (k = 0; k < COUNT(chain_cases); k++) {
    const chain_case *c = &chain_cases[k];
    if (c->device == NULL || c->status != PYTHIA_STATUS_ACTIVE || strcmp(c->expect, "ok") != 0) continue;
    figures->header_bytes = (strlen(c->header) - 2) / 2;
    for (i = 0; i < c->account_nodes + c->storage_nodes; i++) {
      const char *node = i < c->account_nodes ? c->account_proof[i] : c->storage_proof[i - c->account_nodes];
      size_t bytes = (strlen(node) - 2) / 2;
      figures->proof_bytes += bytes;
      if (bytes > figures->largest_node) figures->largest_node = bytes;
    }
    figures->nodes = c->account_nodes + c->storage_nodes;
    return chain_case_result(c, &status) == PYTHIA_OK && status == PYTHIA_STATUS_ACTIVE;
  }
  return 0;
}

/* One answer verification, for the instruction count on the emulated board. */
int pythia_test_verify_once(pythia_crypto *crypto) {
  pythia_trusted_key trusted;
  pythia_question q;
  pythia_answer_policy policy;
  pythia_answer answer;
  uint8_t challenge[8];
  const vector_answer *v = &vector_answers[0];
  long cose_length = unhex(v->cose, big, sizeof big);
  trusted_pythia(&trusted);
  question_of(&q, v->question, v->device, v->class_id, v->release_sequence);
  memset(&policy, 0, sizeof policy);
  policy.keys = &trusted;
  policy.key_count = 1;
  policy.chain_id = decimal(v->chain_id);
  unhex(v->challenge, challenge, sizeof challenge);
  return pythia_verify_answer(crypto, big, (size_t)cose_length, challenge, sizeof challenge, &q, &policy, &answer) == PYTHIA_OK;
}
