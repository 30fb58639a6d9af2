/*
 * The provisioning bundle reader: a JSON syntax check of the whole text first (so a syntax error
 * anywhere is not_json, as JSON.parse would say before any field is looked at), then the fields in
 * the order of parseProvisioningBundle. Both passes walk the caller's text; nothing is copied but
 * short strings into fixed buffers. Where JSON allows a member twice, the last one counts (JSON.parse).
 */
#include <string.h>

#include "pythia_bundle.h"

/* Small stand-ins for strcmp and strlen: newlib's are tuned for speed (about 1 KB of flash together). */
static int same_text(const char *a, const char *b) {
  while (*a != '\0' && *a == *b) a++, b++;
  return *a == *b;
}
static size_t text_length(const char *text) {
  size_t n = 0;
  while (text[n] != '\0') n++;
  return n;
}

typedef struct {
  const char *s;
  size_t n;
  char *field;
} reader;

const char *pythia_bundle_reason(pythia_bundle_result result) {
  switch (result) {
    case PYTHIA_BUNDLE_OK: return "ok";
    case PYTHIA_BUNDLE_NOT_JSON: return "not_json";
    case PYTHIA_BUNDLE_TOO_LARGE: return "too_large";
    case PYTHIA_BUNDLE_UNKNOWN_FIELD: return "unknown_field";
    case PYTHIA_BUNDLE_INVALID_FIELD: return "invalid_field";
    case PYTHIA_BUNDLE_KEY_MISMATCH: return "key_mismatch";
  }
  return "unknown";
}

/* ---------------------------------------------------------------- pass 1: JSON syntax (RFC 8259) */

static size_t skip_ws(const reader *r, size_t i) {
  while (i < r->n && (r->s[i] == ' ' || r->s[i] == '\t' || r->s[i] == '\n' || r->s[i] == '\r')) i++;
  return i;
}

static int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* A string at *i (its opening quote); on success *i is past the closing quote. */
static int scan_string(const reader *r, size_t *i) {
  size_t p = *i + 1;
  while (p < r->n) {
    unsigned char c = (unsigned char)r->s[p];
    if (c == '"') {
      *i = p + 1;
      return 0;
    }
    if (c < 0x20) return -1;
    if (c == '\\') {
      if (++p >= r->n) return -1;
      c = (unsigned char)r->s[p];
      if (c == 'u') {
        size_t k;
        if (r->n - p < 5) return -1;
        for (k = 1; k <= 4; k++)
          if (hex_digit(r->s[p + k]) < 0) return -1;
        p += 5;
        continue;
      }
      if (c != '"' && c != '\\' && c != '/' && c != 'b' && c != 'f' && c != 'n' && c != 'r' && c != 't') return -1;
    }
    p++;
  }
  return -1;
}

static int is_digit(const reader *r, size_t p) { return p < r->n && r->s[p] >= '0' && r->s[p] <= '9'; }

static int scan_number(const reader *r, size_t *i) {
  size_t p = *i;
  if (p < r->n && r->s[p] == '-') p++;
  if (!is_digit(r, p)) return -1;
  if (r->s[p] == '0') p++;
  else
    while (is_digit(r, p)) p++;
  if (p < r->n && r->s[p] == '.') {
    if (!is_digit(r, ++p)) return -1;
    while (is_digit(r, p)) p++;
  }
  if (p < r->n && (r->s[p] == 'e' || r->s[p] == 'E')) {
    p++;
    if (p < r->n && (r->s[p] == '+' || r->s[p] == '-')) p++;
    if (!is_digit(r, p)) return -1;
    while (is_digit(r, p)) p++;
  }
  *i = p;
  return 0;
}

static int scan_literal(const reader *r, size_t *i, const char *word) {
  size_t k = text_length(word);
  if (r->n - *i < k || memcmp(r->s + *i, word, k) != 0) return -1;
  *i += k;
  return 0;
}

/* One value at *i (no leading whitespace); -1 bad syntax, -2 nested deeper than the bound. */
static int scan_value(const reader *r, size_t *i, int depth) {
  size_t p = *i;
  int nested;
  if (p >= r->n) return -1;
  switch (r->s[p]) {
    case '"': return scan_string(r, i);
    case 't': return scan_literal(r, i, "true");
    case 'f': return scan_literal(r, i, "false");
    case 'n': return scan_literal(r, i, "null");
    case '{':
    case '[': {
      char close = r->s[p] == '{' ? '}' : ']';
      if (depth >= PYTHIA_BUNDLE_MAX_DEPTH) return -2;
      p = skip_ws(r, p + 1);
      if (p < r->n && r->s[p] == close) {
        *i = p + 1;
        return 0;
      }
      for (;;) {
        if (close == '}') {
          if (p >= r->n || r->s[p] != '"' || scan_string(r, &p) != 0) return -1;
          p = skip_ws(r, p);
          if (p >= r->n || r->s[p] != ':') return -1;
          p = skip_ws(r, p + 1);
        }
        nested = scan_value(r, &p, depth + 1);
        if (nested != 0) return nested;
        p = skip_ws(r, p);
        if (p < r->n && r->s[p] == close) {
          *i = p + 1;
          return 0;
        }
        if (p >= r->n || r->s[p] != ',') return -1;
        p = skip_ws(r, p + 1);
      }
    }
    default: return scan_number(r, i);
  }
}

