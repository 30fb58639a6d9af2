/*
 * Chain proofs (docs/protocol.md, "Chain proofs"; TypeScript src/sdk/chainProof): a Clique header's
 * seal checked against the validators the device knows, and an EIP-1186 proof of the device's fleet
 * record walked node by node against that header's state root. RLP and the Merkle-Patricia walk are
 * standard formats read with bounds; the cryptography is XKCP's Keccak and libsecp256k1's recovery.
 */
#include <string.h>

#include "internal.h"
#include "pythia.h"

/* keccak256(rlp([])): a Clique header has no uncles. */
static const uint8_t empty_uncle_hash[32] = {0x1d, 0xcc, 0x4d, 0xe8, 0xde, 0xc7, 0x5d, 0x7a, 0xab, 0x85, 0xb5,
                                             0x67, 0xb6, 0xcc, 0xd4, 0x1a, 0xd3, 0x12, 0x45, 0x1b, 0x94, 0x8a,
                                             0x74, 0x13, 0xf0, 0xa1, 0x42, 0xfd, 0x40, 0xd4, 0x93, 0x47};

static int all_zero(const uint8_t *b, size_t n) {
  uint8_t acc = 0;
  size_t i;
  for (i = 0; i < n; i++) acc |= b[i];
  return acc == 0;
}

/*
 * One RLP item at b[*offset] (before `end`), canonical forms only: its payload's start and length,
 * whether it is a list; *offset moves past it. Returns 0 for anything malformed or non-canonical.
 */
static int rlp_item(const uint8_t *b, size_t end, size_t *offset, int *list, size_t *start, size_t *length) {
  size_t o = *offset, l = 0, n, i;
  uint8_t p;
  if (o >= end) return 0;
  p = b[o++];
  if (p < 0x80) {
    *list = 0;
    *start = o - 1;
    *length = 1;
    *offset = o;
    return 1;
  }
  if (p <= 0xb7 || (p >= 0xc0 && p <= 0xf7)) {
    l = (size_t)(p <= 0xb7 ? p - 0x80 : p - 0xc0);
    *list = p >= 0xc0;
    if (!*list && l == 1 && (o >= end || b[o] < 0x80)) return 0; /* a single byte below 0x80 is its own encoding */
  } else {
    n = (size_t)(p <= 0xbf ? p - 0xb7 : p - 0xf7);
    *list = p >= 0xc0;
    if (n > 3 || n > end - o || b[o] == 0) return 0; /* nothing here is 16 MiB long */
    for (i = 0; i < n; i++) l = (l << 8) | b[o + i];
    o += n;
    if (l < 56) return 0;
  }
  if (l > end - o) return 0;
  *start = o;
  *length = l;
  *offset = o + l;
  return 1;
}

/* The RLP prefix of a string or list of `length` bytes; returns its size (1 to 4). */
static size_t rlp_prefix(uint8_t out[4], size_t length, int list) {
  uint8_t base = list ? 0xc0 : 0x80;
  if (length < 56) {
    out[0] = (uint8_t)(base + length);
    return 1;
  }
  if (length < 0x100) {
    out[0] = (uint8_t)(base + 56);
    out[1] = (uint8_t)length;
    return 2;
  }
  if (length < 0x10000) {
    out[0] = (uint8_t)(base + 57);
    out[1] = (uint8_t)(length >> 8);
    out[2] = (uint8_t)length;
    return 3;
  }
  out[0] = (uint8_t)(base + 58);
  out[1] = (uint8_t)(length >> 16);
  out[2] = (uint8_t)(length >> 8);
  out[3] = (uint8_t)length;
  return 4;
}

static uint64_t be_uint(const uint8_t *b, size_t n) {
  uint64_t v = 0;
  size_t i;
  for (i = 0; i < n; i++) v = (v << 8) | b[i];
  return v;
}

/* Clique header fields: exact size, or 0 for an integer of at most `max` bytes (extra-data: any). */
#define HEADER_FIELDS 16
static const uint8_t field_exact[HEADER_FIELDS] = {32, 32, 20, 32, 32, 32, 0, 0, 0, 0, 0, 0, 0, 32, 8, 0};
static const uint8_t field_max[HEADER_FIELDS] = {0, 0, 0, 0, 0, 0, 0, 32, 8, 8, 8, 8, 0, 0, 0, 32};
enum { F_UNCLE = 1, F_COINBASE = 2, F_STATE = 3, F_BLOOM = 6, F_DIFFICULTY = 7, F_NUMBER = 8, F_TIME = 11, F_EXTRA = 12, F_MIX = 13, F_NONCE = 14 };

