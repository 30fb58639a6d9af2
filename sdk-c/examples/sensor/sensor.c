/*
 * An air-quality sensor built from the Pythia C SDK, for a host with POSIX sockets: it makes its
 * key, writes its registration request, then sends signed readings to the gateway over HTTP or
 * MQTT (libmosquitto), asking its Pythia for its own status before each one and stopping once a
 * verified answer says it is suspended or revoked (exit code 3). What it trusts comes from its
 * provisioning bundle (pythia bundle create): the chain, the fleet, the Pythia keys, the freshness
 * bounds and the gateway.
 *
 *   sensor keygen --key-file FILE
 *   sensor register --key-file FILE --class N [--site TEXT]
 *   sensor run --key-file FILE --bundle bundle.json [--transport http|mqtt] [--gateway HOST:PORT]
 *              [--mqtt HOST:PORT] [--mqtt-cafile FILE] [--readings N] [--first-sequence N] [--interval-ms N]
 *              [--verify answer|chain] [--trust-file FILE]
 *
 * --verify chain: the sensor trusts the chain, not its Pythia. Before each reading it asks the
 * gateway for a sealed header and the EIP-1186 proof of its fleet record (GET
 * /v1/devices/{id}/status-proof) and checks both with the SDK (pythia_clique_header_verify,
 * pythia_status_proof_*) against the Clique validators of its bundle, one proof node at a time; the
 * status it obeys is the proven one. A header past the epoch it trusts makes it follow the checkpoints
 * from there (GET /v1/chain/headers/{number}, each checked by pythia_clique_checkpoint_follow; one
 * sealed by a validator voted in is vouched for by the headers after it, pythia_clique_checkpoint_voucher,
 * `checkpoint N vouched for by K headers`). A proof it refuses stops it (exit code 4, `refused REASON`).
 * Over MQTT (--transport mqtt) it asks for both on its proof-requests topic and reads the answers on
 * its proofs topic. With --trust-file it starts from the trust it stored there at its last run
 * (trust_file.c: written atomically, checked on load; a file it refuses sends it back to the bundle's
 * genesis set) and stores the trust it reaches (a checkpoint once followed, never one still waiting
 * for its vouchers).
 *
 * --gateway defaults to the bundle's first http:// gateway URL; --mqtt (the broker, with
 * --transport mqtt) has no default: the bundle does not name it. With --mqtt-cafile the broker is
 * reached over TLS (mqtts) and its certificate checked against that CA.
 *
 * The key file holds the private key as 0x + 64 hex digits (mode 0600): a stand-in for a device's
 * secure storage. Everything printed on stdout is one fact a line: `device 0x…`, `status active
 * block N`, `reading N 202`, `halted suspended`; with --verify chain also `proof header N bytes
 * account N bytes N nodes storage N bytes N nodes` and, at the end, `memory ...`.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <mosquitto.h>

#include "pythia.h"
#include "pythia_bundle.h"
#include "trust_file.h"

/* What arrived on the device's acks or answers topic, for the exchange waiting on it. */
typedef struct {
  struct mosquitto *client;
  char readings[80], questions[80], acks[80], answers[80], proof_requests[80], proofs[80];
  int connected; /* 0 waiting, 1 accepted, -1 refused */
  int subscribed;
  int waiting_for; /* 1 acks, 2 answers, 3 proofs */
  int arrived;
  char expected_ref[48]; /* a proofs answer must start with it: {"ref":"N", */
  uint64_t proof_ref;
  uint8_t message[32768]; /* a status proof is about 3 KB of JSON; a large state's some 10 KB */
  size_t message_length;
} sensor_mqtt;

typedef struct {
  const char *key_file;
  char host[256];
  char port[16];
  sensor_mqtt mqtt;
} sensor_context;

static int fail(const char *what, const char *why) {
  fprintf(stderr, "sensor: %s: %s\n", what, why);
  return 1;
}

static int nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
static int unhex(const char *hex, uint8_t *out, size_t length) {
  size_t i;
  if (strncmp(hex, "0x", 2) != 0 || strlen(hex + 2) != 2 * length) return -1;
  for (i = 0; i < length; i++) {
    int hi = nibble(hex[2 + 2 * i]), lo = nibble(hex[3 + 2 * i]);
    if (hi < 0 || lo < 0) return -1;
    out[i] = (uint8_t)(hi * 16 + lo);
  }
  return 0;
}

/* ---- the platform: key storage (a file), clock, randomness, HTTP */

static int load_key(void *user, uint8_t out[32]) {
  const sensor_context *ctx = user;
  char text[80] = {0};
  FILE *f = fopen(ctx->key_file, "r");
  size_t n;
  int result;
  if (f == NULL) return -1;
  n = fread(text, 1, sizeof text - 1, f);
  fclose(f);
  while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r')) text[--n] = '\0';
  result = unhex(text, out, 32);
  memset(text, 0, sizeof text);
  return result;
}

static int now_seconds(void *user, uint64_t *out) {
  (void)user;
  *out = (uint64_t)time(NULL);
  return 0;
}

static int random_bytes(void *user, uint8_t *out, size_t length) {
  int fd = open("/dev/urandom", O_RDONLY);
  size_t got = 0;
  (void)user;
  if (fd < 0) return -1;
  while (got < length) {
    ssize_t n = read(fd, out + got, length - got);
    if (n <= 0) {
      close(fd);
      return -1;
    }
    got += (size_t)n;
  }
  close(fd);
  return 0;
}