/* ---------------------------------------------------------------- pass 2: walking the checked text */

/* Past the value at i (already checked by pass 1). */
static size_t skip_value(const reader *r, size_t i) {
  size_t p = i;
  (void)scan_value(r, &p, 0);
  return p;
}

/* The next member of the object whose cursor is *at ('{' first, then past each member). */
static int next_member(const reader *r, size_t *at, size_t *key, size_t *value) {
  size_t p = skip_ws(r, *at + (r->s[*at] == '{' ? 1 : 0));
  if (r->s[p] == '}') return 0;
  if (r->s[p] == ',') p = skip_ws(r, p + 1);
  *key = p;
  (void)scan_string(r, &p);
  p = skip_ws(r, p);
  *value = skip_ws(r, p + 1);
  *at = skip_value(r, *value);
  return 1;
}

/* The i-th element of the array at `array`, or 0 when there are fewer. */
static int element(const reader *r, size_t array, size_t index, size_t *value) {
  size_t p = skip_ws(r, array + 1), k;
  if (r->s[p] == ']') return 0;
  for (k = 0; k < index; k++) {
    p = skip_ws(r, skip_value(r, p));
    if (r->s[p] == ']') return 0;
    p = skip_ws(r, p + 1);
  }
  *value = p;
  return 1;
}

/* How many elements, counting no further than bound + 1 (each step walks from the start: keep it short). */
static size_t element_count(const reader *r, size_t array, size_t bound) {
  size_t n = 0, ignored;
  while (n <= bound && element(r, array, n, &ignored)) n++;
  return n;
}

/*
 * The string at i, unescaped into out (NUL-terminated): -1 when it does not fit in `capacity`, -2
 * when it holds an escaped NUL.
 * \u escapes above 0x7f become UTF-8 (each half of a surrogate pair on its own: only field names
 * are ever shown, and every value the bundle defines is ASCII).
 */
static int string_of(const reader *r, size_t i, char *out, size_t capacity) {
  size_t p = i + 1, o = 0;
  while (r->s[p] != '"') {
    unsigned long c = (unsigned char)r->s[p++];
    if (c == '\\') {
      char e = r->s[p++];
      if (e == 'u') {
        c = (unsigned long)(hex_digit(r->s[p]) << 12 | hex_digit(r->s[p + 1]) << 8 | hex_digit(r->s[p + 2]) << 4 | hex_digit(r->s[p + 3]));
        p += 4;
        if (c == 0) return -2; /* a NUL inside a name or value: no field of the bundle has one, and C strings would cut it */
      } else {
        c = (unsigned long)(e == 'b' ? '\b' : e == 'f' ? '\f' : e == 'n' ? '\n' : e == 'r' ? '\r' : e == 't' ? '\t' : e);
      }
      if (c >= 0x80) {
        if (o + (c >= 0x800 ? 3u : 2u) >= capacity) return -1;
        if (c >= 0x800) {
          out[o++] = (char)(0xe0 | (c >> 12));
          out[o++] = (char)(0x80 | ((c >> 6) & 0x3f));
        } else {
          out[o++] = (char)(0xc0 | (c >> 6));
        }
        out[o++] = (char)(0x80 | (c & 0x3f));
        continue;
      }
    }
    if (o + 1 >= capacity) return -1;
    out[o++] = (char)c;
  }
  out[o] = '\0';
  return 0;
}

/* The last member named `name` of the object at obj. */
static int member(const reader *r, size_t obj, const char *name, size_t *value) {
  size_t at = obj, key, v;
  int found = 0;
  char text[32];
  while (next_member(r, &at, &key, &v)) {
    if (string_of(r, key, text, sizeof text) == 0 && same_text(text, name)) {
      *value = v;
      found = 1;
    }
  }
  return found;
}

/* ---------------------------------------------------------------- field names and refusals */

static void field_append(char *field, const char *text) {
  size_t used;
  if (field == NULL) return;
  used = text_length(field);
  while (*text != '\0' && used + 1 < PYTHIA_BUNDLE_FIELD_MAX) field[used++] = *text++;
  field[used] = '\0';
}

