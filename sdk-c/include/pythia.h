/*
 * Pythia device SDK for microcontrollers (C99).
 *
 * No dynamic allocation and no global mutable state: every buffer is the caller's, and the
 * platform (key storage, clock, randomness, transport) comes in as callbacks. The formats are
 * those of docs/protocol.md, byte for byte; test/vectors.h (written by the TypeScript SDK) checks it.
 */
#ifndef PYTHIA_H
#define PYTHIA_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Every result. The reasons of a refused answer are the words of docs/protocol.md (pythia_reason). */
typedef enum {
  PYTHIA_OK = 0,
  /* The caller gave a value the protocol does not allow (a class id over 65535, a challenge of 7 bytes...). */
  PYTHIA_ERR_ARGUMENT,
  /* The output buffer is too small. */
  PYTHIA_ERR_BUFFER,
  /* The key storage callback failed or holds no valid secp256k1 key. */
  PYTHIA_ERR_KEY,
  /* A platform callback (clock, randomness, transport) failed. */
  PYTHIA_ERR_PLATFORM,
  /* Answer refusals (verifyAnswer in the TypeScript SDK, same order of checks). */
  PYTHIA_ERR_BAD_COSE,
  PYTHIA_ERR_WRONG_ALGORITHM,
  PYTHIA_ERR_UNTRUSTED_KEY,
  PYTHIA_ERR_BAD_SIGNATURE,
  PYTHIA_ERR_CHALLENGE_MISMATCH,
  PYTHIA_ERR_QUESTION_MISMATCH,
  PYTHIA_ERR_WRONG_CHAIN,
  PYTHIA_ERR_STALE_ANSWER,
  /* Firmware refusals (checkFirmwareImage). */
  PYTHIA_ERR_WRONG_CLASS,
  PYTHIA_ERR_ROLLBACK,
  PYTHIA_ERR_WRONG_DEVICE,
  PYTHIA_ERR_NOT_APPROVED,
  PYTHIA_ERR_TOO_LARGE,
  PYTHIA_ERR_SIZE_MISMATCH,
  PYTHIA_ERR_DIGEST_MISMATCH,
  /* A verified answer said the device is suspended or revoked: readings are not sent. */
  PYTHIA_ERR_HALTED,
  /* The gateway refused the request (HTTP status in the transport's answer). */
  PYTHIA_ERR_REFUSED,
  /* Chain proof refusals (src/sdk/chainProof, same words; docs/protocol.md "Chain proofs"). */
  PYTHIA_ERR_BAD_HEADER,
  PYTHIA_ERR_BAD_SEAL,
  PYTHIA_ERR_UNKNOWN_SIGNER,
  PYTHIA_ERR_WRONG_DIFFICULTY,
  PYTHIA_ERR_CHECKPOINT_NEEDED,
  PYTHIA_ERR_STALE_HEADER,
  PYTHIA_ERR_FUTURE_HEADER,
  PYTHIA_ERR_BAD_ACCOUNT_PROOF,
  PYTHIA_ERR_NO_CONTRACT,
  PYTHIA_ERR_BAD_STORAGE_PROOF,
  PYTHIA_ERR_NOT_A_CHECKPOINT,
  /* A checkpoint sealed by a validator the device does not trust yet, not (or not rightly) vouched for. */
  PYTHIA_ERR_UNVOUCHED_CHECKPOINT,
  /* The gateway's answer is not a status proof's shape (askStatusProof's malformed_proof). */
  PYTHIA_ERR_MALFORMED_PROOF,
  /* A stored trust refused by pythia_clique_trust_decode (docs/sdk-c.md, "The stored trust"). */
  PYTHIA_ERR_TRUST_TRUNCATED,
  PYTHIA_ERR_TRUST_UNKNOWN_FORMAT,
  PYTHIA_ERR_TRUST_CORRUPTED,
  PYTHIA_ERR_TRUST_FOREIGN,
  PYTHIA_ERR_TRUST_INVALID,
  /* A status proof whose claims are not of the device's record: another account than the fleet, not exactly one storage key, or
     not the device's record slot (pythia_proof_body_claims; verifyFleetRecordProof's wrong_proof). Last, so that the values above stay. */
  PYTHIA_ERR_WRONG_PROOF
} pythia_result;

