# pvmon: one Makefile for the whole tree.
# Shared code (common/) is built into a static library that the collector, the
# allocator and the simulator link; tests link every module library.

CC       ?= cc
O        ?= build
BIN      ?= bin
PKGS     := libmodbus libmosquitto sqlite3 libcjson xlsxwriter libmicrohttpd libpq
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN     := -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wformat=2 -Wwrite-strings -Werror
CFLAGS   ?= -O2 -g
CPPFLAGS += -D_GNU_SOURCE -Iinclude -Itests -I$(O)/gen $(PKG_CFLAGS)
# Program headers by their folder: -iquote so that "poll.h" never shadows <poll.h>.
ALLOCATOR_INC := $(foreach d,allocator allocator/store allocator/ingest allocator/report \
                   allocator/live,-iquote $(d))
PROGRAM_INC   := $(ALLOCATOR_INC) -iquote collector -iquote sim
LDLIBS   += $(PKG_LIBS) -lpthread -lm
ifeq ($(SAN),1)
CFLAGS   += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS  += -fsanitize=address,undefined
endif

COMMON_SRC    := $(wildcard common/*.c)
COLLECTOR_SRC := $(filter-out collector/main.c,$(wildcard collector/*.c))
ALLOCATOR_SRC := $(filter-out allocator/main.c,$(wildcard allocator/*.c allocator/*/*.c))
SIM_SRC       := $(filter-out sim/main.c,$(wildcard sim/*.c))
TEST_SRC      := $(wildcard tests/unit/test_*.c)
TOOL_SRC      := $(wildcard tests/tools/*.c)

obj = $(patsubst %.c,$(O)/%.o,$(1))

LIBCOMMON    := $(O)/libpvmon.a
LIBCOLLECTOR := $(O)/libcollector.a
LIBALLOCATOR := $(O)/liballocator.a
LIBSIM       := $(O)/libsim.a

PROGS := $(BIN)/pvmon-collector $(BIN)/pvmon-allocator $(BIN)/pvmon-sim
TESTS := $(patsubst tests/unit/%.c,$(O)/tests/%,$(TEST_SRC))
TOOLS := $(patsubst tests/tools/%.c,$(O)/tools/%,$(TOOL_SRC))

.PHONY: all tests test asan asan-unit clean deps deps-test bench faults fuzz demo format format-check \
        install cross
all: $(PROGS)

$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -MMD -MP -c -o $@ $<
# The allocator's folders see each other's headers; tests, tools, the demo and the
# benchmarks see every program's.
$(O)/allocator/%.o: CPPFLAGS += $(ALLOCATOR_INC)
$(O)/tests/%.o $(O)/demo/%.o $(O)/bench/%.o: CPPFLAGS += $(PROGRAM_INC)

$(LIBCOMMON): $(call obj,$(COMMON_SRC))
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^
$(LIBCOLLECTOR): $(call obj,$(COLLECTOR_SRC))
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^
$(LIBALLOCATOR): $(call obj,$(ALLOCATOR_SRC))
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^
$(LIBSIM): $(call obj,$(SIM_SRC))
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^

$(BIN)/pvmon-collector: $(O)/collector/main.o $(LIBCOLLECTOR) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BIN)/pvmon-allocator: $(O)/allocator/main.o $(LIBALLOCATOR) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BIN)/pvmon-sim: $(O)/sim/main.o $(LIBSIM) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(O)/tests/%: $(O)/tests/unit/%.o $(LIBCOLLECTOR) $(LIBALLOCATOR) $(LIBSIM) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(O)/tools/%: $(O)/tests/tools/%.o $(LIBCOLLECTOR) $(LIBALLOCATOR) $(LIBSIM) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

tests: $(PROGS) $(TESTS) $(TOOLS)

# The dashboard's stylesheet and script (allocator/live/web/), embedded in the binary as C strings.
WEB_GEN := $(O)/gen/dash_css.h $(O)/gen/dash_js.h
$(O)/gen/dash_%.h: allocator/live/web/dash.%
	@mkdir -p $(dir $@)
	@{ echo "static const char dash_$*[] ="; \
	  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' $<; echo ";"; } >$@
$(O)/allocator/live/pages.o: $(WEB_GEN)

# Debian packages the build and the tests need; installed only when missing. chromium
# renders the HTML report (screenshots, PDFs) and runs the dashboard's browser test;
# fonts-noto-cjk gives it the Chinese glyphs.
DEB_BUILD := build-essential pkg-config libmodbus-dev libmosquitto-dev libsqlite3-dev libcjson-dev \
             libxlsxwriter-dev libmicrohttpd-dev libpq-dev
DEB_TEST  := mosquitto mosquitto-clients mbpoll socat sqlite3 openssl chromium fonts-noto-cjk \
             clang-format python3-openpyxl poppler-utils curl prometheus wrk nodejs \
             postgresql-15
deps:
	@sh tests/deps.sh $(DEB_BUILD) $(DEB_TEST)
	@sh tests/browser/setup.sh

# The whole suite: unit tests, then integration tests against real servers.
test: deps
	@$(MAKE) --no-print-directory tests
	@O=$(O) BIN=$(BIN) sh tests/run.sh

# The same suite built with AddressSanitizer and UndefinedBehaviorSanitizer.
asan: deps
	@$(MAKE) --no-print-directory SAN=1 O=build/asan BIN=build/asan/bin tests
	@O=build/asan BIN=build/asan/bin ASAN_OPTIONS=detect_leaks=1 sh tests/run.sh

# The unit test programs only, built with the sanitizers: the CI-sized slice of make asan.
asan-unit: deps
	@$(MAKE) --no-print-directory SAN=1 O=build/asan BIN=build/asan/bin tests
	@UNIT_ONLY=1 O=build/asan BIN=build/asan/bin ASAN_OPTIONS=detect_leaks=1 sh tests/run.sh

format:
	clang-format -i $$(git ls-files '*.c' '*.h')
# Fails, naming the files, when a tracked C file is not as .clang-format has it.
format-check:
	@git ls-files '*.c' '*.h' | xargs clang-format --dry-run -Werror

clean:
	rm -rf build bin

-include $(shell find $(O) -name '*.d' 2>/dev/null)

# The demo (demo/, docs/demo.md): its generator and history filler are tools beside the
# programs, built into $(O)/demo/bin; they may link the simulator and allocator libraries.
DEMO_SRC   := $(wildcard demo/*.c)
DEMO_PROGS := $(patsubst demo/%.c,$(O)/demo/bin/%,$(DEMO_SRC))
$(O)/demo/bin/%: $(O)/demo/%.o $(LIBALLOCATOR) $(LIBSIM) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
tests: $(DEMO_PROGS)

# The demo county end to end (docs/demo.md); DEMO_QUICK=1 for the CI-sized run.
demo: deps
	@$(MAKE) --no-print-directory demo-build
	@O=$(O) BIN=$(BIN) sh demo/run.sh $(if $(DEMO_QUICK),--quick)
.PHONY: demo-build
demo-build: $(PROGS) $(DEMO_PROGS) $(TOOLS)
	@:

# ---- Deployment: install, uninstall, gateway cross builds (docs/operations.md) ----
PREFIX      ?= /usr/local
DESTDIR     ?=
BINDIR      ?= $(PREFIX)/bin
DATADIR     ?= $(PREFIX)/share/pvmon
DOCDIR      ?= $(PREFIX)/share/doc/pvmon
UNITDIR     ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
INSTALL_ENV = BIN=$(BIN) DESTDIR=$(DESTDIR) BINDIR=$(BINDIR) DATADIR=$(DATADIR) DOCDIR=$(DOCDIR) \
              UNITDIR=$(UNITDIR) SYSUSERSDIR=$(SYSUSERSDIR)

.PHONY: uninstall deps-cross test-cross
install: $(PROGS)
	@$(INSTALL_ENV) sh deploy/install.sh install
uninstall:
	@$(INSTALL_ENV) sh deploy/install.sh uninstall

# make cross ARCH=arm64|armhf: Debian's cross compiler and the multiarch -dev packages;
# programs in bin/$(ARCH), stripped copies (what a gateway needs) in build/$(ARCH)/stripped.
ARCH            ?= arm64
TRIPLET_arm64   := aarch64-linux-gnu
TRIPLET_armhf   := arm-linux-gnueabihf
TRIPLET         := $(TRIPLET_$(ARCH))
DEB_CROSS        = gcc-$(TRIPLET) qemu-user \
                   $(addsuffix :$(ARCH),libmodbus-dev libmosquitto-dev libsqlite3-dev libcjson-dev \
                     libmicrohttpd-dev)
deps-cross:
	@test -n "$(TRIPLET)" || { echo "make cross: ARCH must be arm64 or armhf" >&2; exit 2; }
	@sh deploy/cross-deps.sh $(ARCH) $(DEB_CROSS)
cross: deps-cross
	@PKG_CONFIG_LIBDIR=/usr/lib/$(TRIPLET)/pkgconfig:/usr/share/pkgconfig PKG_CONFIG_PATH= \
	  $(MAKE) --no-print-directory CC=$(TRIPLET)-gcc AR=$(TRIPLET)-ar \
	  O=build/$(ARCH) BIN=bin/$(ARCH) all
	@mkdir -p build/$(ARCH)/stripped
	@for p in $(notdir $(PROGS)); do \
	  $(TRIPLET)-strip -o build/$(ARCH)/stripped/$$p bin/$(ARCH)/$$p && \
	  echo "$(ARCH) $$p: $$(stat -c %s build/$(ARCH)/stripped/$$p) bytes stripped"; done

# The cross-built collector under qemu-user against a host pvmon-sim and mosquitto. Not in
# `make test`: the cross build takes ~45 s on two cores and the smoke ~15 s, after the
# foreign-architecture packages (minutes to fetch on a fresh machine).
test-cross: cross deps
	@$(MAKE) --no-print-directory tests
	@ARCH=$(ARCH) TRIPLET=$(TRIPLET) O=$(O) BIN=$(BIN) sh tests/cross/smoke.sh

# Fuzzing (docs/reliability.md, tests/fuzz/README.md): libFuzzer targets built
# with clang into build/fuzz, each run FUZZ_SECONDS on its seed corpus.
DEB_FUZZ     := clang libclang-rt-14-dev
FUZZ_O       := build/fuzz
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS  := -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined \
                -fno-sanitize-recover=undefined
FUZZ_BINS     = $(patsubst tests/fuzz/%.c,$(O)/%,$(wildcard tests/fuzz/fuzz_*.c))
.PHONY: deps-fuzz fuzz-build fuzz-bins

$(O)/fuzz_%: $(O)/tests/fuzz/fuzz_%.o $(O)/tests/fuzz/fuzzutil.o $(LIBCOMMON)
	$(CC) -fsanitize=fuzzer,address,undefined -o $@ $^ $(LDLIBS)
fuzz-bins: $(FUZZ_BINS)
deps-fuzz:
	@sh tests/deps.sh $(DEB_FUZZ)
fuzz-build: deps-fuzz
	@$(MAKE) --no-print-directory CC=clang O=$(FUZZ_O) CFLAGS="$(FUZZ_CFLAGS)" \
	    WARN="$(WARN) -Wno-shadow" fuzz-bins
fuzz: fuzz-build
	@FUZZ_O=$(FUZZ_O) FUZZ_SECONDS=$(FUZZ_SECONDS) sh tests/fuzz/run.sh

# Long memory runs (bench/leaks.sh): 100,000 collector polls and 1,000,000 ingested
# readings under LeakSanitizer (the asan build), then again without it for flat RSS.
DEB_LEAKS := valgrind
.PHONY: leaks deps-leaks
deps-leaks:
	@sh tests/deps.sh $(DEB_LEAKS)
leaks: deps deps-leaks
	@$(MAKE) --no-print-directory tests
	@$(MAKE) --no-print-directory SAN=1 O=build/asan BIN=build/asan/bin tests
	@CHECK=lsan sh bench/leaks.sh all
	@CHECK=none sh bench/leaks.sh all

# ---- Fault suite (docs/reliability.md): every scenario at full length, about 15 minutes;
# FAULTS="broker bound" runs some. The CI-sized slice is tests/it/test_faults_ci.sh. ----
faults: deps
	@$(MAKE) --no-print-directory tests
	@O=$(O) BIN=$(BIN) sh tests/faults/run.sh $(FAULTS)

# ---- The central broker as a RabbitMQ cluster (docs/scale.md, "Broker at scale"): two
# rabbitmq-server 3.10 nodes with rabbitmq_mqtt behind haproxy, each node SIGKILLed in turn.
# Not in make test: a node boots in 10-20 s and a rejoining one takes about two minutes.
# The region bridges (mosquitto) are tests/it/test_broker_bridge.sh, in make test. ----
DEB_BROKER_CLUSTER := rabbitmq-server haproxy
.PHONY: test-broker-cluster deps-broker-cluster
deps-broker-cluster:
	@sh tests/deps.sh $(DEB_BROKER_CLUSTER)
test-broker-cluster: deps deps-broker-cluster
	@$(MAKE) --no-print-directory tests
	@PVMON_BIN=$(abspath $(BIN)) PVMON_TOOLS=$(abspath $(O)/tools) PVMON_ROOT=$(CURDIR) \
	  timeout -k 10 900 sh tests/broker/rabbitmq_cluster.sh

# ---- Benchmarks (docs/benchmarks.md): long runs, not part of make test ----
# bench/*.c are standalone programs (the collector's floor); bench/run.sh runs
# every bench/*.sh, the collector's first (BENCH_SECONDS: each collector phase, default 60).
BENCH_SRC  := $(wildcard bench/*.c)
BENCH_BINS := $(patsubst bench/%.c,$(O)/bench/%,$(BENCH_SRC))
.PHONY: bench-bins

$(BENCH_BINS): $(O)/bench/%: $(O)/bench/%.o
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
bench-bins: $(BENCH_BINS)
tests: $(BENCH_BINS)
bench: deps
	@$(MAKE) --no-print-directory tests
	@O=$(O) BIN=$(BIN) sh bench/run.sh

# The province bench (docs/scale.md, "The province bench"): bench/scale/*.c are its publisher,
# roll-up filler and insert floor, built with the tests (tests/it/test_bench_scale_smoke.sh runs
# a slice); `make bench-scale` runs the matrix, about 10 minutes on two cores. PVMON_BENCH_PG,
# PVMON_BENCH_WORKERS and the others are described in bench/scale/run.sh.
SCALE_SRC  := $(wildcard bench/scale/*.c)
SCALE_BINS := $(patsubst bench/scale/%.c,$(O)/bench/scale/%,$(SCALE_SRC))
.PHONY: bench-scale
$(SCALE_BINS): $(O)/bench/scale/%: $(O)/bench/scale/%.o $(LIBALLOCATOR) $(LIBCOMMON)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
tests: $(SCALE_BINS)
bench-scale: deps
	@$(MAKE) --no-print-directory tests
	@O=$(O) BIN=$(BIN) sh bench/scale/run.sh