static void field_index(char *field, size_t index) {
  char digits[24];
  size_t k = sizeof digits - 1;
  digits[k] = '\0';
  do {
    digits[--k] = (char)('0' + index % 10);
    index /= 10;
  } while (index > 0);
  field_append(field, "[");
  field_append(field, digits + k);
  field_append(field, "]");
}

/* The path of the field being read lives in r->field while the walk goes on; a refusal completes it with `name`. */
static pythia_bundle_result refuse_here(const reader *r, pythia_bundle_result result, const char *name) {
  if (name != NULL) {
    if (r->field[0] != '\0') field_append(r->field, ".");
    field_append(r->field, name);
  }
  return result;
}

static int is_object(const reader *r, size_t i) { return r->s[i] == '{'; }
static int is_array(const reader *r, size_t i) { return r->s[i] == '['; }

/* Every member is one of `names` (onlyKeys): else unknown_field with the member's name. */
static pythia_bundle_result only(const reader *r, size_t obj, const char *const *names, size_t count) {
  size_t at = obj, key, value, k;
  char text[PYTHIA_BUNDLE_FIELD_MAX];
  while (next_member(r, &at, &key, &value)) {
    int known = 0;
    int fits = string_of(r, key, text, sizeof text) == 0;
    for (k = 0; fits && k < count; k++)
      if (same_text(text, names[k])) known = 1;
    if (!known) return refuse_here(r, PYTHIA_BUNDLE_UNKNOWN_FIELD, fits ? text : "?");
  }
  return PYTHIA_BUNDLE_OK;
}

/* A JSON integer in [1, 2^53 - 1] written as digits (a safe integer, as Number.isSafeInteger). */
static int positive_integer(const reader *r, size_t i, uint64_t *out) {
  uint64_t v = 0;
  size_t p = i;
  while (is_digit(r, p)) {
    v = v * 10 + (uint64_t)(r->s[p] - '0');
    if (v > 9007199254740991ULL) return -1;
    p++;
  }
  if (p == i || (p < r->n && (r->s[p] == '.' || r->s[p] == 'e' || r->s[p] == 'E')) || v == 0) return -1;
  *out = v;
  return 0;
}

static int boolean(const reader *r, size_t i, uint8_t *out) {
  if (r->s[i] != 't' && r->s[i] != 'f') return -1;
  *out = (uint8_t)(r->s[i] == 't');
  return 0;
}

/* 0x-prefixed even-length hex whose byte length is one of a or b; its length in *length. */
static int hex_bytes(const reader *r, size_t i, uint8_t *out, size_t a, size_t b, size_t *length) {
  char text[2 + 2 * 65 + 1];
  size_t digits, k;
  if (r->s[i] != '"' || string_of(r, i, text, sizeof text) != 0) return -1;
  if (text[0] != '0' || text[1] != 'x') return -1;
  digits = text_length(text + 2);
  if (digits == 0 || digits % 2 != 0 || (digits / 2 != a && digits / 2 != b)) return -1;
  for (k = 0; k < digits / 2; k++) {
    int hi = hex_digit(text[2 + 2 * k]), lo = hex_digit(text[3 + 2 * k]);
    if (hi < 0 || lo < 0) return -1;
    out[k] = (uint8_t)(hi << 4 | lo);
  }
  *length = digits / 2;
  return 0;
}

static int address(const reader *r, size_t i, uint8_t out[20]) {
  size_t length;
  return hex_bytes(r, i, out, 20, 20, &length);
}

/* An http(s) URL of printable ASCII with a host; stricter than WHATWG URL parsing, never looser. */
static int gateway_url(const reader *r, size_t i, char *out, size_t capacity, int *too_long) {
  size_t k, scheme, host_end;
  int got;
  *too_long = 0;
  if (r->s[i] != '"') return -1;
  got = string_of(r, i, out, capacity);
  if (got != 0) {
    *too_long = got == -1;
    return -1;
  }
  for (k = 0; out[k] != '\0'; k++)
    if ((unsigned char)out[k] <= 0x20 || (unsigned char)out[k] >= 0x7f || out[k] == '\\') return -1;
  k = text_length(out);
  if (k >= 7 && (out[0] | 0x20) == 'h' && (out[1] | 0x20) == 't' && (out[2] | 0x20) == 't' && (out[3] | 0x20) == 'p' && out[4] == ':' &&
      out[5] == '/' && out[6] == '/')
    scheme = 7;
  else if (k >= 8 && (out[0] | 0x20) == 'h' && (out[1] | 0x20) == 't' && (out[2] | 0x20) == 't' && (out[3] | 0x20) == 'p' &&
           (out[4] | 0x20) == 's' && out[5] == ':' && out[6] == '/' && out[7] == '/')
    scheme = 8;
  else
    return -1;
  for (host_end = scheme; out[host_end] != '\0' && out[host_end] != '/' && out[host_end] != '?' && out[host_end] != '#'; host_end++) {
    if (out[host_end] == '@') return -1; /* no credentials in a gateway URL */
  }
  if (host_end == scheme || out[scheme] == ':') return -1;
  return 0;
}

