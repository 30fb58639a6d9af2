/*
 * The provisioning bundle (docs/sdk-and-simulator.md, src/sdk/provisioningBundle.ts) read in C:
 * the chain, the contracts, the Pythia keys a device may trust, the attestation policy, the
 * freshness bounds and the gateways. No allocation: the JSON text is the caller's, the result is a
 * fixed-size struct, and every bound below refuses a bigger bundle (too_large) rather than truncate.
 */
#ifndef PYTHIA_BUNDLE_H
#define PYTHIA_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#include "pythia.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PYTHIA_BUNDLE_MAX_BYTES 8192   /* the JSON text */
#define PYTHIA_BUNDLE_MAX_DEPTH 8      /* nesting of arrays and objects (a bundle needs 3) */
#define PYTHIA_BUNDLE_MAX_KEYS 4       /* pythiaKeys */
#define PYTHIA_BUNDLE_MAX_MEASUREMENTS 4 /* attestationPolicy.allowedMeasurements */
#define PYTHIA_BUNDLE_MAX_GATEWAYS 4   /* gatewayUrls */
#define PYTHIA_BUNDLE_MAX_URL 128      /* a gateway URL, NUL included */
#define PYTHIA_BUNDLE_FIELD_MAX 64     /* the name of the refused field, NUL included */
#define PYTHIA_BUNDLE_MAX_VALIDATORS 16 /* clique.validators */

typedef enum {
  PYTHIA_BUNDLE_OK = 0,
  PYTHIA_BUNDLE_NOT_JSON,      /* not one JSON value (syntax, trailing bytes, empty) */
  PYTHIA_BUNDLE_TOO_LARGE,     /* over one of the bounds above */
  PYTHIA_BUNDLE_UNKNOWN_FIELD, /* a member the bundle does not define */
  PYTHIA_BUNDLE_INVALID_FIELD, /* missing, wrong type or wrong value */
  PYTHIA_BUNDLE_KEY_MISMATCH   /* a Pythia public key that is not the key of its address */
} pythia_bundle_result;

/** "ok", "not_json", "too_large", "unknown_field", "invalid_field", "key_mismatch". */
const char *pythia_bundle_reason(pythia_bundle_result result);

typedef struct {
  uint8_t address[20];
  uint8_t public_key[64]; /* X ‖ Y (a 65-byte 0x04 ‖ X ‖ Y in the bundle is stored without the 0x04) */
  uint8_t attested;
  uint8_t revoked;
  uint8_t measurement_length; /* 0 (none), 32 or 48 */
  uint8_t measurement[48];
} pythia_bundle_key;

typedef struct {
  uint64_t chain_id;
  uint8_t fleet[20];
  /* Optional contracts: has_* says whether the bundle names them. */
  uint8_t has_pythia_registry, has_device_ownership, has_firmware_registry, has_consent_registry;
  uint8_t pythia_registry[20], device_ownership[20], firmware_registry[20], consent_registry[20];
  pythia_bundle_key keys[PYTHIA_BUNDLE_MAX_KEYS];
  size_t key_count;
  uint8_t require_attested;
  uint8_t has_allowed_measurements;
  size_t measurement_count;
  uint8_t measurement_lengths[PYTHIA_BUNDLE_MAX_MEASUREMENTS];
  uint8_t measurements[PYTHIA_BUNDLE_MAX_MEASUREMENTS][48];
  uint64_t max_age_seconds;
  uint64_t max_age_blocks;
  size_t gateway_count;
  char gateway_urls[PYTHIA_BUNDLE_MAX_GATEWAYS][PYTHIA_BUNDLE_MAX_URL]; /* as written, NUL-terminated */
  /* The chain's Clique validators at genesis and its epoch (optional): a device that trusts the chain starts from them. */
  uint8_t has_clique;
  uint64_t clique_epoch;
  size_t validator_count;
  uint8_t validators[PYTHIA_BUNDLE_MAX_VALIDATORS][20];
} pythia_bundle;

/**
 * Validates a bundle's JSON text (`length` bytes, no NUL needed) field by field, in the order of
 * parseProvisioningBundle, into `out`. On a refusal `field` (PYTHIA_BUNDLE_FIELD_MAX bytes, may be
 * NULL) names the first bad field as the TypeScript SDK does ("pythiaKeys[0].publicKey"; "" for
 * the whole text) and `out` must not be used.
 */
