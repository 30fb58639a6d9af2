# Cortex-M4 (qemu mps2-an386): the vectors on the emulated board, and the SDK's footprint.
ARM_CC ?= arm-none-eabi-gcc
ARM_SIZE ?= arm-none-eabi-size
ARM_NM ?= arm-none-eabi-nm
QEMU_ARM ?= qemu-system-arm
# -flto: link-time optimisation drops and merges across files what -ffunction-sections alone keeps (about 2 KB).
ARM_FLAGS := -std=c99 -mcpu=cortex-m4 -mthumb -mfloat-abi=soft -Os -flto -g -ffunction-sections -fdata-sections $(WARNINGS) $(SECP_DEFS) $(INCLUDES) -Itest -Imcu
ARM_LINK := -nostartfiles --specs=nano.specs -Tmcu/mps2-an386.ld -Wl,--gc-sections
MCU_SOURCES := $(SDK_SOURCES) $(THIRD_PARTY_SOURCES) mcu/startup.c

$(BUILD)/mcu/test.elf: $(MCU_SOURCES) test/test_vectors.c test/vectors.h test/chain_vectors.h test/test_vectors.h mcu/test_main.c mcu/startup.c mcu/board.h mcu/mps2-an386.ld include/pythia.h src/internal.h
	@mkdir -p $(@D)
	$(ARM_CC) $(ARM_FLAGS) $(MCU_SOURCES) test/test_vectors.c mcu/test_main.c $(ARM_LINK) -o $@

$(BUILD)/mcu/footprint.elf: $(MCU_SOURCES) mcu/footprint.c mcu/board.h mcu/mps2-an386.ld include/pythia.h src/internal.h
	@mkdir -p $(@D)
	$(ARM_CC) $(ARM_FLAGS) $(MCU_SOURCES) mcu/footprint.c $(ARM_LINK) -o $@

# Without the ECC library (PYTHIA_EXTERNAL_ECC): the vectors with test/external_ecc.c running the ECC
# on a stack of its own, and the footprint with the application's ECC left out.
$(BUILD)/mcu/test-external-ecc.elf: $(MCU_SOURCES) test/test_vectors.c test/external_ecc.c test/vectors.h test/chain_vectors.h test/test_vectors.h mcu/test_main.c mcu/startup.c mcu/board.h mcu/mps2-an386.ld include/pythia.h src/internal.h
	@mkdir -p $(@D)
	$(ARM_CC) $(ARM_FLAGS) -DPYTHIA_EXTERNAL_ECC -DBOARD_ECC_STACK $(MCU_SOURCES) test/test_vectors.c test/external_ecc.c mcu/test_main.c $(ARM_LINK) -o $@

$(BUILD)/mcu/footprint-external-ecc.elf: $(MCU_SOURCES) mcu/footprint.c mcu/board.h mcu/mps2-an386.ld include/pythia.h src/internal.h
	@mkdir -p $(@D)
	$(ARM_CC) $(ARM_FLAGS) -DPYTHIA_EXTERNAL_ECC $(SDK_SOURCES) third_party/xkcp/KeccakSpongeWidth1600.c third_party/xkcp/KeccakP-1600-inplace32BI.c mcu/startup.c mcu/footprint.c $(ARM_LINK) -o $@

# Issue #15's targets, in bytes (docs/sdk-c.md), stack included: mcu-check fails past any of them, and
# `npm run bench -- sdk-c` reads them from `make -s print-mcu-targets`, so that they are written here only.
MCU_LABEL := cortex-m4
MCU_FLASH_TARGET := 98304
MCU_RAM_TARGET := 16384
MCU_EXTERNAL_ECC_LABEL := cortex-m4 without the ECC library
MCU_EXTERNAL_ECC_FLASH_TARGET := 32768
MCU_EXTERNAL_ECC_RAM_TARGET := 8192
# A header + storage proof streamed (the header, one node buffer and the stack of the walk), either image.
MCU_CHAIN_PROOF_RAM_TARGET := 16384

mcu-check: $(BUILD)/mcu/test.elf $(BUILD)/mcu/footprint.elf $(BUILD)/mcu/test-external-ecc.elf $(BUILD)/mcu/footprint-external-ecc.elf
	sh mcu/run.sh "$(QEMU_ARM)" "$(ARM_SIZE)" "$(ARM_NM)" "$(MCU_LABEL)" $(BUILD)/mcu/test.elf $(BUILD)/mcu/footprint.elf $(MCU_FLASH_TARGET) $(MCU_RAM_TARGET) $(MCU_CHAIN_PROOF_RAM_TARGET)
	sh mcu/run.sh "$(QEMU_ARM)" "$(ARM_SIZE)" "$(ARM_NM)" "$(MCU_EXTERNAL_ECC_LABEL)" $(BUILD)/mcu/test-external-ecc.elf $(BUILD)/mcu/footprint-external-ecc.elf $(MCU_EXTERNAL_ECC_FLASH_TARGET) $(MCU_EXTERNAL_ECC_RAM_TARGET) $(MCU_CHAIN_PROOF_RAM_TARGET)

# The targets as JSON: {"images": {label: {"flash": bytes, "ram": bytes}}, "chainProofRam": bytes}.
print-mcu-targets:
	@echo '{"images":{"$(MCU_LABEL)":{"flash":$(MCU_FLASH_TARGET),"ram":$(MCU_RAM_TARGET)},"$(MCU_EXTERNAL_ECC_LABEL)":{"flash":$(MCU_EXTERNAL_ECC_FLASH_TARGET),"ram":$(MCU_EXTERNAL_ECC_RAM_TARGET)}},"chainProofRam":$(MCU_CHAIN_PROOF_RAM_TARGET)}'