/* ---------------------------------------------------------------- the fields */

static pythia_bundle_result read_contracts(const reader *r, size_t obj, pythia_bundle *out) {
  static const char *const names[] = {"fleet", "pythiaRegistry", "deviceOwnership", "firmwareRegistry", "consentRegistry"};
  uint8_t *const targets[] = {out->fleet, out->pythia_registry, out->device_ownership, out->firmware_registry, out->consent_registry};
  uint8_t *const present[] = {NULL, &out->has_pythia_registry, &out->has_device_ownership, &out->has_firmware_registry,
                              &out->has_consent_registry};
  size_t k, value;
  pythia_bundle_result result = only(r, obj, names, 5);
  if (result != PYTHIA_BUNDLE_OK) return result;
  for (k = 0; k < 5; k++) {
    if (!member(r, obj, names[k], &value)) {
      if (k == 0) return refuse_here(r, PYTHIA_BUNDLE_INVALID_FIELD, names[k]);
      continue;
    }
    if (address(r, value, targets[k]) != 0) return refuse_here(r, PYTHIA_BUNDLE_INVALID_FIELD, names[k]);
    if (present[k] != NULL) *present[k] = 1;
  }
  return PYTHIA_BUNDLE_OK;
}

static pythia_bundle_result read_key(const reader *r, size_t obj, pythia_bundle_key *key) {
  static const char *const names[] = {"address", "publicKey", "attested", "measurement", "revoked"};
  uint8_t raw[65], derived[20];
  size_t value, length;
  pythia_bundle_result result;
  if (!is_object(r, obj)) return refuse_here(r, PYTHIA_BUNDLE_INVALID_FIELD, NULL);
  result = only(r, obj, names, 5);
  if (result != PYTHIA_BUNDLE_OK) return result;
  if (!member(r, obj, "address", &value) || address(r, value, key->address) != 0)
    return refuse_here(r, PYTHIA_BUNDLE_INVALID_FIELD, "address");
  if (!member(r, obj, "publicKey", &value) || hex_bytes(r, value, raw, 64, 65, &length) != 0 || (length == 65 && raw[0] != 0x04))
    return refuse_here(r, PYTHIA_BUNDLE_INVALID_FIELD, "publicKey");
  memcpy(key->public_key, length == 65 ? raw + 1 : raw, 64);
  {
    /* XKCP reads its input a 32-bit word at a time: hash from an aligned copy (key->public_key is at an odd offset). */
    union {
      uint8_t bytes[64];
      uint32_t align;
    } aligned;
    memcpy(aligned.bytes, key->public_key, 64);
    pythia_device_id(aligned.bytes, derived);
  }
  if (memcmp(derived, key->address, 20) != 0) return refuse_here(r, PYTHIA_BUNDLE_KEY_MISMATCH, "publicKey");
  if (!member(r, obj, "attested", &value) || boolean(r, value, &key->attested) != 0)
    return refuse_here(r, PYTHIA_BUNDLE_INVALID_FIELD, "attested");
  if (member(r, obj, "measurement", &value)) {
    if (hex_bytes(r, value, key->measurement, 32, 48, &length) != 0 || !key->attested)
      return refuse_here(r, PYTHIA_BUNDLE_INVALID_FIELD, "measurement");
    key->measurement_length = (uint8_t)length;
  }
  if (member(r, obj, "revoked", &value) && boolean(r, value, &key->revoked) != 0)
    return refuse_here(r, PYTHIA_BUNDLE_INVALID_FIELD, "revoked");
  return PYTHIA_BUNDLE_OK;
}

static pythia_bundle_result read_keys(const reader *r, size_t array, pythia_bundle *out) {
  size_t k, value, count;
  pythia_bundle_result result;
  if (!is_array(r, array) || (count = element_count(r, array, PYTHIA_BUNDLE_MAX_KEYS)) == 0) return refuse_here(r, PYTHIA_BUNDLE_INVALID_FIELD, NULL);
  if (count > PYTHIA_BUNDLE_MAX_KEYS) return refuse_here(r, PYTHIA_BUNDLE_TOO_LARGE, NULL);
  for (k = 0; k < count; k++) {
    size_t mark = text_length(r->field);
    (void)element(r, array, k, &value);
    field_index(r->field, k);
    result = read_key(r, value, &out->keys[k]);
    if (result != PYTHIA_BUNDLE_OK) return result;
    r->field[mark] = '\0';
  }
  out->key_count = count;
  return PYTHIA_BUNDLE_OK;
}