static int validator_index(const pythia_clique_trust *trust, const uint8_t signer[20], size_t *index) {
  /* In turn: the validators sorted ascending, the one at number mod count. Count those below the signer. */
  size_t i, below = 0;
  int found = 0;
  for (i = 0; i < trust->validator_count; i++) {
    int c = memcmp(trust->validators[i], signer, 20);
    if (c == 0) found = 1;
    if (c < 0) below++;
  }
  *index = below;
  return found;
}

/*
 * verifyCliqueHeader's checks; with `next_checkpoint`, of the checkpoint that ends the trusted epoch
 * (followCliqueCheckpoint): sealed under the set the epoch's votes left, which is the set it names
 * (geth compares the two), so its signer and turn are checked against its own list; whether that
 * signer is also trusted is pythia_clique_checkpoint_follow's question.
 */
static pythia_result check_header(const uint8_t *header, size_t length, const pythia_clique_trust *trust,
                                  const pythia_header_freshness *freshness, pythia_clique_header *out, int next_checkpoint,
                                  const uint8_t **signers) {
  size_t offset = 0, start, payload, field_start[HEADER_FIELDS], field_length[HEADER_FIELDS], item_start[HEADER_FIELDS + 1];
  size_t count = 0, extra_length, signers_length, index;
  int list;
  uint8_t prefix[4], seal_hash[32], public_key[64], address_hash[32];
  pythia_keccak keccak;
  pythia_clique_trust listed;
  uint64_t number, difficulty, end;
  int in_turn, recid;
  if (header == NULL || trust == NULL || out == NULL || trust->validators == NULL || trust->validator_count == 0 || trust->epoch == 0 ||
      trust->checkpoint % trust->epoch != 0)
    return PYTHIA_ERR_ARGUMENT;
  memset(out, 0, sizeof *out);
  if (length > PYTHIA_MAX_HEADER_BYTES) return PYTHIA_ERR_BAD_HEADER;
  if (!rlp_item(header, length, &offset, &list, &payload, &start) || !list || offset != length) return PYTHIA_ERR_BAD_HEADER;
  offset = payload;
  while (offset < length) {
    size_t field_payload, field_bytes;
    if (count == HEADER_FIELDS) return PYTHIA_ERR_BAD_HEADER;
    item_start[count] = offset;
    if (!rlp_item(header, length, &offset, &list, &field_payload, &field_bytes) || list) return PYTHIA_ERR_BAD_HEADER;
    if (field_exact[count] && field_bytes != field_exact[count] && !(count == F_BLOOM)) return PYTHIA_ERR_BAD_HEADER;
    if (count == F_BLOOM && field_bytes != 256) return PYTHIA_ERR_BAD_HEADER;
    if (field_max[count] && (field_bytes > field_max[count] || (field_bytes > 0 && header[field_payload] == 0))) return PYTHIA_ERR_BAD_HEADER;
    field_start[count] = field_payload;
    field_length[count] = field_bytes;
    count++;
  }
  item_start[count] = offset;
  if (count < 15) return PYTHIA_ERR_BAD_HEADER;
  extra_length = field_length[F_EXTRA];
  if (extra_length < PYTHIA_CLIQUE_VANITY + PYTHIA_CLIQUE_SEAL) return PYTHIA_ERR_BAD_HEADER;
  signers_length = extra_length - PYTHIA_CLIQUE_VANITY - PYTHIA_CLIQUE_SEAL;
  if (signers_length % 20 != 0) return PYTHIA_ERR_BAD_HEADER;

  pythia_keccak256(header, length, out->hash);
  /* The seal hash: the same list with the seal cut from extra-data, its prefixes written anew. */
  {
    size_t extra_prefix = field_start[F_EXTRA] - item_start[F_EXTRA];
    size_t new_extra_prefix = rlp_prefix(prefix, extra_length - PYTHIA_CLIQUE_SEAL, 0);
    size_t new_payload = (length - payload) - PYTHIA_CLIQUE_SEAL - extra_prefix + new_extra_prefix;
    uint8_t list_prefix[4];
    size_t list_prefix_length = rlp_prefix(list_prefix, new_payload, 1);
    pythia_keccak256_init(&keccak);
    pythia_keccak256_update(&keccak, list_prefix, list_prefix_length);
    pythia_keccak256_update(&keccak, header + payload, item_start[F_EXTRA] - payload);
    pythia_keccak256_update(&keccak, prefix, new_extra_prefix);
    pythia_keccak256_update(&keccak, header + field_start[F_EXTRA], extra_length - PYTHIA_CLIQUE_SEAL);
    pythia_keccak256_update(&keccak, header + item_start[F_EXTRA + 1], length - item_start[F_EXTRA + 1]);
    pythia_keccak256_final(&keccak, seal_hash);
  }
  memcpy(out->parent_hash, header + field_start[0], 32);
  memcpy(out->state_root, header + field_start[F_STATE], 32);
  number = be_uint(header + field_start[F_NUMBER], field_length[F_NUMBER]);
  difficulty = field_length[F_DIFFICULTY] > 8 ? UINT64_MAX : be_uint(header + field_start[F_DIFFICULTY], field_length[F_DIFFICULTY]);
  out->number = number;
  out->timestamp = be_uint(header + field_start[F_TIME], field_length[F_TIME]);
  out->checkpoint_signers = signers_length / 20;

  if (memcmp(header + field_start[F_UNCLE], empty_uncle_hash, 32) != 0) return PYTHIA_ERR_BAD_HEADER;
  if (!all_zero(header + field_start[F_MIX], 32)) return PYTHIA_ERR_BAD_HEADER;
  if (number % trust->epoch == 0) {
    if (signers_length == 0 || !all_zero(header + field_start[F_COINBASE], 20) || !all_zero(header + field_start[F_NONCE], 8))
      return PYTHIA_ERR_BAD_HEADER;
  } else if (signers_length != 0) {
    return PYTHIA_ERR_BAD_HEADER;
  }
  if (number < trust->checkpoint) return PYTHIA_ERR_STALE_HEADER;
  end = trust->checkpoint + trust->epoch;
  if (next_checkpoint && number != end) return PYTHIA_ERR_NOT_A_CHECKPOINT;
  if (!next_checkpoint && number >= end) return PYTHIA_ERR_CHECKPOINT_NEEDED;
  *signers = header + field_start[F_EXTRA] + PYTHIA_CLIQUE_VANITY;

  {
    const uint8_t *seal = header + field_start[F_EXTRA] + extra_length - PYTHIA_CLIQUE_SEAL;
    recid = seal[64];
    if (recid > 1 || !pythia_low_s(seal + 32)) return PYTHIA_ERR_BAD_SEAL;
    if (!pythia_recover(seal_hash, seal, recid, public_key)) return PYTHIA_ERR_BAD_SEAL;
  }
  pythia_keccak256(public_key, 64, address_hash);
  memcpy(out->signer, address_hash + 12, 20);
  if (next_checkpoint) {
    listed = *trust;
    listed.validators = (const uint8_t(*)[20]) * signers;
    listed.validator_count = signers_length / 20;
    trust = &listed;
  }
  if (!validator_index(trust, out->signer, &index)) return PYTHIA_ERR_UNKNOWN_SIGNER;
  in_turn = (size_t)(number % trust->validator_count) == index;
  out->in_turn = in_turn;
  if (difficulty != (in_turn ? 2u : 1u)) return PYTHIA_ERR_WRONG_DIFFICULTY;
  if (freshness != NULL) {
    if (out->timestamp > freshness->now + freshness->max_future_seconds) return PYTHIA_ERR_FUTURE_HEADER;
    if (out->timestamp + freshness->max_age_seconds < freshness->now) return PYTHIA_ERR_STALE_HEADER;
    if (number + freshness->max_age_blocks < freshness->highest_block) return PYTHIA_ERR_STALE_HEADER;
  }
  return PYTHIA_OK;
}