/** The reason as the TypeScript SDK and the gateway spell it ("bad_cose", "stale_answer", ...). */
const char *pythia_reason(pythia_result result);

/* ---------------------------------------------------------------- crypto context */

/** Bytes of the libsecp256k1 context kept inside pythia_crypto (checked at run time). */
#define PYTHIA_SECP256K1_CONTEXT_BYTES 224

/**
 * The libsecp256k1 context, in memory the application owns (secp256k1_context_preallocated_create:
 * no malloc). One per device; the tables are constant and live in flash.
 */
typedef struct {
  union {
    unsigned char bytes[PYTHIA_SECP256K1_CONTEXT_BYTES];
    uint64_t align_u64;
    void *align_ptr;
  } secp256k1;
  void *context;
} pythia_crypto;

/** Builds the context; `seed32` (optional, NULL for none) randomises the signing blinding. */
pythia_result pythia_crypto_init(pythia_crypto *crypto, const uint8_t seed32[32]);

void pythia_keccak256(const uint8_t *data, size_t length, uint8_t out[32]);
void pythia_sha256(const uint8_t *data, size_t length, uint8_t out[32]);

/** Streaming SHA-256 (libsecp256k1's), for firmware images read in chunks. */
typedef struct {
  uint32_t s[8];
  unsigned char buf[64];
  uint64_t bytes;
} pythia_sha256_state;
void pythia_sha256_init(pythia_sha256_state *state);
void pythia_sha256_update(pythia_sha256_state *state, const uint8_t *data, size_t length);
void pythia_sha256_final(pythia_sha256_state *state, uint8_t out[32]);

/* ---------------------------------------------------------------- platform */

/** Which gateway route a request goes to. */
typedef enum {
  PYTHIA_ROUTE_READINGS,  /* POST /v1/readings, application/json */
  PYTHIA_ROUTE_QUESTIONS  /* POST /v1/questions, application/cbor */
} pythia_route;

/**
 * What the application provides. Each callback returns 0 on success. `user` is passed back as is.
 * - load_private_key: writes the device's 32-byte secp256k1 key (from its secure storage); the SDK
 *   wipes its copy as soon as it has signed.
 * - now: Unix seconds.
 * - random: fills `out` with `length` bytes from a cryptographic RNG (challenges).
 * - exchange: sends `body` to the gateway's `route` and writes the response body into `response`
 *   (at most `capacity` bytes; its length in *response_length) and the HTTP status in *status
 *   (over MQTT: the ack's status; 200 for an answer). Optional for code that only signs and verifies.
 */
typedef struct {
  void *user;
  int (*load_private_key)(void *user, uint8_t out[32]);
  int (*now)(void *user, uint64_t *unix_seconds);
  int (*random)(void *user, uint8_t *out, size_t length);
  int (*exchange)(void *user, pythia_route route, const uint8_t *body, size_t length, uint8_t *response, size_t capacity,
                  size_t *response_length, int *status);
} pythia_platform;

#ifdef PYTHIA_EXTERNAL_ECC
/*
 * Built with PYTHIA_EXTERNAL_ECC, the SDK compiles no elliptic-curve code: the application supplies
 * secp256k1 from its own hardware or library (a secure element that keeps the key, an accelerator,
 * the RTOS's crypto service). Each returns 0 on success, except verify (1 = valid).
 * - public key: the device key's X ‖ Y;
 * - sign: ECDSA of the 32-byte digest with the device key: r ‖ s with s in the lower half, and the
 *   recovery id (0 or 1) of that (r, s). RFC 6979 nonces make it deterministic (the test vectors
 *   need that); any nonce gives a valid signature;
 * - verify: ECDSA over secp256k1 of r ‖ s (already checked: in range, low s) against X ‖ Y.
 */