static pythia_bundle_result read_policy(const reader *r, size_t obj, pythia_bundle *out) {
  static const char *const names[] = {"requireAttested", "allowedMeasurements"};
  size_t value, k, count, length;
  pythia_bundle_result result = only(r, obj, names, 2);
  if (result != PYTHIA_BUNDLE_OK) return result;
  if (!member(r, obj, "requireAttested", &value) || boolean(r, value, &out->require_attested) != 0)
    return refuse_here(r, PYTHIA_BUNDLE_INVALID_FIELD, "requireAttested");
  if (!member(r, obj, "allowedMeasurements", &value)) return PYTHIA_BUNDLE_OK;
  if (!is_array(r, value)) return refuse_here(r, PYTHIA_BUNDLE_INVALID_FIELD, "allowedMeasurements");
  count = element_count(r, value, PYTHIA_BUNDLE_MAX_MEASUREMENTS);
  if (count > PYTHIA_BUNDLE_MAX_MEASUREMENTS) return refuse_here(r, PYTHIA_BUNDLE_TOO_LARGE, "allowedMeasurements");
  for (k = 0; k < count; k++) {
    size_t item;
    (void)element(r, value, k, &item);
    if (hex_bytes(r, item, out->measurements[k], 32, 48, &length) != 0) {
      field_append(r->field, ".allowedMeasurements");
      field_index(r->field, k);
      return PYTHIA_BUNDLE_INVALID_FIELD;
    }
    out->measurement_lengths[k] = (uint8_t)length;
  }
  out->has_allowed_measurements = 1;
  out->measurement_count = count;
  return PYTHIA_BUNDLE_OK;
}

static pythia_bundle_result read_freshness(const reader *r, size_t obj, pythia_bundle *out) {
  static const char *const names[] = {"maxAgeSeconds", "maxAgeBlocks"};
  size_t value;
  pythia_bundle_result result = only(r, obj, names, 2);
  if (result != PYTHIA_BUNDLE_OK) return result;
  if (!member(r, obj, "maxAgeSeconds", &value) || positive_integer(r, value, &out->max_age_seconds) != 0)
    return refuse_here(r, PYTHIA_BUNDLE_INVALID_FIELD, "maxAgeSeconds");
  if (!member(r, obj, "maxAgeBlocks", &value) || positive_integer(r, value, &out->max_age_blocks) != 0)
    return refuse_here(r, PYTHIA_BUNDLE_INVALID_FIELD, "maxAgeBlocks");
  return PYTHIA_BUNDLE_OK;
}

static pythia_bundle_result read_gateways(const reader *r, size_t array, pythia_bundle *out) {
  size_t k, count, value;
  if (!is_array(r, array) || (count = element_count(r, array, PYTHIA_BUNDLE_MAX_GATEWAYS)) == 0) return refuse_here(r, PYTHIA_BUNDLE_INVALID_FIELD, NULL);
  if (count > PYTHIA_BUNDLE_MAX_GATEWAYS) return refuse_here(r, PYTHIA_BUNDLE_TOO_LARGE, NULL);
  for (k = 0; k < count; k++) {
    int too_long;
    (void)element(r, array, k, &value);
    if (gateway_url(r, value, out->gateway_urls[k], PYTHIA_BUNDLE_MAX_URL, &too_long) != 0) {
      field_index(r->field, k);
      return too_long ? PYTHIA_BUNDLE_TOO_LARGE : PYTHIA_BUNDLE_INVALID_FIELD;
    }
  }
  out->gateway_count = count;
  return PYTHIA_BUNDLE_OK;
}

static pythia_bundle_result read_clique(const reader *r, size_t obj, pythia_bundle *out) {
  static const char *const names[] = {"epoch", "validators"};
  size_t value, k, j, count;
  pythia_bundle_result result = only(r, obj, names, 2);
  if (result != PYTHIA_BUNDLE_OK) return result;
  if (!member(r, obj, "epoch", &value) || positive_integer(r, value, &out->clique_epoch) != 0)
    return refuse_here(r, PYTHIA_BUNDLE_INVALID_FIELD, "epoch");
  if (!member(r, obj, "validators", &value) || !is_array(r, value) || (count = element_count(r, value, PYTHIA_BUNDLE_MAX_VALIDATORS)) == 0)
    return refuse_here(r, PYTHIA_BUNDLE_INVALID_FIELD, "validators");
  if (count > PYTHIA_BUNDLE_MAX_VALIDATORS) return refuse_here(r, PYTHIA_BUNDLE_TOO_LARGE, "validators");
  for (k = 0; k < count; k++) {
    size_t item;
    (void)element(r, value, k, &item);
    if (address(r, item, out->validators[k]) != 0) {
      field_append(r->field, ".validators");
      field_index(r->field, k);
      return PYTHIA_BUNDLE_INVALID_FIELD;
    }
  }
  for (k = 0; k < count; k++)
    for (j = k + 1; j < count; j++)
      if (memcmp(out->validators[k], out->validators[j], 20) == 0) return refuse_here(r, PYTHIA_BUNDLE_INVALID_FIELD, "validators");
  out->validator_count = count;
  out->has_clique = 1;
  return PYTHIA_BUNDLE_OK;
}