pythia_result pythia_clique_header_verify(const uint8_t *header, size_t length, const pythia_clique_trust *trust,
                                          const pythia_header_freshness *freshness, pythia_clique_header *out) {
  const uint8_t *signers = NULL;
  return check_header(header, length, trust, freshness, out, 0, &signers);
}

pythia_result pythia_clique_checkpoint_follow(const uint8_t *header, size_t length, const pythia_clique_trust *trust,
                                              uint8_t (*validators)[20], size_t capacity, size_t *count, uint64_t *checkpoint,
                                              pythia_clique_vouching *vouching) {
  pythia_clique_header out;
  const uint8_t *signers = NULL;
  pythia_result result;
  size_t i;
  if (validators == NULL || count == NULL || checkpoint == NULL) return PYTHIA_ERR_ARGUMENT;
  result = check_header(header, length, trust, NULL, &out, 1, &signers);
  if (result != PYTHIA_OK) return result;
  if (out.checkpoint_signers > capacity) return PYTHIA_ERR_BUFFER;
  for (i = 0; i < out.checkpoint_signers; i++) memcpy(validators[i], signers + 20 * i, 20);
  *count = out.checkpoint_signers;
  *checkpoint = out.number;
  if (validator_index(trust, out.signer, &i)) return PYTHIA_OK;
  /* Sealed by a validator voted in during the epoch: pending until a trusted validator's header builds on it. */
  if (vouching != NULL) {
    memcpy(vouching->hash, out.hash, 32);
    vouching->number = out.number;
    vouching->count = 0;
    vouching->vouched = 0;
  }
  return PYTHIA_ERR_UNVOUCHED_CHECKPOINT;
}