int pythia_ecc_public_key(const pythia_platform *platform, uint8_t public_key[64]);
int pythia_ecc_sign(const pythia_platform *platform, const uint8_t digest[32], uint8_t signature[64], int *recid);
int pythia_ecc_verify(const uint8_t public_key[64], const uint8_t digest[32], const uint8_t signature[64]);
/** Public key (X ‖ Y) that signed `digest` with the 64-byte r ‖ s and recovery id 0/1: 1 if one recovers, else 0 (chain proofs). */
int pythia_ecc_recover(const uint8_t digest[32], const uint8_t signature[64], int recid, uint8_t public_key[64]);
#endif

/* ---------------------------------------------------------------- identity, readings, registration */

/** A device's public identity: the 64-byte X ‖ Y and its id (the last 20 bytes of keccak256(X ‖ Y)). */
typedef struct {
  uint8_t public_key[64];
  uint8_t id[20];
} pythia_device_key;

/** Derives the public key and the id from the key the platform stores. */
pythia_result pythia_device_key_load(const pythia_crypto *crypto, const pythia_platform *platform, pythia_device_key *key);

/** The id of a 64-byte public key X ‖ Y. */
void pythia_device_id(const uint8_t public_key[64], uint8_t id[20]);

/** "0x" + 40 hex digits in EIP-55 checksum case, NUL-terminated (43 bytes). */
void pythia_address_checksum(const uint8_t address[20], char out[43]);

/** The EIP-712 domain of readings: name "Pythia", version "1", the chain id and the fleet contract. */
typedef struct {
  uint64_t chain_id;
  uint8_t verifying_contract[20];
} pythia_domain;

/** keccak256 of the domain's EIP-712 encoding: compute it once per deployment. */
void pythia_domain_separator(const pythia_domain *domain, uint8_t out[32]);

/** The EIP-712 digest of Reading(address device,uint64 sequence,uint64 timestamp,bytes payload). */
void pythia_reading_digest(const uint8_t domain_separator[32], const uint8_t device[20], uint64_t sequence, uint64_t timestamp,
                           const uint8_t *payload, size_t payload_length, uint8_t out[32]);

/** Signs a 32-byte digest with the device key: 65 bytes r ‖ s ‖ v, RFC 6979, low s, v 27 or 28. */
pythia_result pythia_sign_digest(const pythia_crypto *crypto, const pythia_platform *platform, const uint8_t digest[32],
                                 uint8_t signature[65]);

/** The payload of metric values: big-endian two's complement int16 each. */
pythia_result pythia_encode_metrics(const int16_t *metrics, size_t count, uint8_t *out, size_t capacity, size_t *length);

/**
 * Signs a reading and writes the JSON body of POST /v1/readings into `out` (NUL-terminated; its
 * length without the NUL in *length). Payloads are at most 256 bytes (the gateway's cap).
 */
pythia_result pythia_reading_json(const pythia_crypto *crypto, const pythia_platform *platform, const pythia_device_key *key,
                                  const uint8_t domain_separator[32], uint64_t sequence, uint64_t timestamp, const uint8_t *payload,
                                  size_t payload_length, char *out, size_t capacity, size_t *length);

/**
 * The registration request (docs/protocol.md): { deviceId, publicKey, classId, metadata?, proof },
 * where proof is the personal_sign of the registration text. `metadata_json` is a JSON object the
 * caller vouches for (written as is), or NULL.
 */
pythia_result pythia_registration_request_json(const pythia_crypto *crypto, const pythia_platform *platform,
                                               const pythia_device_key *key, uint32_t class_id, const char *metadata_json, char *out,
                                               size_t capacity, size_t *length);