/* Runs `read` on the member `name` of the root with the path set to it. */
typedef pythia_bundle_result (*section_reader)(const reader *r, size_t at, pythia_bundle *out);
static pythia_bundle_result section(const reader *r, size_t root, const char *name, int must_be_object, section_reader read,
                                    pythia_bundle *out) {
  size_t value;
  r->field[0] = '\0';
  field_append(r->field, name);
  if (!member(r, root, name, &value)) return PYTHIA_BUNDLE_INVALID_FIELD;
  if (must_be_object && !is_object(r, value)) return PYTHIA_BUNDLE_INVALID_FIELD;
  return read(r, value, out);
}

pythia_bundle_result pythia_bundle_parse(const char *json, size_t length, pythia_bundle *out, char *field) {
  static const char *const names[] = {"version",   "chainId",     "contracts", "pythiaKeys", "attestationPolicy",
                                      "freshness", "gatewayUrls", "clique"};
  char scratch[PYTHIA_BUNDLE_FIELD_MAX];
  reader r;
  size_t root, end, value;
  int syntax;
  pythia_bundle_result result;
  r.s = json;
  r.n = length;
  r.field = field != NULL ? field : scratch;
  r.field[0] = '\0';
  if (json == NULL || out == NULL) return PYTHIA_BUNDLE_INVALID_FIELD;
  memset(out, 0, sizeof *out);
  if (length > PYTHIA_BUNDLE_MAX_BYTES) return PYTHIA_BUNDLE_TOO_LARGE;
  root = skip_ws(&r, 0);
  end = root;
  syntax = scan_value(&r, &end, 0);
  if (syntax == -2) return PYTHIA_BUNDLE_TOO_LARGE;
  if (syntax != 0 || skip_ws(&r, end) != length) return PYTHIA_BUNDLE_NOT_JSON;
  r.n = end; /* pass 2 never looks past the value */

  if (!is_object(&r, root)) return PYTHIA_BUNDLE_INVALID_FIELD;
  result = only(&r, root, names, 8);
  if (result != PYTHIA_BUNDLE_OK) return result;
  r.field[0] = '\0';
  if (!member(&r, root, "version", &value) || r.s[value] != '1' || (value + 1 < r.n && (is_digit(&r, value + 1) || r.s[value + 1] == '.' ||
                                                                                   r.s[value + 1] == 'e' || r.s[value + 1] == 'E')))
    return refuse_here(&r, PYTHIA_BUNDLE_INVALID_FIELD, "version");
  if (!member(&r, root, "chainId", &value) || positive_integer(&r, value, &out->chain_id) != 0)
    return refuse_here(&r, PYTHIA_BUNDLE_INVALID_FIELD, "chainId");
  if ((result = section(&r, root, "contracts", 1, read_contracts, out)) != PYTHIA_BUNDLE_OK) return result;
  if ((result = section(&r, root, "pythiaKeys", 0, read_keys, out)) != PYTHIA_BUNDLE_OK) return result;
  if ((result = section(&r, root, "attestationPolicy", 1, read_policy, out)) != PYTHIA_BUNDLE_OK) return result;
  if ((result = section(&r, root, "freshness", 1, read_freshness, out)) != PYTHIA_BUNDLE_OK) return result;
  if ((result = section(&r, root, "gatewayUrls", 0, read_gateways, out)) != PYTHIA_BUNDLE_OK) return result;
  r.field[0] = '\0';
  if (member(&r, root, "clique", &value) && (result = section(&r, root, "clique", 1, read_clique, out)) != PYTHIA_BUNDLE_OK) return result;
  r.field[0] = '\0';
  return PYTHIA_BUNDLE_OK;
}

pythia_result pythia_bundle_clique_trust(const pythia_bundle *bundle, pythia_clique_trust *trust) {
  if (bundle == NULL || trust == NULL || !bundle->has_clique) return PYTHIA_ERR_ARGUMENT;
  trust->validators = (const uint8_t(*)[20])bundle->validators;
  trust->validator_count = bundle->validator_count;
  trust->checkpoint = 0;
  trust->epoch = bundle->clique_epoch;
  return PYTHIA_OK;
}