pythia_result pythia_clique_checkpoint_voucher(pythia_clique_vouching *vouching, const uint8_t *header, size_t length,
                                               const pythia_clique_trust *trust, const pythia_clique_trust *next) {
  pythia_clique_header out;
  const uint8_t *signers = NULL;
  pythia_result result;
  size_t index;
  if (vouching == NULL || trust == NULL || trust->validators == NULL || next == NULL) return PYTHIA_ERR_ARGUMENT;
  if (vouching->vouched || vouching->count >= next->validator_count || vouching->count >= PYTHIA_MAX_VOUCHERS)
    return PYTHIA_ERR_UNVOUCHED_CHECKPOINT;
  result = check_header(header, length, next, NULL, &out, 0, &signers);
  if (result != PYTHIA_OK) return result;
  /* A chain from the checkpoint: the one after the last, built on it (its hash is the parent hash sealed into this one). */
  if (out.number != vouching->number + 1 || memcmp(out.parent_hash, vouching->hash, 32) != 0) return PYTHIA_ERR_UNVOUCHED_CHECKPOINT;
  memcpy(vouching->hash, out.hash, 32);
  vouching->number = out.number;
  vouching->count++;
  vouching->vouched = validator_index(trust, out.signer, &index);
  return PYTHIA_OK;
}

/* ---------------------------------------------------------------- Merkle-Patricia proof walk */

enum { WALK_ON = 0, WALK_FOUND = 1, WALK_ABSENT = 2, WALK_BROKEN = 3 };

static int key_nibble(const uint8_t key[32], unsigned i) { return i % 2 == 0 ? key[i / 2] >> 4 : key[i / 2] & 0x0f; }

void pythia_mpt_begin(pythia_mpt_walk *walk, const uint8_t root[32], const uint8_t key[32]) {
  memset(walk, 0, sizeof *walk);
  memcpy(walk->expected, root, 32);
  memcpy(walk->key, key, 32);
  walk->state = WALK_ON;
}

static void set_value(pythia_mpt_walk *walk, const uint8_t *value, size_t length) {
  if (length > sizeof walk->value) {
    walk->state = WALK_BROKEN;
    return;
  }
  memcpy(walk->value, value, length);
  walk->value_length = length;
  walk->state = WALK_FOUND;
}

/*
 * Follows one node at node[start..start+length) (an RLP list). A child reference is a 32-byte hash
 * (the next node of the proof) or, under 32 bytes, the child itself inline: followed here at once.
 */
