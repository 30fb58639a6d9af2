#ifndef PYTHIA_TEST_VECTORS_RUNNER_H
#define PYTHIA_TEST_VECTORS_RUNNER_H
#include "pythia.h"
typedef void (*test_output_fn)(const char *text);
int pythia_test_vectors(test_output_fn output, pythia_crypto *crypto);
int pythia_test_verify_once(pythia_crypto *crypto);
typedef struct { size_t header_bytes, proof_bytes, nodes, largest_node; } chain_proof_figures;
/** The active device's chain proof of the vectors, checked once: 1 if accepted; its sizes in `figures`. */
int pythia_test_chain_proof_once(chain_proof_figures *figures);
#endif