size_t pythia_bundle_trusted_keys(const pythia_bundle *bundle, pythia_trusted_key *out, size_t capacity) {
  size_t k, m, count = 0;
  for (k = 0; k < bundle->key_count && count < capacity; k++) {
    const pythia_bundle_key *key = &bundle->keys[k];
    int listed = 0;
    if (key->revoked) continue;
    if (bundle->require_attested && !key->attested) continue;
    if (bundle->require_attested && bundle->has_allowed_measurements) {
      for (m = 0; m < bundle->measurement_count; m++)
        if (key->measurement_length != 0 && bundle->measurement_lengths[m] == key->measurement_length &&
            memcmp(bundle->measurements[m], key->measurement, key->measurement_length) == 0)
          listed = 1;
      if (!listed) continue;
    }
    memcpy(out[count].address, key->address, 20);
    memcpy(out[count].public_key, key->public_key, 64);
    count++;
  }
  return count;
}

/* ---------------------------------------------------------------- a chain proof's JSON (askStatusProof's parseStatusProofBody) */

/*
 * The next character of a checked JSON string at *p, as JSON.parse reads it (escapes decoded): 0 at
 * the closing quote (*p stays), 1 for one that is neither a hex digit nor 'x' (a \n, a \u00e9, ...).
 * A gateway may write "\u0030x..." for "0x...": the TypeScript SDK takes it, so the device does too.
 */
static char string_char(const char *s, size_t *p) {
  char c = s[*p];
  unsigned v;
  if (c == '"') return 0;
  *p += 1;
  if (c != '\\') return c;
  c = s[*p];
  *p += 1;
  if (c != 'u') return 1;
  v = (unsigned)(hex_digit(s[*p]) << 12 | hex_digit(s[*p + 1]) << 8 | hex_digit(s[*p + 2]) << 4 | hex_digit(s[*p + 3]));
  *p += 4;
  return v > 0 && v < 0x80 ? (char)v : 1;
}

/* The hex digits of the string at i after its "0x" (escapes decoded): their count, *p at the first; -1 when it is not "0x" + hex digits. */
static long hex_digits_at(const char *s, size_t i, size_t *first) {
  size_t p = i + 1;
  long digits = 0;
  if (s[i] != '"' || string_char(s, &p) != '0' || string_char(s, &p) != 'x') return -1;
  *first = p;
  for (;;) {
    char c = string_char(s, &p);
    if (c == 0) return digits;
    if (hex_digit(c) < 0) return -1;
    digits++;
  }
}

/* A string "0x" + hex digits (any count: the byte length is checked where the bytes are read). */
static int is_hex_string(const reader *r, size_t i) {
  size_t first;
  return hex_digits_at(r->s, i, &first) >= 0;
}

/* Each element of the array at *at in turn: 1 with *element set, 0 at its end. *at starts at the '['. */
static int next_element(const reader *r, size_t *at, size_t *element_at) {
  size_t p = skip_ws(r, r->s[*at] == '[' ? *at + 1 : skip_value(r, *at));
  if (r->s[p] == ']') return 0;
  if (r->s[p] == ',') p = skip_ws(r, p + 1);
  *element_at = *at = p;
  return 1;
}

static int is_hex_list(const reader *r, size_t i) {
  size_t at = i, e;
  if (!is_array(r, i)) return 0;
  while (next_element(r, &at, &e))
    if (!is_hex_string(r, e)) return 0;
  return 1;
}