/* ---------------------------------------------------------------- questions and answers */

#define PYTHIA_QUESTION_DEVICE_STATUS 1
#define PYTHIA_QUESTION_FIRMWARE_APPROVED 3
#define PYTHIA_MIN_CHALLENGE 8
#define PYTHIA_MAX_CHALLENGE 32

/** What a device asks: the question and its parameters. */
typedef struct {
  uint32_t question; /* PYTHIA_QUESTION_DEVICE_STATUS or PYTHIA_QUESTION_FIRMWARE_APPROVED */
  uint8_t device[20]; /* the subject (status) or the installing device (firmware) */
  uint16_t class_id;  /* firmware: the release's class */
  uint64_t sequence;  /* firmware: the release's sequence (≥ 1) */
} pythia_question;

/**
 * A signed question (COSE_Sign1, ES256K, kid = device id) over the request payload
 * {1: question, 2: params, 4: challenge, 8: chain id, 9: device, 10: sequence}: the body of
 * POST /v1/questions (application/cbor). `sequence` is the device's question counter.
 */
pythia_result pythia_question_request(const pythia_crypto *crypto, const pythia_platform *platform, const pythia_device_key *key,
                                      uint64_t chain_id, const pythia_question *question, const uint8_t *challenge,
                                      size_t challenge_length, uint64_t sequence, uint8_t *out, size_t capacity, size_t *length);

/** A Pythia key the device trusts (from its provisioning bundle: not revoked, attested if the bundle requires it). */
typedef struct {
  uint8_t address[20];
  uint8_t public_key[64];
} pythia_trusted_key;

/** What a device accepts: its trusted keys, its chain and the bundle's freshness bounds. */
typedef struct {
  const pythia_trusted_key *keys;
  size_t key_count;
  uint64_t chain_id;
  /* Refuse an answer read more than max_age_blocks before current_block (when has_current_block). */
  uint64_t max_age_blocks;
  int has_current_block;
  uint64_t current_block;
  /* Refuse an answer signed more than max_age_seconds before now (when check_time). */
  uint64_t max_age_seconds;
  int check_time;
  uint64_t now;
} pythia_answer_policy;

typedef enum { PYTHIA_STATUS_NONE = 0, PYTHIA_STATUS_ACTIVE = 1, PYTHIA_STATUS_SUSPENDED = 2, PYTHIA_STATUS_REVOKED = 3 } pythia_status;

typedef struct {
  uint8_t status; /* pythia_status */
  uint16_t class_id;
  uint64_t last_sequence;
  uint32_t flags;
  uint8_t auto_suspensions;
  uint32_t profile_version;
} pythia_device_status;

typedef struct {
  int approved;
  uint8_t reason; /* 0 approved, 1 unknown_release, 2 device_not_active, 3 wrong_class, 4 revoked, 5 not_newer, 6 owner_approval_missing */
  uint64_t sequence;
  uint8_t digest[32];
  uint64_t size;
} pythia_firmware_answer;

/** A verified answer. */
typedef struct {
  uint32_t question;
  uint64_t block_number;
  uint8_t block_hash[32];
  uint64_t time;
  uint64_t chain_id;
  uint8_t signer[20];
  union {
    pythia_device_status status;
    pythia_firmware_answer firmware;
  } answer;
} pythia_answer;

/**
 * Verifies a signed answer with one ECDSA verification, in the order of the TypeScript SDK:
 * COSE structure (bad_cose), algorithm, trusted kid, signature and low s, payload, challenge,
 * question and parameters, chain, freshness.
 */
pythia_result pythia_verify_answer(const pythia_crypto *crypto, const uint8_t *cose, size_t cose_length, const uint8_t *challenge,
                                   size_t challenge_length, const pythia_question *asked, const pythia_answer_policy *policy,
                                   pythia_answer *out);

/* ---------------------------------------------------------------- status guard */

