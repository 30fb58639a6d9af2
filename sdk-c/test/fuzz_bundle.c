/*
 * libFuzzer target: any bytes as a provisioning bundle's JSON text (seeds: the vectors' bundles).
 * The reader must accept or refuse with a reason, never read out of bounds (ASan) or hit undefined
 * behaviour (UBSan); an accepted bundle must hold within its bounds, a refusal name a field that fits.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pythia_bundle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static pythia_bundle bundle;
  pythia_trusted_key trusted[PYTHIA_BUNDLE_MAX_KEYS];
  char field[PYTHIA_BUNDLE_FIELD_MAX];
  size_t k;
  pythia_bundle_result r = pythia_bundle_parse((const char *)data, size, &bundle, field);
  if (strlen(field) >= PYTHIA_BUNDLE_FIELD_MAX || strcmp(pythia_bundle_reason(r), "unknown") == 0) abort();
  if (r != PYTHIA_BUNDLE_OK) return 0;
  if (field[0] != '\0' || bundle.key_count == 0 || bundle.key_count > PYTHIA_BUNDLE_MAX_KEYS || bundle.gateway_count == 0 ||
      bundle.gateway_count > PYTHIA_BUNDLE_MAX_GATEWAYS || bundle.chain_id == 0 || bundle.max_age_blocks == 0 || bundle.max_age_seconds == 0)
    abort();
  for (k = 0; k < bundle.gateway_count; k++)
    if (strlen(bundle.gateway_urls[k]) >= PYTHIA_BUNDLE_MAX_URL) abort();
  if (pythia_bundle_trusted_keys(&bundle, trusted, PYTHIA_BUNDLE_MAX_KEYS) > bundle.key_count) abort();
  return 0;
}
