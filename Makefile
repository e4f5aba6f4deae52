# rumpsh: build, test, install. `make demo` and `make check` set up what they need.

PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
SANITIZE ?= 0

ifeq ($(SANITIZE),1)
BUILD   := build/san
XCFLAGS := -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
XLDFLAGS := -fsanitize=address,undefined
else
BUILD   := build/plain
XCFLAGS := -O2
XLDFLAGS :=
endif

CFLAGS  ?= -g
CFLAGS  += $(XCFLAGS) -std=gnu11 -Wall -Wextra -Wno-unused-parameter \
           -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -I.
LDFLAGS += $(XLDFLAGS)
FUSE_CFLAGS := $(shell pkg-config --cflags fuse3 2>/dev/null)
FUSE_LIBS   := $(shell pkg-config --libs fuse3 2>/dev/null || echo -lfuse3)
LIBS    := -lreadline -lz $(FUSE_LIBS)
ARCHIVE_LIBS := $(shell pkg-config --libs libarchive 2>/dev/null || echo -larchive)
LIBS    += $(ARCHIVE_LIBS)

CORE_SRC := $(sort $(wildcard vfs/*.c) $(wildcard fs/*.c) $(wildcard fs/*/*.c))
CLI_SRC  := $(sort $(wildcard cli/*.c) $(wildcard p2k/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))

CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/unit/%)
CORE_LIB := $(BUILD)/librumpcore.a
RUMPSH   := $(BUILD)/rumpsh

.PHONY: all check check-one check-build deps deps-check demo install clean bench fuzz fuzz-build samples

all: $(RUMPSH)
	@ln -sf $(RUMPSH) rumpsh

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

# --version prints the VERSION file's line.
VERSION := $(shell cat VERSION 2>/dev/null || echo unknown)
$(BUILD)/cli/main.o: CFLAGS += -DRUMPSH_VERSION='"$(VERSION)"'
$(BUILD)/cli/main.o: VERSION

# p2k speaks libfuse3; only its files see the FUSE headers.
$(BUILD)/p2k/%.o: p2k/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(FUSE_CFLAGS) -MMD -MP -c $< -o $@

$(CORE_LIB): $(CORE_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(RUMPSH): $(CLI_OBJ) $(CORE_LIB)
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(CORE_LIB) $(LIBS)

$(BUILD)/unit/%: tests/unit/%.c tests/unit/unit.h $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(CORE_LIB) $(LIBS)

units: $(UNIT_BIN)

# The sandbox's unit test links the one cli/ module it tests.
$(BUILD)/unit/test_sandbox: tests/unit/test_sandbox.c tests/unit/unit.h $(BUILD)/cli/sandbox.o
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/cli/sandbox.o

# deps: the Debian packages that the build and the tests need.
deps:
	@tests/deps.sh install

deps-check:
	@tests/deps.sh ensure

# One pass (plain or SANITIZE=1): unit tests then bats suites.
check-one: $(RUMPSH) $(UNIT_BIN)
	@tests/run.sh $(BUILD)

check-build: $(RUMPSH) $(UNIT_BIN)

# check: the plain pass and the sanitized pass, one summary line at the end.
# The two passes run side by side (one per core): the sanitized one writes
# to build/check-san.log, shown after the plain pass's live output. Fixtures
# are made afresh here once and shared by both passes. `make check
# SANITIZE=1` runs the sanitized pass alone.
check: deps-check
	@rm -f build/results.txt build/check-san.log
	@if [ -d build/fixtures ]; then mv build/fixtures build/fixtures.old.$$$$ && \
	    { rm -rf build/fixtures.old.* 2>/dev/null || true; }; fi
ifeq ($(SANITIZE),1)
	@$(MAKE) --no-print-directory SANITIZE=1 check-build all
	@tests/run.sh build/san
else
	@$(MAKE) --no-print-directory SANITIZE=1 check-build
	@$(MAKE) --no-print-directory SANITIZE=0 check-build all
	@export RUMPSH_KEEP_FIXTURES=1; \
	tests/run.sh build/san >build/check-san.log 2>&1 & san=$$!; \
	tests/run.sh build/plain; \
	wait $$san; echo "# ==== the sanitized pass (build/check-san.log):"; \
	cat build/check-san.log
endif
	@tests/summary.sh build/results.txt

demo: deps-check all
	@samples/make-samples.sh --if-missing
	./$(RUMPSH) samples/ext4.img

samples:
	samples/make-samples.sh

bench: deps-check all
	tests/bench/bench.sh $(BUILD)

# install: the binary and its rump_* links, the manual (rump_*.1 link to
# rumpsh.1), the bash and zsh completions where those shells look, and
# mount.rump where mount(8) looks for helpers (/sbin, whatever PREFIX is).
RUMP_LINKS := rump_ext2fs rump_ffs rump_msdos rump_cd9660
MOUNTHELPERDIR ?= /sbin
MANDIR     := $(DESTDIR)$(PREFIX)/share/man/man1
BASHCOMPDIR := $(DESTDIR)$(PREFIX)/share/bash-completion/completions
# Debian's zsh reads vendor-completions under /usr, site-functions elsewhere
ZSHCOMPDIR := $(DESTDIR)$(PREFIX)/share/zsh/$(if $(filter /usr,$(PREFIX)),vendor-completions,site-functions)
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(MANDIR) $(BASHCOMPDIR) $(ZSHCOMPDIR) \
		$(DESTDIR)$(MOUNTHELPERDIR)
	install -m 755 $(RUMPSH) $(DESTDIR)$(PREFIX)/bin/rumpsh
	install -m 644 doc/rumpsh.1 $(MANDIR)/rumpsh.1
	install -m 644 completions/rumpsh.bash $(BASHCOMPDIR)/rumpsh
	install -m 644 completions/_rumpsh $(ZSHCOMPDIR)/_rumpsh
	for l in $(RUMP_LINKS); do \
		ln -sf rumpsh $(DESTDIR)$(PREFIX)/bin/$$l; \
		ln -sf rumpsh.1 $(MANDIR)/$$l.1; \
		ln -sf rumpsh $(BASHCOMPDIR)/$$l; done
	ln -sf $(PREFIX)/bin/rumpsh $(DESTDIR)$(MOUNTHELPERDIR)/mount.rump
	ln -sf rumpsh.1 $(MANDIR)/mount.rump.1

# Fuzzing: the core again, built by clang with libFuzzer's instrumentation into build/fuzz/,
# and one harness per driver (fuzz_read_DRIVER; fuzz_write_DRIVER where the driver writes).
# `make fuzz FUZZ_SECONDS=N` runs each for N seconds; crashes land in build/fuzz/crashes/.
FUZZ_CC      ?= clang
FUZZ_DIR     := build/fuzz
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS  := -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined \
                -fno-sanitize-recover=undefined -std=gnu11 -Wall -Wextra -Wno-unused-parameter \
                -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -I.
FUZZ_LDFLAGS := -fsanitize=fuzzer,address,undefined
FUZZ_READ    := ext2 ffs msdos cd9660
FUZZ_WRITE   := ffs msdos ext2
FUZZ_OBJ     := $(CORE_SRC:%.c=$(FUZZ_DIR)/obj/%.o)
FUZZ_BINS    := $(FUZZ_READ:%=$(FUZZ_DIR)/fuzz_read_%) $(FUZZ_WRITE:%=$(FUZZ_DIR)/fuzz_write_%)

$(FUZZ_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@

$(FUZZ_DIR)/librumpcore.a: $(FUZZ_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_common.h $(FUZZ_DIR)/librumpcore.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_LDFLAGS) -DFUZZ_FSTYPE='"$(lastword $(subst _, ,$*))"' \
	    -o $@ tests/fuzz/fuzz_$(firstword $(subst _, ,$*)).c $(FUZZ_DIR)/librumpcore.a -lz

$(FUZZ_READ:%=$(FUZZ_DIR)/fuzz_read_%): tests/fuzz/fuzz_read.c
$(FUZZ_WRITE:%=$(FUZZ_DIR)/fuzz_write_%): tests/fuzz/fuzz_write.c

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	@tests/fuzz/make-seeds.sh $(FUZZ_DIR)/seeds
	@tests/fuzz/run-fuzz.sh $(FUZZ_SECONDS) $(notdir $(FUZZ_BINS))

clean:
	rm -rf build rumpsh

-include $(CORE_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(wildcard $(FUZZ_DIR)/obj/*/*.d $(FUZZ_DIR)/obj/*/*/*.d)
