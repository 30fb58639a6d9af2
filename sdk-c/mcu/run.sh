#!/bin/sh
# Runs the vectors on qemu's mps2-an386 (Cortex-M4) and prints the one-line report of make mcu-check.
set -eu
PYTHIA_MAX_PROOF_NODE_BYTES=532 # include/pythia.h
qemu=$1 size=$2 nm=$3 label=$4 test_elf=$5 footprint_elf=$6 flash_limit=$7 ram_limit=$8 chain_proof_ram_limit=$9
out=${test_elf%.elf}.log
# -icount shift=0: one instruction = 1 ns of virtual time, so the board's 25 MHz timer counts one tick per 40 instructions.
if ! timeout 600 $qemu -M mps2-an386 -nographic -monitor none -serial none -icount shift=0 \
    -semihosting-config enable=on,target=native -kernel "$test_elf" >"$out" 2>&1; then
  cat "$out"
  echo "$label: the vectors FAILED on the emulated board" >&2
  exit 1
fi
grep -v '^stack: \|^verify ticks: \|^calibration \|^chain proof ' "$out"
# No allocator may be linked in: the SDK never allocates.
if $nm "$footprint_elf" "$test_elf" | grep -qE ' (malloc|_malloc_r|free|calloc|realloc)$'; then
  echo "$label: an allocator is linked in" >&2
  exit 1
fi
stack=$(sed -n 's/^stack: //p' "$out")
ticks=$(sed -n 's/^verify ticks: //p' "$out")
instructions=$((ticks * 40))
# The count is checked on a loop of known length (2,000,000 instructions): within 1 %, or no figure.
calibration=$(($(sed -n 's/^calibration ticks for 2000000 instructions: //p' "$out") * 40))
if [ "$calibration" -lt 1980000 ] || [ "$calibration" -gt 2020000 ]; then
  echo "$label: the instruction count is off: a loop of 2000000 instructions measured $calibration" >&2
  exit 1
fi
# text + data is what goes to flash; data + bss is static RAM; the stack is measured by painting.
set -- $($size "$footprint_elf" | tail -1)
flash=$(($1 + $2))
ram=$(($2 + $3 + stack))
ms=$(awk -v n="$instructions" 'BEGIN { printf "%.1f", n / 64000 }')
# Chain proof: the header and the largest node are the buffers a device holds while it streams the proof.
figure() { sed -n "s/^chain proof $1: //p" "$out"; }
chain_ram=$(($(figure stack) + $(figure 'header bytes') + PYTHIA_MAX_PROOF_NODE_BYTES))
echo "$label chain proof: header $(figure 'header bytes') bytes + proof $(figure 'proof bytes') bytes ($(figure nodes) nodes, largest $(figure 'largest node')), streamed one node at a time; peak RAM $chain_ram bytes (stack $(figure stack) + the header + one node buffer of $PYTHIA_MAX_PROOF_NODE_BYTES)"
case $label in
*without*)
  # The verification here is the application's ECC (test/external_ecc.c): not the SDK's figure.
  echo "$label: flash $flash bytes, ram $ram bytes, max stack $stack bytes" ;;
*)
  echo "$label: flash $flash bytes, ram $ram bytes, max stack $stack bytes, verify $instructions instructions (${ms} ms at 64 MHz, one instruction a cycle)" ;;
esac
# The targets of issue #15 (docs/sdk-c.md): a build past them fails, so that growth cannot pass unseen.
if [ "$flash" -gt "$flash_limit" ] || [ "$ram" -gt "$ram_limit" ]; then
  echo "$label: over the target of $flash_limit bytes of flash and $ram_limit bytes of RAM (stack included)" >&2
  exit 1
fi
if [ "$chain_ram" -gt "$chain_proof_ram_limit" ]; then
  echo "$label: a chain proof streamed takes $chain_ram bytes of RAM, over the target of $chain_proof_ram_limit" >&2
  exit 1
fi