static void walk_node(pythia_mpt_walk *walk, const uint8_t *node, size_t start, size_t length, int depth) {
  size_t offset = start, end = start + length, items[17], lengths[17], count = 0, s, l;
  int lists[17], list;
  if (depth > 2) { /* an inline node holds no inline node deep enough to matter; refuse deeper nesting */
    walk->state = WALK_BROKEN;
    return;
  }
  while (offset < end) {
    if (count == 17 || !rlp_item(node, end, &offset, &list, &s, &l)) {
      walk->state = WALK_BROKEN;
      return;
    }
    items[count] = s;
    lengths[count] = l;
    lists[count] = list;
    count++;
  }
  if (count == 17) {
    int nibble;
    if (walk->nibble >= 64) { /* secure-trie keys are 32 bytes: no value sits in a branch */
      walk->state = WALK_BROKEN;
      return;
    }
    nibble = key_nibble(walk->key, walk->nibble++);
    s = items[nibble];
    l = lengths[nibble];
    if (lists[nibble]) {
      /* An inline child: its whole encoding is under 32 bytes. */
      walk_node(walk, node, s, l, depth + 1);
    } else if (l == 0) {
      walk->state = WALK_ABSENT;
    } else if (l == 32) {
      memcpy(walk->expected, node + s, 32);
    } else {
      walk->state = WALK_BROKEN;
    }
    return;
  }
  if (count == 2 && !lists[0] && lengths[0] > 0) {
    const uint8_t *path = node + items[0];
    unsigned flag = path[0] >> 4, path_nibbles, i;
    int leaf = flag >= 2, odd = flag & 1;
    if (flag > 3 || (!odd && (path[0] & 0x0f) != 0)) {
      walk->state = WALK_BROKEN;
      return;
    }
    path_nibbles = (unsigned)(lengths[0] * 2 - 2 + (size_t)odd);
    for (i = 0; i < path_nibbles; i++) {
      unsigned at = i + (odd ? 1u : 2u);
      int p = at % 2 == 0 ? path[at / 2] >> 4 : path[at / 2] & 0x0f;
      if (walk->nibble + i >= 64 || p != key_nibble(walk->key, walk->nibble + i)) {
        walk->state = WALK_ABSENT; /* the path leaves the key: the key is not in the trie */
        return;
      }
    }
    walk->nibble += path_nibbles;
    if (leaf) {
      if (walk->nibble != 64 || lists[1]) {
        walk->state = walk->nibble != 64 ? WALK_ABSENT : WALK_BROKEN;
        return;
      }
      set_value(walk, node + items[1], lengths[1]);
      return;
    }
    if (path_nibbles == 0) {
      walk->state = WALK_BROKEN;
      return;
    }
    if (lists[1]) {
      walk_node(walk, node, items[1], lengths[1], depth + 1);
    } else if (lengths[1] == 32) {
      memcpy(walk->expected, node + items[1], 32);
    } else {
      walk->state = WALK_BROKEN;
    }
    return;
  }
  walk->state = WALK_BROKEN;
}

int pythia_mpt_node(pythia_mpt_walk *walk, const uint8_t *node, size_t length) {
  uint8_t hash[32];
  size_t offset = 0, start, payload_length;
  int list;
  if (walk->state != WALK_ON || node == NULL || length > PYTHIA_MAX_PROOF_NODE_BYTES || walk->nodes == PYTHIA_MAX_PROOF_NODES) {
    walk->state = WALK_BROKEN;
    return 0;
  }
  walk->nodes++;
  pythia_keccak256(node, length, hash);
  if (memcmp(hash, walk->expected, 32) != 0 || !rlp_item(node, length, &offset, &list, &start, &payload_length) || !list || offset != length) {
    walk->state = WALK_BROKEN;
    return 0;
  }
  walk_node(walk, node, start, payload_length, 0);
  return walk->state != WALK_BROKEN;
}

int pythia_mpt_result(const pythia_mpt_walk *walk) {
  if (walk->state == WALK_FOUND) return 1;
  if (walk->state == WALK_ABSENT) return 0;
  return -1;
}

/* ---------------------------------------------------------------- the device's fleet record */

void pythia_fleet_record_slot(const uint8_t device[20], uint8_t slot[32]) {
  uint8_t slot_input[64];
  memset(slot_input, 0, sizeof slot_input);
  memcpy(slot_input + 12, device, 20);
  slot_input[63] = PYTHIA_FLEET_RECORDS_SLOT;
  pythia_keccak256(slot_input, 64, slot);
}