static int send_all(int fd, const void *data, size_t length) {
  const char *p = data;
  while (length > 0) {
    ssize_t n = send(fd, p, length, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    p += n;
    length -= (size_t)n;
  }
  return 0;
}

/*
 * One HTTP/1.1 request per connection (Connection: close); the answer's body must come with
 * Content-Length, not chunked. `body` NULL: a GET.
 */
static int http_request(const sensor_context *ctx, const char *method, const char *path, const char *type, const uint8_t *body, size_t length,
                        uint8_t *response, size_t capacity, size_t *response_length, int *status) {
  static char raw[32768]; /* a status proof is about 3 KB of JSON; a large state's proof some 10 KB */
  struct addrinfo hints, *addresses = NULL, *a;
  char head[512];
  size_t got = 0;
  int fd = -1, n;
  char *end, *body_start;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  if (getaddrinfo(ctx->host, ctx->port, &hints, &addresses) != 0) return -1;
  for (a = addresses; a != NULL; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd >= 0 && connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
    if (fd >= 0) close(fd);
    fd = -1;
  }
  freeaddrinfo(addresses);
  if (fd < 0) return -1;
  if (body != NULL)
    n = snprintf(head, sizeof head, "%s %s HTTP/1.1\r\nHost: %s:%s\r\nContent-Type: %s\r\nAccept: %s\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
                 method, path, ctx->host, ctx->port, type, type, length);
  else
    n = snprintf(head, sizeof head, "%s %s HTTP/1.1\r\nHost: %s:%s\r\nAccept: %s\r\nConnection: close\r\n\r\n", method, path, ctx->host,
                 ctx->port, type);
  if (n <= 0 || (size_t)n >= sizeof head || send_all(fd, head, (size_t)n) != 0 || (body != NULL && send_all(fd, body, length) != 0)) {
    close(fd);
    return -1;
  }
  for (;;) {
    ssize_t r = recv(fd, raw + got, sizeof raw - 1 - got, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      close(fd);
      return -1;
    }
    if (r == 0) break;
    got += (size_t)r;
    if (got == sizeof raw - 1) break;
  }
  close(fd);
  raw[got] = '\0';
  if (sscanf(raw, "HTTP/1.1 %d", status) != 1) return -1;
  end = NULL;
  for (body_start = raw; body_start + 3 < raw + got; body_start++) {
    if (memcmp(body_start, "\r\n\r\n", 4) == 0) {
      end = body_start + 4;
      break;
    }
  }
  if (end == NULL) return -1;
  {
    /* Headers are case-insensitive; a chunked body is not what this small client reads. */
    size_t i;
    for (i = 0; raw + i < end; i++)
      if (strncasecmp(raw + i, "transfer-encoding: chunked", 26) == 0) return -1;
  }
  if ((size_t)(raw + got - end) > capacity) return -1;
  memcpy(response, end, (size_t)(raw + got - end));
  *response_length = (size_t)(raw + got - end);
  return 0;
}

static int exchange(void *user, pythia_route route, const uint8_t *body, size_t length, uint8_t *response, size_t capacity,
                    size_t *response_length, int *status) {
  const sensor_context *ctx = user;
  return route == PYTHIA_ROUTE_READINGS
             ? http_request(ctx, "POST", "/v1/readings", "application/json", body, length, response, capacity, response_length, status)
             : http_request(ctx, "POST", "/v1/questions", "application/cbor", body, length, response, capacity, response_length, status);
}

/* ---- --verify chain: the status proven by a sealed header and an EIP-1186 proof (docs/protocol.md "Chain proofs") */

static int chain_get_mqtt(sensor_context *ctx, const char *path, uint8_t *response, size_t capacity, size_t *response_length, int *status);

/*
 * What --verify chain reads from the gateway, by the sensor's transport: over HTTP a GET of `path`
 * (/v1/devices/{id}/status-proof, /v1/chain/headers/{n}); over MQTT the same on its proof-requests
 * topic, answered on its proofs topic. The body is the same JSON either way (MQTT adds ref and status).
 */
static int chain_get(sensor_context *ctx, const char *path, uint8_t *response, size_t capacity, size_t *response_length, int *status) {
  if (ctx->mqtt.client != NULL) return chain_get_mqtt(ctx, path, response, capacity, response_length, status);
  return http_request(ctx, "GET", path, "application/json", NULL, 0, response, capacity, response_length, status);
}

/* --trust-file: the trust the sensor reached, kept between runs (trust_file.c); the bundle's genesis trust it is bound to. */
typedef struct {
  const char *path;
  pythia_clique_trust genesis; /* its validators are the bundle's */
  uint64_t chain_id, checkpoint; /* the checkpoint of the file as it is now */
} stored_trust;

/* What the device keeps between proofs: the trust it follows and the highest block it has verified. */
typedef struct {
  pythia_clique_trust trust;
  uint8_t validators[PYTHIA_BUNDLE_MAX_VALIDATORS][20]; /* the set trust.validators points at */
  uint64_t max_age_seconds, max_age_blocks, highest_block;
  unsigned checkpoints_followed;
  uint8_t fleet[20];
  size_t largest_header, largest_account, largest_storage;
  stored_trust stored;
} chain_view;

/*
 * Feeds the nodes of a proof list (`cursor` at it) to `feed`, one node at a time through a single
 * node buffer: the device never holds more than one node. Returns the first refusal; *bytes and
 * *nodes count what went through.
 */
static pythia_result feed_nodes(const pythia_proof_body *json, size_t cursor, pythia_status_proof *proof,
                                pythia_result (*feed)(pythia_status_proof *, const uint8_t *, size_t), pythia_result refused, size_t *bytes,
                                size_t *nodes) {
  static uint8_t node[PYTHIA_MAX_PROOF_NODE_BYTES];
  size_t length;
  int more;
  pythia_result r;
  *bytes = 0;
  *nodes = 0;
  while ((more = pythia_proof_body_node(json, &cursor, node, sizeof node, &length)) == 1) {
    if ((r = feed(proof, node, length)) != PYTHIA_OK) return r;
    *bytes += length;
    (*nodes)++;
  }
  return more < 0 ? refused : PYTHIA_OK; /* odd hex, or longer than any node a proof may hold */
}

/* GET /v1/chain/headers/{number}: the sealed header's bytes, read as askCliqueCheckpoints reads them. */
static pythia_result fetch_header(sensor_context *ctx, uint64_t number, uint8_t *header, size_t *length) {
  static uint8_t body[8192];
  char path[64];
  size_t body_length;
  int http;
  pythia_proof_body json;
  pythia_result r;
  snprintf(path, sizeof path, "/v1/chain/headers/%llu", (unsigned long long)number);
  if (chain_get(ctx, path, body, sizeof body - 1, &body_length, &http) != 0) return PYTHIA_ERR_PLATFORM;
  body[body_length] = '\0';
  if (http != 200) {
    fprintf(stderr, "sensor: header %llu: HTTP %d %s\n", (unsigned long long)number, http, (const char *)body);
    return PYTHIA_ERR_PLATFORM;
  }
  if ((r = pythia_proof_body_read((const char *)body, body_length, 0, &json)) != PYTHIA_OK) return r;
  return pythia_proof_body_header(&json, header, PYTHIA_MAX_HEADER_BYTES, length);
}

/*
 * The next checkpoint (checkpoint + epoch), followed with the SDK: it names the set of the next
 * epoch. Sealed by a validator voted in during the epoch (not trusted yet), it is taken once the
 * headers after it, fetched one at a time, lead to one sealed by a validator the device trusts.
 */
static pythia_result follow_checkpoint(sensor_context *ctx, chain_view *view) {
  static uint8_t header[PYTHIA_MAX_HEADER_BYTES];
  static uint8_t next[PYTHIA_BUNDLE_MAX_VALIDATORS][20];
  size_t length, count;
  uint64_t checkpoint;
  pythia_clique_vouching vouching;
  pythia_clique_trust pending;
  pythia_result r;
  if ((r = fetch_header(ctx, view->trust.checkpoint + view->trust.epoch, header, &length)) != PYTHIA_OK) return r;
  r = pythia_clique_checkpoint_follow(header, length, &view->trust, next, PYTHIA_BUNDLE_MAX_VALIDATORS, &count, &checkpoint, &vouching);
  if (r == PYTHIA_ERR_UNVOUCHED_CHECKPOINT) {
    pending = view->trust;
    pending.validators = (const uint8_t(*)[20])next;
    pending.validator_count = count;
    pending.checkpoint = checkpoint;
    r = PYTHIA_OK;
    while (r == PYTHIA_OK && !vouching.vouched) {
      /* No header past the bound is fetched: the SDK would refuse it anyway. */
      if (vouching.count >= count || vouching.count >= PYTHIA_MAX_VOUCHERS) r = PYTHIA_ERR_UNVOUCHED_CHECKPOINT;
      else if ((r = fetch_header(ctx, checkpoint + vouching.count + 1, header, &length)) == PYTHIA_OK)
        r = pythia_clique_checkpoint_voucher(&vouching, header, length, &view->trust, &pending);
    }
    if (r == PYTHIA_OK) printf("checkpoint %llu vouched for by %zu headers\n", (unsigned long long)checkpoint, vouching.count);
  }
  if (r != PYTHIA_OK) return r;
  memcpy(view->validators, next, count * 20);
  view->trust.validators = (const uint8_t(*)[20])view->validators;
  view->trust.validator_count = count;
  view->trust.checkpoint = checkpoint;
  view->checkpoints_followed++;
  return PYTHIA_OK;
}

/*
 * GET /v1/devices/{id}/status-proof and its check: the answer's shape (malformed_proof), the
 * header's seal against the trusted validators and its freshness, then the proof of the device's
 * own record against the header's state root. PYTHIA_OK with the proven status; else the refusal.
 */
static pythia_result chain_status(sensor_context *ctx, chain_view *view, const pythia_device_key *key, pythia_status *status, uint64_t *block) {
  static uint8_t body[32768];
  static uint8_t header[PYTHIA_MAX_HEADER_BYTES];
  char path[96], id[43];
  size_t body_length, header_length, account_bytes, account_nodes, storage_bytes, storage_nodes, i;
  int http;
  uint64_t now;
  uint8_t record[32];
  pythia_proof_body json;
  pythia_clique_header verified;
  pythia_header_freshness freshness;
  pythia_status_proof proof;
  pythia_result r;
  pythia_address_checksum(key->id, id);
  for (i = 2; id[i]; i++)
    if (id[i] >= 'A' && id[i] <= 'F') id[i] = (char)(id[i] - 'A' + 'a');
  snprintf(path, sizeof path, "/v1/devices/%s/status-proof", id);
  if (chain_get(ctx, path, body, sizeof body - 1, &body_length, &http) != 0) return PYTHIA_ERR_PLATFORM;
  body[body_length] = '\0';
  if (http != 200) {
    fprintf(stderr, "sensor: status proof: HTTP %d %s\n", http, (const char *)body);
    return PYTHIA_ERR_PLATFORM;
  }
  if ((r = pythia_proof_body_read((const char *)body, body_length, 1, &json)) != PYTHIA_OK) return r;
  if ((r = pythia_proof_body_header(&json, header, sizeof header, &header_length)) != PYTHIA_OK) return r;
  now_seconds(NULL, &now);
  memset(&freshness, 0, sizeof freshness);
  freshness.now = now;
  freshness.max_age_seconds = view->max_age_seconds;
  freshness.max_future_seconds = 30;
  freshness.highest_block = view->highest_block;
  freshness.max_age_blocks = view->max_age_blocks;
  r = pythia_clique_header_verify(header, header_length, &view->trust, &freshness, &verified);
  /* A header past the trusted epoch: follow the checkpoints up to it, then check it again. */
  while (r == PYTHIA_ERR_CHECKPOINT_NEEDED && view->trust.checkpoint + view->trust.epoch <= verified.number) {
    if ((r = follow_checkpoint(ctx, view)) != PYTHIA_OK) return r;
    r = pythia_clique_header_verify(header, header_length, &view->trust, &freshness, &verified);
  }
  if (r != PYTHIA_OK) return r;
  /* A proof of another account or key, or of more than one key (wrong_proof), is refused before any node is walked, as verifyFleetRecordProof does. */
  if ((r = pythia_proof_body_claims(&json, view->fleet, key->id)) != PYTHIA_OK) return r;
  pythia_status_proof_begin(&proof, verified.state_root, view->fleet, key->id);
  r = feed_nodes(&json, json.account_proof, &proof, pythia_status_proof_account_node, PYTHIA_ERR_BAD_ACCOUNT_PROOF, &account_bytes, &account_nodes);
  if (r != PYTHIA_OK) return r;
  r = feed_nodes(&json, json.storage_proof, &proof, pythia_status_proof_storage_node, PYTHIA_ERR_BAD_STORAGE_PROOF, &storage_bytes, &storage_nodes);
  if (r != PYTHIA_OK) return r;
  if ((r = pythia_status_proof_finish(&proof, record, status)) != PYTHIA_OK) return r;
  /* The value it claims must be the one it proves (bad_storage_proof). */
  if ((r = pythia_proof_body_value(&json, record)) != PYTHIA_OK) return r;
  if (verified.number > view->highest_block) view->highest_block = verified.number;
  if (header_length > view->largest_header) view->largest_header = header_length;
  if (account_bytes > view->largest_account) view->largest_account = account_bytes;
  if (storage_bytes > view->largest_storage) view->largest_storage = storage_bytes;
  printf("proof header %zu bytes account %zu bytes %zu nodes storage %zu bytes %zu nodes (checkpoint %llu, %zu validators, %u checkpoints followed)\n",
         header_length, account_bytes, account_nodes, storage_bytes, storage_nodes, (unsigned long long)view->trust.checkpoint,
         view->trust.validator_count, view->checkpoints_followed);
  *block = verified.number;
  return PYTHIA_OK;
}

/* ---- MQTT (docs/protocol.md "MQTT"): publish on the device's readings/questions topic, wait for its acks/answers */

static void on_connect(struct mosquitto *client, void *user, int rc) {
  sensor_context *ctx = user;
  (void)client;
  ctx->mqtt.connected = rc == 0 ? 1 : -1;
  if (rc != 0) fprintf(stderr, "sensor: the broker refused the login: %s\n", mosquitto_connack_string(rc));
}

static void on_subscribe(struct mosquitto *client, void *user, int mid, int count, const int *granted) {
  sensor_context *ctx = user;
  int i;
  (void)client;
  (void)mid;
  ctx->mqtt.subscribed = 1;
  for (i = 0; i < count; i++)
    if (granted[i] > 2) ctx->mqtt.subscribed = -1; /* 0x80: the broker refused this device its own topic */
}

static void on_message(struct mosquitto *client, void *user, const struct mosquitto_message *message) {
  sensor_context *ctx = user;
  int kind = strcmp(message->topic, ctx->mqtt.acks) == 0      ? 1
             : strcmp(message->topic, ctx->mqtt.answers) == 0 ? 2
             : strcmp(message->topic, ctx->mqtt.proofs) == 0  ? 3
                                                              : 0;
  (void)client;
  if (kind == 0 || kind != ctx->mqtt.waiting_for || ctx->mqtt.arrived) return;
  if (message->payloadlen < 0 || (size_t)message->payloadlen >= sizeof ctx->mqtt.message) return; /* not an answer this client reads */
  /* A proofs answer for an earlier request (a redelivery, a timed-out one) is not this one's. */
  if (kind == 3 && ((size_t)message->payloadlen < strlen(ctx->mqtt.expected_ref) ||
                    memcmp(message->payload, ctx->mqtt.expected_ref, strlen(ctx->mqtt.expected_ref)) != 0))
    return;
  memcpy(ctx->mqtt.message, message->payload, (size_t)message->payloadlen);
  ctx->mqtt.message[message->payloadlen] = '\0';
  ctx->mqtt.message_length = (size_t)message->payloadlen;
  ctx->mqtt.arrived = 1;
}

/* Runs the client's network loop until *flag is non-zero or `seconds` pass. */
static int mqtt_wait(sensor_context *ctx, const int *flag, int seconds) {
  time_t deadline = time(NULL) + seconds;
  while (*flag == 0 && time(NULL) < deadline) {
    int rc = mosquitto_loop(ctx->mqtt.client, 200, 1);
    if (rc != MOSQ_ERR_SUCCESS) return -1;
  }
  return *flag > 0 ? 0 : -1;
}

/* The first "status": <number> of a JSON ack or refusal (the top-level one, written first by the gateway). */
static int json_status(const uint8_t *body, size_t length, int *status) {
  char text[2049];
  const char *at;
  if (length >= sizeof text) return -1;
  memcpy(text, body, length);
  text[length] = '\0';
  at = strstr(text, "\"status\":");
  return at != NULL && sscanf(at + 9, " %d", status) == 1 ? 0 : -1;
}

/* A proof request (docs/protocol.md "MQTT"): {"ref":"N","proof":"status"} or {"ref":"N","proof":"header","number":"M"}; the answer starts {"ref":"N","status":S. */
static int chain_get_mqtt(sensor_context *ctx, const char *path, uint8_t *response, size_t capacity, size_t *response_length, int *status) {
  static const char headers[] = "/v1/chain/headers/";
  char request[128];
  int n, mid;
  ctx->mqtt.proof_ref++;
  if (strncmp(path, headers, sizeof headers - 1) == 0)
    n = snprintf(request, sizeof request, "{\"ref\":\"%llu\",\"proof\":\"header\",\"number\":\"%s\"}", (unsigned long long)ctx->mqtt.proof_ref,
                 path + sizeof headers - 1);
  else
    n = snprintf(request, sizeof request, "{\"ref\":\"%llu\",\"proof\":\"status\"}", (unsigned long long)ctx->mqtt.proof_ref);
  if (n <= 0 || (size_t)n >= sizeof request) return -1;
  snprintf(ctx->mqtt.expected_ref, sizeof ctx->mqtt.expected_ref, "{\"ref\":\"%llu\",", (unsigned long long)ctx->mqtt.proof_ref);
  ctx->mqtt.waiting_for = 3;
  ctx->mqtt.arrived = 0;
  if (mosquitto_publish(ctx->mqtt.client, &mid, ctx->mqtt.proof_requests, n, request, 1, false) != MOSQ_ERR_SUCCESS) return -1;
  if (mqtt_wait(ctx, &ctx->mqtt.arrived, 30) != 0) return -1;
  if (ctx->mqtt.message_length > capacity) return -1;
  if (sscanf((const char *)ctx->mqtt.message + strlen(ctx->mqtt.expected_ref), "\"status\":%d", status) != 1) return -1;
  memcpy(response, ctx->mqtt.message, ctx->mqtt.message_length);
  *response_length = ctx->mqtt.message_length;
  return 0;
}

static int exchange_mqtt(void *user, pythia_route route, const uint8_t *body, size_t length, uint8_t *response, size_t capacity,
                         size_t *response_length, int *status) {
  sensor_context *ctx = user;
  int mid;
  ctx->mqtt.waiting_for = route == PYTHIA_ROUTE_READINGS ? 1 : 2;
  ctx->mqtt.arrived = 0;
  if (mosquitto_publish(ctx->mqtt.client, &mid, route == PYTHIA_ROUTE_READINGS ? ctx->mqtt.readings : ctx->mqtt.questions, (int)length, body,
                        1, false) != MOSQ_ERR_SUCCESS)
    return -1;
  if (mqtt_wait(ctx, &ctx->mqtt.arrived, 30) != 0) return -1;
  if (ctx->mqtt.message_length > capacity) return -1;
  memcpy(response, ctx->mqtt.message, ctx->mqtt.message_length);
  *response_length = ctx->mqtt.message_length;
  /* An answer is COSE bytes (200); a refusal and every ack are JSON with the HTTP status. */
  if (route == PYTHIA_ROUTE_QUESTIONS && (ctx->mqtt.message_length == 0 || ctx->mqtt.message[0] != '{')) {
    *status = 200;
    return 0;
  }
  return json_status(ctx->mqtt.message, ctx->mqtt.message_length, status);
}

/*
 * Logs in as the device (docs/security.md "MQTT topics"): username the device id, client id the
 * device id and a random suffix, password `{unixTime}:{signature}`, the device key's EIP-191
 * signature over `pythia-mqtt:{chainId}:{clientId}:{unixTime}`; then subscribes to its acks and answers.
 */
static int mqtt_start(sensor_context *ctx, const pythia_crypto *crypto, const pythia_platform *platform, const pythia_device_key *key,
                      uint64_t chain_id, const char *cafile, int proofs) {
  char device[43], client_id[64], message[160], password[200], prefix[64];
  union {
    uint8_t bytes[256];
    uint32_t align; /* XKCP reads words: keep the hashed text aligned */
  } signed_text;
  uint8_t suffix[4], digest[32], signature[65];
  uint64_t now;
  int i, n, prefix_length;
  size_t message_length;
  int port = atoi(ctx->port);
  char *topics[3];
  pythia_address_checksum(key->id, device);
  for (i = 2; device[i]; i++)
    if (device[i] >= 'A' && device[i] <= 'F') device[i] = (char)(device[i] - 'A' + 'a');
  if (random_bytes(NULL, suffix, sizeof suffix) != 0 || now_seconds(NULL, &now) != 0) return fail("mqtt", "no randomness or clock");
  snprintf(client_id, sizeof client_id, "%s-%02x%02x%02x%02x", device, suffix[0], suffix[1], suffix[2], suffix[3]);
  n = snprintf(message, sizeof message, "pythia-mqtt:%llu:%s:%llu", (unsigned long long)chain_id, client_id, (unsigned long long)now);
  if (n <= 0 || (size_t)n >= sizeof message) return fail("mqtt", "token too long");
  message_length = (size_t)n;
  prefix_length = snprintf(prefix, sizeof prefix, "\x19" "Ethereum Signed Message:\n%zu", message_length);
  memcpy(signed_text.bytes, prefix, (size_t)prefix_length);
  memcpy(signed_text.bytes + prefix_length, message, message_length);
  pythia_keccak256(signed_text.bytes, (size_t)prefix_length + message_length, digest);
  if (pythia_sign_digest(crypto, platform, digest, signature) != PYTHIA_OK) return fail("mqtt", "could not sign the login token");
  n = snprintf(password, sizeof password, "%llu:0x", (unsigned long long)now);
  for (i = 0; i < 65; i++) n += snprintf(password + n, sizeof password - (size_t)n, "%02x", signature[i]);
  snprintf(ctx->mqtt.readings, sizeof ctx->mqtt.readings, "pythia/v1/devices/%s/readings", device);
  snprintf(ctx->mqtt.questions, sizeof ctx->mqtt.questions, "pythia/v1/devices/%s/questions", device);
  snprintf(ctx->mqtt.acks, sizeof ctx->mqtt.acks, "pythia/v1/devices/%s/acks", device);
  snprintf(ctx->mqtt.answers, sizeof ctx->mqtt.answers, "pythia/v1/devices/%s/answers", device);
  snprintf(ctx->mqtt.proof_requests, sizeof ctx->mqtt.proof_requests, "pythia/v1/devices/%s/proof-requests", device);
  snprintf(ctx->mqtt.proofs, sizeof ctx->mqtt.proofs, "pythia/v1/devices/%s/proofs", device);

  mosquitto_lib_init();
  ctx->mqtt.client = mosquitto_new(client_id, true, ctx);
  if (ctx->mqtt.client == NULL) return fail("mqtt", "no client");
  /* MQTT 3.1.1, the device protocol's version (libmosquitto's default, set to say so). */
  mosquitto_int_option(ctx->mqtt.client, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
  mosquitto_connect_callback_set(ctx->mqtt.client, on_connect);
  mosquitto_subscribe_callback_set(ctx->mqtt.client, on_subscribe);
  mosquitto_message_callback_set(ctx->mqtt.client, on_message);
  if (mosquitto_username_pw_set(ctx->mqtt.client, device, password) != MOSQ_ERR_SUCCESS) return fail("mqtt", "login");
  if (cafile != NULL && mosquitto_tls_set(ctx->mqtt.client, cafile, NULL, NULL, NULL, NULL) != MOSQ_ERR_SUCCESS)
    return fail("--mqtt-cafile", "not a readable CA file");
  if (mosquitto_connect(ctx->mqtt.client, ctx->host, port, 30) != MOSQ_ERR_SUCCESS) return fail("mqtt", "could not reach the broker");
  if (mqtt_wait(ctx, &ctx->mqtt.connected, 30) != 0) return fail("mqtt", "the broker did not accept the login");
  topics[0] = ctx->mqtt.acks;
  topics[1] = ctx->mqtt.answers;
  topics[2] = ctx->mqtt.proofs; /* --verify chain: the answers to its proof-requests */
  if (mosquitto_subscribe_multiple(ctx->mqtt.client, NULL, proofs ? 3 : 2, topics, 1, 0, NULL) != MOSQ_ERR_SUCCESS ||
      mqtt_wait(ctx, &ctx->mqtt.subscribed, 30) != 0)
    return fail("mqtt", "the broker refused the subscription to the device's acks and answers");
  return 0;
}

static void mqtt_stop(sensor_context *ctx) {
  if (ctx->mqtt.client == NULL) return;
  mosquitto_disconnect(ctx->mqtt.client);
  mosquitto_destroy(ctx->mqtt.client);
  ctx->mqtt.client = NULL;
  mosquitto_lib_cleanup();
}

/* ---- commands */

static const char *option(int argc, char **argv, const char *name, const char *fallback) {
  int i;
  for (i = 2; i + 1 < argc; i++)
    if (strcmp(argv[i], name) == 0) return argv[i + 1];
  return fallback;
}

static int number(const char *text, uint64_t *out) {
  char *end;
  unsigned long long v;
  if (text == NULL || *text == '\0') return -1;
  errno = 0;
  v = strtoull(text, &end, 10);
  if (errno != 0 || *end != '\0' || text[0] == '-') return -1;
  *out = v;
  return 0;
}

static int keygen(sensor_context *ctx, pythia_crypto *crypto, pythia_platform *platform) {
  uint8_t secret[32];
  char text[67];
  pythia_device_key key;
  char id[43];
  int fd, attempt, i;
  for (attempt = 0; attempt < 8; attempt++) {
    FILE *f;
    if (random_bytes(NULL, secret, sizeof secret) != 0) return fail("keygen", "no randomness");
    text[0] = '0';
    text[1] = 'x';
    for (i = 0; i < 32; i++) sprintf(text + 2 + 2 * i, "%02x", secret[i]);
    fd = open(ctx->key_file, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) return fail(ctx->key_file, strerror(errno));
    f = fdopen(fd, "w");
    fprintf(f, "%s\n", text);
    fflush(f);
    fsync(fd);
    fclose(f);
    memset(secret, 0, sizeof secret);
    memset(text, 0, sizeof text);
    if (pythia_device_key_load(crypto, platform, &key) == PYTHIA_OK) {
      pythia_address_checksum(key.id, id);
      printf("device %s\n", id);
      return 0;
    }
    unlink(ctx->key_file); /* not a valid secp256k1 key (probability 2^-128): draw again */
  }
  return fail("keygen", "no valid key drawn");
}

static int registration(int argc, char **argv, pythia_crypto *crypto, pythia_platform *platform) {
  pythia_device_key key;
  uint64_t class_id;
  char metadata[300], out[1024];
  const char *site = option(argc, argv, "--site", NULL);
  size_t length;
  pythia_result r;
  if (number(option(argc, argv, "--class", NULL), &class_id) != 0 || class_id > 0xffff) return fail("--class", "must be 0..65535");
  if (pythia_device_key_load(crypto, platform, &key) != PYTHIA_OK) return fail("key file", "not a valid 0x + 64 hex digit key");
  if (site != NULL) {
    const char *c;
    for (c = site; *c; c++)
      if (*c == '"' || *c == '\\' || (unsigned char)*c < 0x20) return fail("--site", "must not hold quotes, backslashes or control characters");
    if (snprintf(metadata, sizeof metadata, "{\"site\":\"%s\"}", site) >= (int)sizeof metadata) return fail("--site", "too long");
  }
  r = pythia_registration_request_json(crypto, platform, &key, (uint32_t)class_id, site ? metadata : NULL, out, sizeof out, &length);
  if (r != PYTHIA_OK) return fail("registration request", pythia_reason(r));
  printf("%s\n", out);
  return 0;
}

static void sleep_ms(uint64_t ms) {
  struct timespec t;
  t.tv_sec = (time_t)(ms / 1000);
  t.tv_nsec = (long)(ms % 1000) * 1000000L;
  while (nanosleep(&t, &t) != 0 && errno == EINTR) {
  }
}

/* The question counter: milliseconds since 1970, strictly increasing (as the TypeScript SDK's). */
static uint64_t next_question_sequence(uint64_t *last) {
  struct timespec t;
  uint64_t ms;
  clock_gettime(CLOCK_REALTIME, &t);
  ms = (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
  *last = ms > *last ? ms : *last + 1;
  return *last;
}

/* HOST:PORT into ctx->host and ctx->port. */
static int host_port(sensor_context *ctx, const char *text, size_t length) {
  const char *colon = NULL;
  size_t k;
  for (k = 0; k < length; k++)
    if (text[k] == ':') colon = text + k;
  if (colon == NULL || colon == text || (size_t)(colon - text) >= sizeof ctx->host || length - (size_t)(colon - text) - 1 >= sizeof ctx->port ||
      colon + 1 == text + length)
    return -1;
  memcpy(ctx->host, text, (size_t)(colon - text));
  ctx->host[colon - text] = '\0';
  memcpy(ctx->port, colon + 1, length - (size_t)(colon - text) - 1);
  ctx->port[length - (size_t)(colon - text) - 1] = '\0';
  return 0;
}

/* Reads and validates the provisioning bundle (pythia_bundle_parse): a refusal names the field. */
static int load_bundle(const char *path, pythia_bundle *bundle) {
  static char text[PYTHIA_BUNDLE_MAX_BYTES + 1];
  char field[PYTHIA_BUNDLE_FIELD_MAX], why[128];
  size_t length;
  pythia_bundle_result r;
  FILE *f;
  if (path == NULL) return fail("--bundle", "is required (the provisioning bundle of pythia bundle create)");
  f = fopen(path, "rb");
  if (f == NULL) return fail(path, strerror(errno));
  length = fread(text, 1, sizeof text, f);
  fclose(f);
  r = pythia_bundle_parse(text, length, bundle, field); /* one byte over the bound reads as too_large */
  if (r == PYTHIA_BUNDLE_OK) return 0;
  snprintf(why, sizeof why, "%s%s%s", pythia_bundle_reason(r), field[0] ? " " : "", field);
  return fail("bundle refused", why);
}

static int send_readings(sensor_context *ctx, const pythia_crypto *crypto, const pythia_platform *platform, const pythia_device_key *key,
                         const uint8_t separator[32], const uint8_t *payload, size_t payload_length, pythia_answer_policy *policy,
                         chain_view *chain, uint64_t readings, uint64_t sequence, uint64_t interval, uint64_t *last_question);

/*
 * --trust-file: starts from the trust stored there (`trust from checkpoint N`) instead of the bundle's
 * genesis. No file yet: the genesis (`trust none stored`). A file refused (unreadable, truncated,
 * corrupted, another chain's): the genesis again (`trust refused REASON`), which is always safe — the
 * bundle is the root of trust, the file only a shortcut — and the file is replaced by the next trust reached.
 */
static int load_stored_trust(chain_view *chain, const char *path, const pythia_bundle *bundle) {
  stored_trust *stored = &chain->stored;
  char why[160];
  stored->path = path;
  stored->chain_id = bundle->chain_id;
  pythia_bundle_clique_trust(bundle, &stored->genesis);
  stored->checkpoint = (uint64_t)-1; /* nothing stored: the first trust reached is written */
  if (path == NULL) return 0;
  switch (trust_file_load(path, stored->chain_id, &stored->genesis, chain->validators, PYTHIA_BUNDLE_MAX_VALIDATORS, &chain->trust, why, sizeof why)) {
    case TRUST_FILE_LOADED:
      stored->checkpoint = chain->trust.checkpoint;
      printf("trust from checkpoint %llu, %zu validators\n", (unsigned long long)chain->trust.checkpoint, chain->trust.validator_count);
      return 0;
    case TRUST_FILE_ABSENT:
      printf("trust none stored: from the bundle's genesis\n");
      return 0;
    case TRUST_FILE_REFUSED:
    default:
      printf("trust refused %s: from the bundle's genesis\n", why);
      fprintf(stderr, "sensor: %s: trust refused (%s), following from the bundle's genesis validators\n", path, why);
      return 0;
  }
}

/* After a proof checked: the trust reached, stored if it moved (a flash page is not rewritten for nothing). A failed write keeps the old file. */
static void keep_trust(chain_view *chain) {
  stored_trust *stored = &chain->stored;
  char why[160];
  if (stored->path == NULL || stored->checkpoint == chain->trust.checkpoint) return;
  if (trust_file_store(stored->path, stored->chain_id, &stored->genesis, &chain->trust, why, sizeof why) != 0) {
    fprintf(stderr, "sensor: %s: trust not stored: %s\n", stored->path, why);
    return;
  }
  stored->checkpoint = chain->trust.checkpoint;
  printf("trust stored checkpoint %llu\n", (unsigned long long)chain->trust.checkpoint);
}

static int run(int argc, char **argv, sensor_context *ctx, pythia_crypto *crypto, pythia_platform *platform) {
  static const int16_t metrics[6] = {123, 251, 304, 452, 2150, 5500};
  static pythia_bundle bundle;
  pythia_device_key key;
  pythia_domain domain;
  pythia_trusted_key trusted[PYTHIA_BUNDLE_MAX_KEYS];
  pythia_answer_policy policy;
  uint8_t separator[32], payload[12];
  char id[43];
  uint64_t readings = 3, sequence = 1, interval = 0, last_question = 0;
  const char *gateway = option(argc, argv, "--gateway", NULL), *transport = option(argc, argv, "--transport", "http");
  const char *broker = option(argc, argv, "--mqtt", NULL), *verify = option(argc, argv, "--verify", "answer");
  static chain_view chain;
  size_t payload_length, trusted_count, k;
  int mqtt = strcmp(transport, "mqtt") == 0, code, on_chain = strcmp(verify, "chain") == 0;

  if (!mqtt && strcmp(transport, "http") != 0) return fail("--transport", "must be http or mqtt");
  if (!on_chain && strcmp(verify, "answer") != 0) return fail("--verify", "must be answer (signed answers of a trusted Pythia) or chain");
  if (load_bundle(option(argc, argv, "--bundle", NULL), &bundle) != 0) return 1;
  if (on_chain) {
    if (pythia_bundle_clique_trust(&bundle, &chain.trust) != PYTHIA_OK)
      return fail("--verify chain", "the bundle names no Clique validators (its \"clique\" member)");
    memcpy(chain.validators, bundle.validators, bundle.validator_count * 20);
    chain.trust.validators = (const uint8_t(*)[20])chain.validators;
    chain.max_age_seconds = bundle.max_age_seconds;
    chain.max_age_blocks = bundle.max_age_blocks;
    memcpy(chain.fleet, bundle.fleet, 20);
    if (load_stored_trust(&chain, option(argc, argv, "--trust-file", NULL), &bundle) != 0) return 1;
  } else if (option(argc, argv, "--trust-file", NULL) != NULL) {
    return fail("--trust-file", "needs --verify chain");
  }
  trusted_count = pythia_bundle_trusted_keys(&bundle, trusted, PYTHIA_BUNDLE_MAX_KEYS);
  if (trusted_count == 0) return fail("bundle", "no Pythia key to trust under its attestation policy");
  if (mqtt) {
    if (broker == NULL || host_port(ctx, broker, strlen(broker)) != 0) return fail("--mqtt", "must be HOST:PORT (the broker)");
  } else if (gateway != NULL) {
    if (host_port(ctx, gateway, strlen(gateway)) != 0) return fail("--gateway", "must be HOST:PORT");
  } else {
    /* The bundle's first plain-HTTP gateway (this example speaks no TLS over HTTP), with an explicit port. */
    for (k = 0; k < bundle.gateway_count; k++) {
      const char *url = bundle.gateway_urls[k], *end;
      if (strncasecmp(url, "http://", 7) != 0) continue;
      end = url + 7 + strcspn(url + 7, "/?#");
      if (host_port(ctx, url + 7, (size_t)(end - url - 7)) == 0) break;
    }
    if (k == bundle.gateway_count) return fail("bundle", "names no http://HOST:PORT gateway (give --gateway)");
  }
  memset(&domain, 0, sizeof domain);
  domain.chain_id = bundle.chain_id;
  memcpy(domain.verifying_contract, bundle.fleet, 20);
  if (number(option(argc, argv, "--readings", "3"), &readings) != 0 || number(option(argc, argv, "--first-sequence", "1"), &sequence) != 0 ||
      number(option(argc, argv, "--interval-ms", "0"), &interval) != 0) {
    return fail("options", "--readings, --first-sequence and --interval-ms are numbers");
  }
  if (pythia_device_key_load(crypto, platform, &key) != PYTHIA_OK) return fail("key file", "not a valid 0x + 64 hex digit key");
  pythia_address_checksum(key.id, id);
  printf("device %s\n", id);
  pythia_domain_separator(&domain, separator);
  pythia_encode_metrics(metrics, 6, payload, sizeof payload, &payload_length);
  memset(&policy, 0, sizeof policy);
  policy.keys = trusted;
  policy.key_count = trusted_count;
  policy.chain_id = bundle.chain_id;
  policy.max_age_blocks = bundle.max_age_blocks;
  policy.max_age_seconds = bundle.max_age_seconds;
  policy.check_time = 1;
  if (mqtt) {
    platform->exchange = exchange_mqtt;
    if (mqtt_start(ctx, crypto, platform, &key, bundle.chain_id, option(argc, argv, "--mqtt-cafile", NULL), on_chain) != 0) {
      mqtt_stop(ctx);
      return 1;
    }
  }
  code = send_readings(ctx, crypto, platform, &key, separator, payload, payload_length, &policy, on_chain ? &chain : NULL, readings, sequence,
                       interval, &last_question);
  mqtt_stop(ctx);
  if (on_chain) {
    /* What checking a proof takes: the header buffer, one node's buffer, the walk's state and the trust (the SDK's own; stack apart, see mcu-check). */
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    printf("memory proof state %zu bytes (header buffer %d, node buffer %d, walk %zu, trust %zu), largest header %zu bytes, account proof %zu "
           "bytes, storage proof %zu bytes, process peak rss %ld KiB\n",
           (size_t)PYTHIA_MAX_HEADER_BYTES + PYTHIA_MAX_PROOF_NODE_BYTES + sizeof(pythia_status_proof) + sizeof(pythia_clique_header) +
               sizeof(chain_view),
           PYTHIA_MAX_HEADER_BYTES, PYTHIA_MAX_PROOF_NODE_BYTES, sizeof(pythia_status_proof), sizeof(chain_view), chain.largest_header,
           chain.largest_account, chain.largest_storage, usage.ru_maxrss);
  }
  return code;
}

/* Before each reading its own status, verified: only a signed answer can halt it. */
static int send_readings(sensor_context *ctx, const pythia_crypto *crypto, const pythia_platform *platform, const pythia_device_key *key,
                         const uint8_t separator[32], const uint8_t *payload, size_t payload_length, pythia_answer_policy *policy,
                         chain_view *chain, uint64_t readings, uint64_t sequence, uint64_t interval, uint64_t *last_question) {
  pythia_status_guard guard;
  pythia_question question;
  uint8_t work[1024], response[1024];
  char body[1024];
  size_t length, response_length;
  int status;
  uint64_t i;
  pythia_result r;
  pythia_status_guard_init(&guard);
  memset(&question, 0, sizeof question);
  question.question = PYTHIA_QUESTION_DEVICE_STATUS;
  memcpy(question.device, key->id, 20);

  for (i = 0; i < readings; i++, sequence++) {
    pythia_answer answer;
    uint64_t timestamp;
    static const char *const names[] = {"none", "active", "suspended", "revoked"};
    if (chain != NULL) {
      /* Its own status proven on the chain: the gateway is trusted for delivery only. */
      pythia_status proven;
      uint64_t block;
      r = chain_status(ctx, chain, key, &proven, &block);
      if (r == PYTHIA_ERR_PLATFORM) return fail("status proof", "the gateway did not answer");
      if (r != PYTHIA_OK) {
        printf("refused %s\n", pythia_reason(r));
        fprintf(stderr, "sensor: status proof refused: %s\n", pythia_reason(r));
        return 4;
      }
      keep_trust(chain);
      printf("status %s block %llu\n", names[proven], (unsigned long long)block);
      fflush(stdout);
      if (proven == PYTHIA_STATUS_SUSPENDED || proven == PYTHIA_STATUS_REVOKED) {
        printf("halted %s\n", names[proven]);
        return 3;
      }
    } else {
      /* Its own status, verified, before each reading: only a signed answer can halt it. */
      policy->has_current_block = guard.has_block;
      policy->current_block = guard.highest_block;
      r = pythia_ask(crypto, platform, key, &question, next_question_sequence(last_question), policy, work, sizeof work, &answer);
      if (r != PYTHIA_OK) return fail("status question", pythia_reason(r));
      pythia_status_guard_apply(&guard, &answer);
      printf("status %s block %llu\n", names[answer.answer.status.status], (unsigned long long)answer.block_number);
      fflush(stdout);
      if (pythia_status_guard_check(&guard) != PYTHIA_OK) {
        printf("halted %s\n", names[guard.halted]);
        return 3;
      }
    }
    now_seconds(NULL, &timestamp);
    r = pythia_reading_json(crypto, platform, key, separator, sequence, timestamp, payload, payload_length, body, sizeof body, &length);
    if (r != PYTHIA_OK) return fail("reading", pythia_reason(r));
    if (platform->exchange(ctx, PYTHIA_ROUTE_READINGS, (const uint8_t *)body, length, response, sizeof response - 1, &response_length,
                           &status) != 0) {
      return fail("reading", "the gateway did not answer");
    }
    response[response_length] = '\0';
    printf("reading %llu %d\n", (unsigned long long)sequence, status);
    fflush(stdout);
    if (status != 202) fprintf(stderr, "sensor: reading %llu refused: %s\n", (unsigned long long)sequence, (const char *)response);
    if (interval > 0 && i + 1 < readings) sleep_ms(interval);
  }
  return 0;
}

int main(int argc, char **argv) {
  sensor_context ctx;
  pythia_crypto crypto;
  pythia_platform platform;
  uint8_t seed[32];
  memset(&ctx, 0, sizeof ctx);
  if (argc < 2 || strcmp(argv[1], "--help") == 0) {
    fputs("usage: sensor keygen|register|run --key-file FILE [options] (see the head of sensor.c)\n", argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  ctx.key_file = option(argc, argv, "--key-file", NULL);
  if (ctx.key_file == NULL) return fail("--key-file", "is required");
  if (random_bytes(NULL, seed, sizeof seed) != 0 || pythia_crypto_init(&crypto, seed) != PYTHIA_OK) return fail("crypto", "could not start");
  memset(&platform, 0, sizeof platform);
  platform.user = &ctx;
  platform.load_private_key = load_key;
  platform.now = now_seconds;
  platform.random = random_bytes;
  platform.exchange = exchange;
  if (strcmp(argv[1], "keygen") == 0) return keygen(&ctx, &crypto, &platform);
  if (strcmp(argv[1], "register") == 0) return registration(argc, argv, &crypto, &platform);
  if (strcmp(argv[1], "run") == 0) return run(argc, argv, &ctx, &crypto, &platform);
  fprintf(stderr, "sensor: unknown command %s\n", argv[1]);
  return 2;
}