pythia_bundle_result pythia_bundle_parse(const char *json, size_t length, pythia_bundle *out, char *field);

/**
 * The keys a device may trust under the bundle's policy (trustedKeysOf): never a revoked key; with
 * require_attested only attested keys, and with allowed measurements only those whose measurement
 * is listed. Writes at most `capacity` keys and returns how many.
 */
size_t pythia_bundle_trusted_keys(const pythia_bundle *bundle, pythia_trusted_key *out, size_t capacity);

/**
 * The trust a device that checks chain proofs starts from: the bundle's genesis validators at
 * checkpoint 0 (pythia_clique_header_verify, pythia_clique_checkpoint_follow). PYTHIA_ERR_ARGUMENT
 * when the bundle names no Clique validators.
 */
pythia_result pythia_bundle_clique_trust(const pythia_bundle *bundle, pythia_clique_trust *trust);

/**
 * A chain proof as the gateway sends it, JSON (GET /v1/devices/{id}/status-proof, GET
 * /v1/chain/headers/{number}), read where it lies: positions in the caller's text, which must outlive it.
 */
typedef struct {
  const char *json;
  size_t length;
  size_t header;        /* the header's string */
  size_t account_proof; /* the accountProof array */
  size_t storage_proof; /* storageProof[0].proof, 0 when storageProof is empty */
  size_t address;       /* proof.address's string */
  size_t storage_entries; /* how many storageProof entries */
  size_t storage_key, storage_value; /* storageProof[0].key's and .value's strings, 0 when storageProof is empty */
} pythia_proof_body;

/**
 * Checks the shape as askStatusProof does (parseStatusProofBody; with `with_proof` 0, a header alone
 * as askCliqueCheckpoints reads it): JSON, an object whose `header` is "0x" + hex digits, and (with
 * `with_proof`) a `proof` object with a hex `address`, an `accountProof` list of hex strings and a
 * `storageProof` list of objects with hex `key`, `value` and a `proof` list of hex strings ("0x" +
 * hex digits once JSON's escapes are decoded, as JSON.parse reads them). Anything else is
 * malformed_proof (also JSON nested deeper than PYTHIA_BUNDLE_MAX_DEPTH).
 */
pythia_result pythia_proof_body_read(const char *json, size_t length, int with_proof, pythia_proof_body *out);

/**
 * What a status proof claims beside its nodes, checked as verifyFleetRecordProof checks it, before
 * the nodes (so after the header, before pythia_status_proof_begin): `proof.address` is the fleet (40
 * hex digits, any case), `storageProof` holds exactly one entry, and its `key` is the device's record
 * slot (pythia_fleet_record_slot; 1 to 64 hex digits read as a number, so leading zeros or none).
 * Else wrong_proof. The walk itself follows the keys the device computes, so a proof passing this
 * check proves exactly what it says it proves, and both SDKs refuse the same answers.
 */
pythia_result pythia_proof_body_claims(const pythia_proof_body *body, const uint8_t fleet[20], const uint8_t device[20]);

/**
 * After pythia_status_proof_finish: the `value` storageProof[0] claims (1 to 64 hex digits, as a
 * number) is the record the nodes prove, else bad_storage_proof (the TypeScript SDK believes no
 * claimed value either: it refuses one that differs).
 */
pythia_result pythia_proof_body_value(const pythia_proof_body *body, const uint8_t record[32]);

/** The header's bytes (bad_header: an odd number of digits or over PYTHIA_MAX_HEADER_BYTES or `capacity`). */
pythia_result pythia_proof_body_header(const pythia_proof_body *body, uint8_t *out, size_t capacity, size_t *length);

/**
 * The next node of a proof list, one buffer at a time: `*cursor` starts at body->account_proof or
 * body->storage_proof. 1: a node in out (length), 0: the end of the list, -1: an odd number of digits
 * or more than `capacity` bytes (the caller's bad_account_proof or bad_storage_proof).
 */
int pythia_proof_body_node(const pythia_proof_body *body, size_t *cursor, uint8_t *out, size_t capacity, size_t *length);

#ifdef __cplusplus
}
#endif

#endif