pythia_result pythia_status_proof_begin(pythia_status_proof *proof, const uint8_t state_root[32], const uint8_t fleet[20],
                                        const uint8_t device[20]) {
  uint8_t key[32];
  if (proof == NULL || state_root == NULL || fleet == NULL || device == NULL) return PYTHIA_ERR_ARGUMENT;
  memset(proof, 0, sizeof *proof);
  pythia_keccak256(fleet, 20, key);
  pythia_mpt_begin(&proof->walk, state_root, key);
  /* The record slot; the storage trie's key is keccak256 of it. */
  pythia_fleet_record_slot(device, proof->slot);
  return PYTHIA_OK;
}

pythia_result pythia_status_proof_account_node(pythia_status_proof *proof, const uint8_t *node, size_t length) {
  if (proof == NULL || proof->phase != 0) return PYTHIA_ERR_ARGUMENT;
  return pythia_mpt_node(&proof->walk, node, length) ? PYTHIA_OK : PYTHIA_ERR_BAD_ACCOUNT_PROOF;
}

/* The account [nonce, balance, storageRoot, codeHash] proven by the account walk: its storage root. */
static pythia_result enter_storage(pythia_status_proof *proof) {
  size_t offset = 0, length, field = 0, s, l;
  int list, found = pythia_mpt_result(&proof->walk);
  uint8_t storage_root[32], key[32];
  const uint8_t *value = proof->walk.value;
  if (found < 0) return PYTHIA_ERR_BAD_ACCOUNT_PROOF;
  if (found == 0) return PYTHIA_ERR_NO_CONTRACT;
  /* The leaf's value is the account's RLP list. */
  length = proof->walk.value_length;
  if (!rlp_item(value, length, &offset, &list, &s, &l) || !list || offset != length) return PYTHIA_ERR_BAD_ACCOUNT_PROOF;
  offset = s;
  while (offset < s + l) {
    size_t fs, fl;
    if (!rlp_item(value, length, &offset, &list, &fs, &fl) || list) return PYTHIA_ERR_BAD_ACCOUNT_PROOF;
    if (field == 2) {
      if (fl != 32) return PYTHIA_ERR_BAD_ACCOUNT_PROOF;
      memcpy(storage_root, value + fs, 32);
    }
    field++;
  }
  if (field != 4) return PYTHIA_ERR_BAD_ACCOUNT_PROOF;
  pythia_keccak256(proof->slot, 32, key);
  pythia_mpt_begin(&proof->walk, storage_root, key);
  proof->phase = 1;
  return PYTHIA_OK;
}

pythia_result pythia_status_proof_storage_node(pythia_status_proof *proof, const uint8_t *node, size_t length) {
  pythia_result result;
  if (proof == NULL) return PYTHIA_ERR_ARGUMENT;
  if (proof->phase == 0 && (result = enter_storage(proof)) != PYTHIA_OK) return result;
  return pythia_mpt_node(&proof->walk, node, length) ? PYTHIA_OK : PYTHIA_ERR_BAD_STORAGE_PROOF;
}

pythia_result pythia_status_proof_finish(pythia_status_proof *proof, uint8_t record[32], pythia_status *status) {
  size_t offset = 0, start, length;
  int list, found;
  pythia_result result;
  if (proof == NULL || record == NULL || status == NULL) return PYTHIA_ERR_ARGUMENT;
  if (proof->phase == 0 && (result = enter_storage(proof)) != PYTHIA_OK) return result;
  found = pythia_mpt_result(&proof->walk);
  if (found < 0 || proof->walk.nodes == 0) return PYTHIA_ERR_BAD_STORAGE_PROOF;
  memset(record, 0, 32);
  if (found == 1) {
    if (!rlp_item(proof->walk.value, proof->walk.value_length, &offset, &list, &start, &length) || list ||
        offset != proof->walk.value_length || length == 0 || length > 32 || proof->walk.value[start] == 0)
      return PYTHIA_ERR_BAD_STORAGE_PROOF;
    memcpy(record + 32 - length, proof->walk.value + start, length);
  }
  /* Status: bits 248-249 of the record (contracts/src/libraries/DeviceRecords.sol), the low bits of its top byte. */
  *status = (pythia_status)(record[0] & 3);
  return PYTHIA_OK;
}