/**
 * Acts on verified status answers only: a gateway's 403 alone never halts a device, a signed
 * answer saying suspended does (until one says active), revoked does for good.
 */
typedef struct {
  uint8_t halted; /* 0, PYTHIA_STATUS_SUSPENDED or PYTHIA_STATUS_REVOKED */
  int has_block;
  uint64_t highest_block; /* newest block seen in a verified answer: the freshness reference */
} pythia_status_guard;

void pythia_status_guard_init(pythia_status_guard *guard);
/** Applies a verified answer about the device itself. */
void pythia_status_guard_apply(pythia_status_guard *guard, const pythia_answer *verified);
/** PYTHIA_OK while the device may send readings, else PYTHIA_ERR_HALTED. */
pythia_result pythia_status_guard_check(const pythia_status_guard *guard);

/* ---------------------------------------------------------------- firmware */

/** A firmware check in progress: the verified release, and the image's hash so far. */
typedef struct {
  uint64_t size;
  uint64_t received;
  uint8_t digest[32];
  uint64_t sequence;
  pythia_sha256_state sha256;
  int failed;
} pythia_firmware_check;

/**
 * Starts the device side of a firmware update (checkFirmwareImage): the release is for this class
 * and newer than what runs, the answer to firmware_approved is genuine, fresh and approved, and its
 * sequence is the release's. Then feed the image (pythia_firmware_check_update) and finish.
 */
pythia_result pythia_firmware_check_begin(pythia_firmware_check *check, const pythia_crypto *crypto, const uint8_t *cose,
                                          size_t cose_length, const uint8_t *challenge, size_t challenge_length,
                                          const pythia_answer_policy *policy, const uint8_t device[20], uint16_t class_id,
                                          uint64_t running_sequence, uint16_t release_class_id, uint64_t release_sequence);
/** Adds image bytes; more bytes than the release's size stop the check (too_large). */
pythia_result pythia_firmware_check_update(pythia_firmware_check *check, const uint8_t *chunk, size_t length);
/** The image is exactly the release's size with the release's SHA-256: safe to install. */
pythia_result pythia_firmware_check_finish(pythia_firmware_check *check);

/* ---------------------------------------------------------------- device round trips (platform.exchange) */

/**
 * Asks the Pythia a question through platform.exchange with a fresh challenge (platform.random)
 * and verifies the answer (pythia_verify_answer; policy.now from platform.now when check_time).
 * `sequence` is the device's question counter (strictly increasing).
 */
pythia_result pythia_ask(const pythia_crypto *crypto, const pythia_platform *platform, const pythia_device_key *key,
                         const pythia_question *question, uint64_t sequence, const pythia_answer_policy *policy, uint8_t *work,
                         size_t work_capacity, pythia_answer *out);

/* ---------------------------------------------------------------- chain proofs (issue #15) */

/*
 * A device that trusts the chain, not the Pythia: a Clique header sealed by a validator it knows, and
 * an EIP-1186 proof of its record in the fleet's storage against that header's state root
 * (docs/protocol.md, "Chain proofs"; TypeScript verifyDeviceStatusProof). The proof is fed node by
 * node, so a device needs one node's buffer (at most PYTHIA_MAX_PROOF_NODE_BYTES) at a time.
 */
#define PYTHIA_MAX_HEADER_BYTES 4096
#define PYTHIA_MAX_PROOF_NODES 16
#define PYTHIA_MAX_PROOF_NODE_BYTES 532
#define PYTHIA_CLIQUE_VANITY 32
#define PYTHIA_CLIQUE_SEAL 65
#define PYTHIA_FLEET_RECORDS_SLOT 3

/** The validators the device trusts, in force from block `checkpoint` (a multiple of `epoch`) until the next checkpoint. */
typedef struct {
  const uint8_t (*validators)[20];
  size_t validator_count;
  uint64_t checkpoint;
  uint64_t epoch;
} pythia_clique_trust;

