# Cortex-M4 (qemu mps2-an386): the vectors on the emulated board, and the SDK's footprint.
ARM_CC ?= arm-none-eabi-gcc
ARM_SIZE ?= arm-none-eabi-size
ARM_NM ?= arm-none-eabi-nm
QEMU_ARM ?= qemu-system-arm
ARM_FLAGS := -std=c99 -mcpu=cortex-m4 -mthumb -mfloat-abi=soft -Os -g -ffunction-sections -fdata-sections $(WARNINGS) $(SECP_DEFS) $(INCLUDES) -Itest -Imcu
ARM_LINK := -nostartfiles --specs=nano.specs -Tmcu/mps2-an386.ld -Wl,--gc-sections
MCU_SOURCES := $(SDK_SOURCES) $(THIRD_PARTY_SOURCES) mcu/startup.c

$(BUILD)/mcu/test.elf: $(MCU_SOURCES) test/test_vectors.c test/vectors.h mcu/test_main.c mcu/board.h mcu/mps2-an386.ld include/pythia.h src/internal.h
	@mkdir -p $(@D)
	$(ARM_CC) $(ARM_FLAGS) $(MCU_SOURCES) test/test_vectors.c mcu/test_main.c $(ARM_LINK) -o $@

$(BUILD)/mcu/footprint.elf: $(MCU_SOURCES) mcu/footprint.c mcu/board.h mcu/mps2-an386.ld include/pythia.h src/internal.h
	@mkdir -p $(@D)
	$(ARM_CC) $(ARM_FLAGS) $(MCU_SOURCES) mcu/footprint.c $(ARM_LINK) -o $@

mcu-check: $(BUILD)/mcu/test.elf $(BUILD)/mcu/footprint.elf
	sh mcu/run.sh $(BUILD)/mcu/test.elf $(BUILD)/mcu/footprint.elf "$(QEMU_ARM)" "$(ARM_SIZE)" "$(ARM_NM)"