pythia_result pythia_proof_body_read(const char *json, size_t length, int with_proof, pythia_proof_body *out) {
  reader r;
  size_t root, end, proof, value, at, entry;
  if (json == NULL || out == NULL) return PYTHIA_ERR_ARGUMENT;
  memset(out, 0, sizeof *out);
  r.s = json;
  r.n = length;
  r.field = NULL;
  /* A UTF-8 byte order mark first: fetch's text() drops it before the TypeScript SDK parses the answer. */
  root = skip_ws(&r, length >= 3 && memcmp(json, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0);
  end = root;
  if (scan_value(&r, &end, 0) != 0 || skip_ws(&r, end) != length) return PYTHIA_ERR_MALFORMED_PROOF;
  r.n = end;
  if (!is_object(&r, root) || !member(&r, root, "header", &out->header) || !is_hex_string(&r, out->header)) return PYTHIA_ERR_MALFORMED_PROOF;
  out->json = json;
  out->length = end;
  if (!with_proof) return PYTHIA_OK;
  if (!member(&r, root, "proof", &proof) || !is_object(&r, proof) || !member(&r, proof, "address", &value) || !is_hex_string(&r, value) ||
      !member(&r, proof, "accountProof", &out->account_proof) || !is_hex_list(&r, out->account_proof) ||
      !member(&r, proof, "storageProof", &at) || !is_array(&r, at))
    return PYTHIA_ERR_MALFORMED_PROOF;
  out->address = value;
  while (next_element(&r, &at, &entry)) {
    size_t key, stored, list;
    if (!is_object(&r, entry) || !member(&r, entry, "key", &key) || !is_hex_string(&r, key) || !member(&r, entry, "value", &stored) ||
        !is_hex_string(&r, stored) || !member(&r, entry, "proof", &list) || !is_hex_list(&r, list))
      return PYTHIA_ERR_MALFORMED_PROOF;
    if (out->storage_entries++ == 0) {
      out->storage_proof = list;
      out->storage_key = key;
      out->storage_value = stored;
    }
  }
  return PYTHIA_OK;
}

/* The checked hex string at i as a number of 1 to `most` digits (viem's isHex words, as eth_getProof writes keys and values), right-aligned in 32 bytes: else 0. */
static int word_of(const char *s, size_t i, size_t most, uint8_t out[32]) {
  size_t p, k;
  long digits = hex_digits_at(s, i, &p);
  if (digits <= 0 || (size_t)digits > most) return 0;
  memset(out, 0, 32);
  for (k = (size_t)digits; k > 0; k--) out[32 - (k + 1) / 2] |= (uint8_t)(hex_digit(string_char(s, &p)) << (k % 2 ? 0 : 4));
  return 1;
}

pythia_result pythia_proof_body_claims(const pythia_proof_body *body, const uint8_t fleet[20], const uint8_t device[20]) {
  uint8_t claimed[32], slot[32];
  size_t at;
  if (body == NULL || body->json == NULL || body->address == 0 || fleet == NULL || device == NULL) return PYTHIA_ERR_ARGUMENT;
  if (!word_of(body->json, body->address, 40, claimed) || hex_digits_at(body->json, body->address, &at) != 40 || memcmp(claimed + 12, fleet, 20) != 0)
    return PYTHIA_ERR_WRONG_PROOF;
  pythia_fleet_record_slot(device, slot);
  if (body->storage_entries != 1 || !word_of(body->json, body->storage_key, 64, claimed) || memcmp(claimed, slot, 32) != 0) return PYTHIA_ERR_WRONG_PROOF;
  return PYTHIA_OK;
}

pythia_result pythia_proof_body_value(const pythia_proof_body *body, const uint8_t record[32]) {
  uint8_t claimed[32];
  if (body == NULL || body->json == NULL || record == NULL) return PYTHIA_ERR_ARGUMENT;
  if (body->storage_entries != 1 || !word_of(body->json, body->storage_value, 64, claimed) || memcmp(claimed, record, 32) != 0)
    return PYTHIA_ERR_BAD_STORAGE_PROOF;
  return PYTHIA_OK;
}

/* The bytes of the hex string at i: their count, or -1 for an odd number of digits or more than `capacity` bytes. */
static long hex_string_bytes(const char *s, size_t i, uint8_t *out, size_t capacity) {
  size_t p, k;
  long digits = hex_digits_at(s, i, &p);
  if (digits < 0 || digits % 2 != 0 || (size_t)digits / 2 > capacity) return -1;
  for (k = 0; k < (size_t)digits / 2; k++) {
    int high = hex_digit(string_char(s, &p));
    out[k] = (uint8_t)(high << 4 | hex_digit(string_char(s, &p)));
  }
  return digits / 2;
}

pythia_result pythia_proof_body_header(const pythia_proof_body *body, uint8_t *out, size_t capacity, size_t *length) {
  long n;
  if (body == NULL || body->json == NULL || out == NULL || length == NULL) return PYTHIA_ERR_ARGUMENT;
  n = hex_string_bytes(body->json, body->header, out, capacity < PYTHIA_MAX_HEADER_BYTES ? capacity : PYTHIA_MAX_HEADER_BYTES);
  if (n < 0) return PYTHIA_ERR_BAD_HEADER;
  *length = (size_t)n;
  return PYTHIA_OK;
}

int pythia_proof_body_node(const pythia_proof_body *body, size_t *cursor, uint8_t *out, size_t capacity, size_t *length) {
  reader r;
  size_t node;
  long n;
  if (body == NULL || body->json == NULL || cursor == NULL || *cursor == 0) return 0;
  r.s = body->json;
  r.n = body->length;
  r.field = NULL;
  if (!next_element(&r, cursor, &node)) return 0;
  n = hex_string_bytes(body->json, node, out, capacity);
  if (n < 0) return -1;
  *length = (size_t)n;
  return 1;
}