/** The device's clock and bounds: a header dated more than max_age_seconds before `now` (or max_future_seconds after), or more than max_age_blocks below highest_block, is refused. */
typedef struct {
  uint64_t now;
  uint64_t max_age_seconds;
  uint64_t max_future_seconds;
  uint64_t highest_block;
  uint64_t max_age_blocks;
} pythia_header_freshness;

typedef struct {
  uint8_t hash[32];
  uint8_t parent_hash[32];
  uint8_t state_root[32];
  uint8_t signer[20];
  uint64_t number;
  uint64_t timestamp;
  int in_turn;
  /** Signers listed in extra-data (checkpoints only). */
  size_t checkpoint_signers;
} pythia_clique_header;

/**
 * Checks a header (its RLP, as geth's debug_getRawHeader gives it) in verifyCliqueHeader's order:
 * well-formed (bad_header), in the trusted epoch (stale_header, checkpoint_needed), the seal (bad_seal:
 * low s, a signer recovers), a trusted signer (unknown_signer), the difficulty of its turn
 * (wrong_difficulty), fresh (future_header, stale_header; skipped when `freshness` is NULL).
 */
pythia_result pythia_clique_header_verify(const uint8_t *header, size_t length, const pythia_clique_trust *trust,
                                          const pythia_header_freshness *freshness, pythia_clique_header *out);

/** At most this many headers vouch for a checkpoint (and never more than the set it names). */
#define PYTHIA_MAX_VOUCHERS 16

/** A checkpoint waiting to be vouched for: the last header of the chain from it (its hash and number), and how far it got. */
typedef struct {
  uint8_t hash[32];
  uint64_t number;
  size_t count;
  /** 1 once a header sealed by a validator of the trusted set closed the chain: the checkpoint is followed. */
  int vouched;
} pythia_clique_vouching;

/**
 * The validator set of the next epoch (followCliqueCheckpoint): `header` must be the checkpoint that
 * ends the trusted epoch (block checkpoint + epoch: else not_a_checkpoint), sealed by a validator of
 * the set it names with the difficulty of its turn there (unknown_signer, wrong_difficulty). Its signer
 * list goes to `validators` (at most `capacity`; buffer_too_small), `count`, and its number to
 * `checkpoint`: the caller's next pythia_clique_trust. When its signer is not in `trust` (a validator
 * voted in during the epoch) the result is unvouched_checkpoint, the set is written but pending, and
 * `vouching` (when not NULL) is set up for pythia_clique_checkpoint_voucher.
 */
pythia_result pythia_clique_checkpoint_follow(const uint8_t *header, size_t length, const pythia_clique_trust *trust,
                                              uint8_t (*validators)[20], size_t capacity, size_t *count, uint64_t *checkpoint,
                                              pythia_clique_vouching *vouching);

/**
 * One header after a pending checkpoint, in order (checkpoint + 1, + 2, ...; one buffer at a time):
 * checked under `next` (the set the checkpoint names, from the checkpoint: pythia_clique_header_verify's
 * reasons), and the child of the one before (its parent hash; else unvouched_checkpoint). When its
 * signer is also in `trust` (the set before the checkpoint) `vouching->vouched` becomes 1 and the
 * pending set may be taken. A header after that, or past min(set size, PYTHIA_MAX_VOUCHERS), is
 * unvouched_checkpoint.
 */
pythia_result pythia_clique_checkpoint_voucher(pythia_clique_vouching *vouching, const uint8_t *header, size_t length,
                                               const pythia_clique_trust *trust, const pythia_clique_trust *next);

/*
 * The trust a device reached, kept between runs (docs/sdk-c.md, "The stored trust"): 96 + 20 n bytes,
 * big-endian, "PYCT", version 1, n, 0 0, chain id, epoch, checkpoint, keccak256(epoch ‖ the genesis
 * validators) (which chain's genesis it grew from), the n validators, then keccak256 of all before
 * (a torn or flipped byte is refused, not trusted). No allocation: the caller's buffers.
 */
