/*
 * An air-quality sensor built from the Pythia C SDK, for a host with POSIX sockets: it makes its
 * key, writes its registration request, then sends signed readings to the gateway over HTTP, asking
 * its Pythia for its own status before each one and stopping once a verified answer says it is
 * suspended or revoked (exit code 3).
 *
 *   sensor keygen --key-file FILE
 *   sensor register --key-file FILE --class N [--site TEXT]
 *   sensor run --key-file FILE --gateway HOST:PORT --chain-id N --fleet 0x… --pythia 0xADDRESS:0xPUBLICKEY
 *              [--readings N] [--first-sequence N] [--interval-ms N] [--max-age-blocks N] [--max-age-seconds N]
 *
 * The key file holds the private key as 0x + 64 hex digits (mode 0600): a stand-in for a device's
 * secure storage. Everything printed on stdout is one fact a line: `device 0x…`, `status active
 * block N`, `reading N 202`, `halted suspended`.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pythia.h"

typedef struct {
  const char *key_file;
  char host[256];
  char port[16];
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

/* One HTTP/1.1 request per connection (Connection: close); the body must come with Content-Length. */
static int exchange(void *user, pythia_route route, const uint8_t *body, size_t length, uint8_t *response, size_t capacity,
                    size_t *response_length, int *status) {
  const sensor_context *ctx = user;
  struct addrinfo hints, *addresses = NULL, *a;
  char head[512], raw[8192];
  size_t got = 0;
  int fd = -1, n;
  const char *path = route == PYTHIA_ROUTE_READINGS ? "/v1/readings" : "/v1/questions";
  const char *type = route == PYTHIA_ROUTE_READINGS ? "application/json" : "application/cbor";
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
  n = snprintf(head, sizeof head,
               "POST %s HTTP/1.1\r\nHost: %s:%s\r\nContent-Type: %s\r\nAccept: %s\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n", path,
               ctx->host, ctx->port, type, route == PYTHIA_ROUTE_READINGS ? "application/json" : "application/cbor", length);
  if (n <= 0 || (size_t)n >= sizeof head || send_all(fd, head, (size_t)n) != 0 || send_all(fd, body, length) != 0) {
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

static int run(int argc, char **argv, sensor_context *ctx, pythia_crypto *crypto, pythia_platform *platform) {
  static const int16_t metrics[6] = {123, 251, 304, 452, 2150, 5500};
  pythia_device_key key;
  pythia_domain domain;
  pythia_trusted_key trusted;
  pythia_answer_policy policy;
  pythia_status_guard guard;
  pythia_question question;
  uint8_t separator[32], payload[12], work[1024], response[1024];
  char body[1024], id[43];
  uint64_t readings = 3, sequence = 1, interval = 0, max_blocks = 5, max_seconds = 300, last_question = 0, i;
  const char *gateway = option(argc, argv, "--gateway", NULL), *pythia = option(argc, argv, "--pythia", NULL), *colon;
  size_t payload_length, length, response_length;
  int status;
  pythia_result r;

  memset(&domain, 0, sizeof domain);
  if (gateway == NULL || (colon = strrchr(gateway, ':')) == NULL || (size_t)(colon - gateway) >= sizeof ctx->host ||
      strlen(colon + 1) >= sizeof ctx->port) {
    return fail("--gateway", "must be HOST:PORT");
  }
  memcpy(ctx->host, gateway, (size_t)(colon - gateway));
  ctx->host[colon - gateway] = '\0';
  strcpy(ctx->port, colon + 1);
  if (number(option(argc, argv, "--chain-id", NULL), &domain.chain_id) != 0) return fail("--chain-id", "must be a number");
  if (unhex(option(argc, argv, "--fleet", ""), domain.verifying_contract, 20) != 0) return fail("--fleet", "must be 0x + 40 hex digits");
  if (pythia == NULL || strlen(pythia) != 42 + 1 + 130 || pythia[42] != ':') return fail("--pythia", "must be 0xADDRESS:0xPUBLICKEY (64 bytes)");
  {
    char address[43];
    memcpy(address, pythia, 42);
    address[42] = '\0';
    if (unhex(address, trusted.address, 20) != 0 || unhex(pythia + 43, trusted.public_key, 64) != 0) return fail("--pythia", "not hex");
  }
  {
    uint8_t derived[20];
    pythia_device_id(trusted.public_key, derived);
    if (memcmp(derived, trusted.address, 20) != 0) return fail("--pythia", "the public key is not the key of the address");
  }
  if (number(option(argc, argv, "--readings", "3"), &readings) != 0 || number(option(argc, argv, "--first-sequence", "1"), &sequence) != 0 ||
      number(option(argc, argv, "--interval-ms", "0"), &interval) != 0 || number(option(argc, argv, "--max-age-blocks", "5"), &max_blocks) != 0 ||
      number(option(argc, argv, "--max-age-seconds", "300"), &max_seconds) != 0) {
    return fail("options", "--readings, --first-sequence, --interval-ms, --max-age-blocks and --max-age-seconds are numbers");
  }
  if (pythia_device_key_load(crypto, platform, &key) != PYTHIA_OK) return fail("key file", "not a valid 0x + 64 hex digit key");
  pythia_address_checksum(key.id, id);
  printf("device %s\n", id);
  pythia_domain_separator(&domain, separator);
  pythia_encode_metrics(metrics, 6, payload, sizeof payload, &payload_length);

  pythia_status_guard_init(&guard);
  memset(&question, 0, sizeof question);
  question.question = PYTHIA_QUESTION_DEVICE_STATUS;
  memcpy(question.device, key.id, 20);
  memset(&policy, 0, sizeof policy);
  policy.keys = &trusted;
  policy.key_count = 1;
  policy.chain_id = domain.chain_id;
  policy.max_age_blocks = max_blocks;
  policy.max_age_seconds = max_seconds;
  policy.check_time = 1;

  for (i = 0; i < readings; i++, sequence++) {
    pythia_answer answer;
    uint64_t timestamp;
    static const char *const names[] = {"none", "active", "suspended", "revoked"};
    /* Its own status, verified, before each reading: only a signed answer can halt it. */
    policy.has_current_block = guard.has_block;
    policy.current_block = guard.highest_block;
    r = pythia_ask(crypto, platform, &key, &question, next_question_sequence(&last_question), &policy, work, sizeof work, &answer);
    if (r != PYTHIA_OK) return fail("status question", pythia_reason(r));
    pythia_status_guard_apply(&guard, &answer);
    printf("status %s block %llu\n", names[answer.answer.status.status], (unsigned long long)answer.block_number);
    fflush(stdout);
    if (pythia_status_guard_check(&guard) != PYTHIA_OK) {
      printf("halted %s\n", names[guard.halted]);
      return 3;
    }
    now_seconds(NULL, &timestamp);
    r = pythia_reading_json(crypto, platform, &key, separator, sequence, timestamp, payload, payload_length, body, sizeof body, &length);
    if (r != PYTHIA_OK) return fail("reading", pythia_reason(r));
    if (exchange(ctx, PYTHIA_ROUTE_READINGS, (const uint8_t *)body, length, response, sizeof response - 1, &response_length, &status) != 0) {
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
