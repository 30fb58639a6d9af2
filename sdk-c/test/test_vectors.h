#ifndef PYTHIA_TEST_VECTORS_RUNNER_H
#define PYTHIA_TEST_VECTORS_RUNNER_H
#include "pythia.h"
typedef void (*test_output_fn)(const char *text);
int pythia_test_vectors(test_output_fn output, pythia_crypto *crypto);
int pythia_test_verify_once(pythia_crypto *crypto);
#endif