#define PYTHIA_CLIQUE_TRUST_VERSION 1
#define PYTHIA_CLIQUE_TRUST_MAX_VALIDATORS 16
#define PYTHIA_CLIQUE_TRUST_BYTES(count) (96u + 20u * (count))

/**
 * `trust` in the stored format, bound to `chain_id` and to `genesis` (the bundle's trust,
 * pythia_bundle_clique_trust): invalid_argument for 0 or over 16 validators, an epoch other than the
 * genesis one, a checkpoint not a multiple of it; buffer_too_small under PYTHIA_CLIQUE_TRUST_BYTES(n).
 */
pythia_result pythia_clique_trust_encode(const pythia_clique_trust *trust, uint64_t chain_id, const pythia_clique_trust *genesis, uint8_t *out,
                                         size_t capacity, size_t *length);

/**
 * A stored trust back, checked: trust_truncated (shorter or longer than its count says),
 * trust_unknown_format (not "PYCT" version 1), trust_corrupted (its checksum), trust_foreign (another
 * chain id, epoch or genesis than the caller's), trust_invalid (0 or over 16 validators, twice the
 * same one, a checkpoint not a multiple of the epoch), buffer_too_small (over `capacity`). The
 * validators go to `validators`; `out` points at them.
 */
pythia_result pythia_clique_trust_decode(const uint8_t *in, size_t length, uint64_t chain_id, const pythia_clique_trust *genesis,
                                         uint8_t (*validators)[20], size_t capacity, pythia_clique_trust *out);

/** A Merkle-Patricia proof walked one node at a time (root first), for a 32-byte (hashed) key. */
typedef struct {
  uint8_t expected[32];
  uint8_t key[32];
  unsigned nibble;
  unsigned nodes;
  int state;
  uint8_t value[128];
  size_t value_length;
} pythia_mpt_walk;

void pythia_mpt_begin(pythia_mpt_walk *walk, const uint8_t root[32], const uint8_t key[32]);
/** Feeds the next node: 1 while the proof holds, 0 once it is broken (wrong hash, malformed, a node after the end). */
int pythia_mpt_node(pythia_mpt_walk *walk, const uint8_t *node, size_t length);
/** 1: the key is in the trie (walk->value holds its RLP value); 0: proven absent; -1: no proof (broken or incomplete). */
int pythia_mpt_result(const pythia_mpt_walk *walk);

/** The storage slot of a device's record in the fleet: keccak256(abi.encode(device, 3)) (eth_getProof's storage key; fleetRecordSlot). */
void pythia_fleet_record_slot(const uint8_t device[20], uint8_t slot[32]);

/** The proof of a device's fleet record: account nodes (key keccak256(fleet)), then storage nodes (key keccak256(slot)). */
typedef struct {
  pythia_mpt_walk walk;
  uint8_t slot[32];
  int phase;
} pythia_status_proof;

pythia_result pythia_status_proof_begin(pythia_status_proof *proof, const uint8_t state_root[32], const uint8_t fleet[20],
                                        const uint8_t device[20]);
/** One node of eth_getProof's accountProof, in order (bad_account_proof). */
pythia_result pythia_status_proof_account_node(pythia_status_proof *proof, const uint8_t *node, size_t length);
/** One node of storageProof[0].proof, in order; the first ends the account proof (no_contract, bad_account_proof, bad_storage_proof). */
pythia_result pythia_status_proof_storage_node(pythia_status_proof *proof, const uint8_t *node, size_t length);
/** The proven record (32 bytes, big-endian; zero when the device is not registered) and its status. */
pythia_result pythia_status_proof_finish(pythia_status_proof *proof, uint8_t record[32], pythia_status *status);

#ifdef __cplusplus
}
#endif

#endif
