/* The CBOR the answers use: definite lengths, shortest heads, sorted map keys (RFC 8949 §4.2). */
#include <string.h>

#include "internal.h"

void pythia_cbor_raw(pythia_cbor_writer *w, const uint8_t *bytes, size_t length) {
  if (w->overflow || length > w->capacity - w->length) {
    w->overflow = 1;
    return;
  }
  if (length > 0) memcpy(w->out + w->length, bytes, length);
  w->length += length;
}

void pythia_cbor_head(pythia_cbor_writer *w, unsigned major, uint64_t argument) {
  uint8_t head[9];
  size_t size, i;
  if (argument < 24) {
    head[0] = (uint8_t)((major << 5) | argument);
    size = 0;
  } else if (argument <= 0xff) {
    head[0] = (uint8_t)((major << 5) | 24);
    size = 1;
  } else if (argument <= 0xffff) {
    head[0] = (uint8_t)((major << 5) | 25);
    size = 2;
  } else if (argument <= 0xffffffffu) {
    head[0] = (uint8_t)((major << 5) | 26);
    size = 4;
  } else {
    head[0] = (uint8_t)((major << 5) | 27);
    size = 8;
  }
  for (i = 0; i < size; i++) head[1 + i] = (uint8_t)(argument >> (8 * (size - 1 - i)));
  pythia_cbor_raw(w, head, 1 + size);
}

void pythia_cbor_bytes(pythia_cbor_writer *w, const uint8_t *bytes, size_t length) {
  pythia_cbor_head(w, 2, length);
  pythia_cbor_raw(w, bytes, length);
}

int pythia_cbor_read_head(pythia_cbor_reader *r, unsigned *major, uint64_t *argument) {
  uint8_t initial;
  unsigned info;
  size_t size, i;
  uint64_t value = 0, floor;
  if (r->offset >= r->length) return 0;
  initial = r->bytes[r->offset++];
  *major = initial >> 5;
  info = initial & 0x1f;
  if (*major == 7) {
    /* Simple values: false (20), true (21) and null (22), as the TypeScript decoder takes them; never floats. */
    if (info != 20 && info != 21 && info != 22) return 0;
    *argument = info;
    return 1;
  }
  if (info < 24) {
    *argument = info;
    return 1;
  }
  size = info == 24 ? 1 : info == 25 ? 2 : info == 26 ? 4 : info == 27 ? 8 : 0;
  if (size == 0 || size > r->length - r->offset) return 0; /* indefinite, reserved or truncated */
  for (i = 0; i < size; i++) value = (value << 8) | r->bytes[r->offset++];
  floor = size == 1 ? 24 : (uint64_t)1 << (4 * size);
  if (value < floor) return 0; /* not the shortest form */
  *argument = value;
  return 1;
}

static int valid_utf8(const uint8_t *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    uint8_t c = s[i];
    size_t extra;
    uint32_t cp, min;
    if (c < 0x80) {
      i++;
      continue;
    }
    if ((c & 0xe0) == 0xc0) {
      extra = 1;
      cp = c & 0x1f;
      min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
      extra = 2;
      cp = c & 0x0f;
      min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
      extra = 3;
      cp = c & 0x07;
      min = 0x10000;
    } else {
      return 0;
    }
    if (extra > n - i - 1) return 0;
    for (size_t k = 1; k <= extra; k++) {
      if ((s[i + k] & 0xc0) != 0x80) return 0;
      cp = (cp << 6) | (s[i + k] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    i += extra + 1;
  }
  return 1;
}

static int compare_bytes(const uint8_t *a, size_t an, const uint8_t *b, size_t bn) {
  size_t n = an < bn ? an : bn;
  int c = n > 0 ? memcmp(a, b, n) : 0;
  if (c != 0) return c;
  return an < bn ? -1 : an > bn ? 1 : 0;
}

#define PYTHIA_CBOR_MAX_DEPTH 16

/* Recursion bounded by the depth limit (16), so the stack is too. */
static int check_item(pythia_cbor_reader *r, unsigned depth) {
  unsigned major;
  uint64_t argument, i;
  if (depth > PYTHIA_CBOR_MAX_DEPTH) return 0;
  if (!pythia_cbor_read_head(r, &major, &argument)) return 0;
  switch (major) {
    case 0:
    case 1:
    case 7:
      return 1;
    case 2:
    case 3:
      if (argument > r->length - r->offset) return 0;
      if (major == 3 && !valid_utf8(r->bytes + r->offset, (size_t)argument)) return 0;
      r->offset += (size_t)argument;
      return 1;
    case 4:
      if (argument > r->length - r->offset) return 0;
      for (i = 0; i < argument; i++)
        if (!check_item(r, depth + 1)) return 0;
      return 1;
    case 5: {
      const uint8_t *previous = NULL;
      size_t previous_length = 0;
      if (argument > r->length - r->offset) return 0;
      for (i = 0; i < argument; i++) {
        size_t start = r->offset;
        if (!check_item(r, depth + 1)) return 0;
        if (previous != NULL && compare_bytes(previous, previous_length, r->bytes + start, r->offset - start) >= 0) return 0;
        previous = r->bytes + start;
        previous_length = r->offset - start;
        if (!check_item(r, depth + 1)) return 0;
      }
      return 1;
    }
    case 6:
      return check_item(r, depth + 1);
    default:
      return 0;
  }
}

int pythia_cbor_check(const uint8_t *bytes, size_t length) {
  pythia_cbor_reader r;
  r.bytes = bytes;
  r.length = length;
  r.offset = 0;
  if (!check_item(&r, 0)) return 0;
  return r.offset == length;
}

int pythia_cbor_read_bytes(pythia_cbor_reader *r, const uint8_t **bytes, size_t *length) {
  unsigned major;
  uint64_t argument;
  if (!pythia_cbor_read_head(r, &major, &argument) || major != 2 || argument > r->length - r->offset) return 0;
  *bytes = r->bytes + r->offset;
  *length = (size_t)argument;
  r->offset += (size_t)argument;
  return 1;
}

int pythia_cbor_read_uint(pythia_cbor_reader *r, uint64_t *value) {
  unsigned major;
  if (!pythia_cbor_read_head(r, &major, value)) return 0;
  return major == 0;
}

int pythia_cbor_skip(pythia_cbor_reader *r) { return check_item(r, 0); }
