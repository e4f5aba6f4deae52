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

CORE_SRC := $(sort $(wildcard vfs/*.c) $(wildcard fs/*.c) $(wildcard fs/*/*.c))
CLI_SRC  := $(sort $(wildcard cli/*.c) $(wildcard p2k/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))

CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/unit/%)
CORE_LIB := $(BUILD)/librumpcore.a
RUMPSH   := $(BUILD)/rumpsh

.PHONY: all check check-one deps deps-check demo install clean bench fuzz samples

all: $(RUMPSH)
	@ln -sf $(RUMPSH) rumpsh

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

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

# deps: the Debian packages that the build and the tests need.
deps:
	@tests/deps.sh install

deps-check:
	@tests/deps.sh ensure

# One pass (plain or SANITIZE=1): unit tests then bats suites.
check-one: $(RUMPSH) $(UNIT_BIN)
	@tests/run.sh $(BUILD)

# check: the plain pass and the sanitized pass, one summary line at the end.
check: deps-check
	@rm -f build/results.txt
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory check-one
	@$(MAKE) --no-print-directory SANITIZE=1 check-one
	@tests/summary.sh build/results.txt

demo: deps-check all
	@samples/make-samples.sh --if-missing
	./$(RUMPSH) samples/ext4.img

samples:
	samples/make-samples.sh

bench: deps-check all
	tests/bench/bench.sh $(BUILD)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(RUMPSH) $(DESTDIR)$(PREFIX)/bin/rumpsh

clean:
	rm -rf build rumpsh

-include $(CORE_OBJ:.o=.d) $(CLI_OBJ:.o=.d)
