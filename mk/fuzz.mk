# Coverage-guided fuzzing of the parsers that read what outsiders send
# (see fuzz/README.md).
#
#   make fuzz        every target for FUZZ_SECONDS (60) each; fails on any
#                    crash, leak, hang or sanitizer report, whose input is
#                    kept in build-fuzz/crashes/
#   make fuzz-ci     every input in fuzz/regress/<target>/ replayed once,
#                    then every target for FUZZ_CI_SECONDS (8) each
#   make fuzz-build  the targets only, in build-fuzz/
#   make fuzz-run/fuzz_csv, make fuzz-ci/fuzz_csv    one target
#
# -k runs every target despite a finding; -j2 runs two at a time.
#
# The project is built a third time, with clang, libFuzzer's coverage
# hooks and the sanitizers, into build-fuzz/ so build/ and build-san/ are
# left alone.  The objects go into archives so that a target links only
# what it reaches, and a target that includes a source file to reach its
# static parsers does not clash with that file's object.

FUZZ_CC          ?= clang
FUZZ_DIR         ?= build-fuzz
FUZZ_SECONDS     ?= 60
FUZZ_CI_SECONDS  ?= 8
# A single input taking longer than this is a hang worth reporting.
FUZZ_TIMEOUT     ?= 10
FUZZ_RSS_MB      ?= 2048
# The gcc build holds the code to the warnings; clang warns of more
# (vprintf-style wrappers, adjacent string literals), which is shown here
# but does not stop the fuzzing.
FUZZ_WARN        := $(filter-out -Werror,$(WARN)) -Wno-format-nonliteral
FUZZ_SAN         := -fsanitize=address,undefined \
                    -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS      := -std=c11 -D_GNU_SOURCE -O1 -g $(FUZZ_WARN) \
                    $(FUZZ_SAN) -fsanitize=fuzzer-no-link -Isrc \
                    $(shell pkg-config --cflags $(PKGS) 2>/dev/null) \
                    $(shell geos-config --cflags 2>/dev/null)
FUZZ_LDLIBS      := $(shell pkg-config --libs $(PKGS) 2>/dev/null) \
                    $(shell geos-config --clibs 2>/dev/null) -lpthread -lm
FUZZ_OBJ         := $(SRC:%.c=$(FUZZ_DIR)/%.o)
FUZZ_LIB         := $(FUZZ_DIR)/libcivicgrid.a
# The layers that touch no database or network, and the request body
# checks: enough for most targets, which then do not wait on (or break
# with) the rest of the program.
FUZZ_PURE_DIRS   := base core geo media auth http
FUZZ_PURE_OBJ    := $(filter $(FUZZ_PURE_DIRS:%=$(FUZZ_DIR)/src/%/%) \
                      $(FUZZ_DIR)/src/api/validate.o,$(FUZZ_OBJ))
FUZZ_PURE_LIB    := $(FUZZ_DIR)/libcivicgrid-pure.a
# Targets that reach the route table or the importers need everything.
FUZZ_NEEDS_ALL   := fuzz_router fuzz_history fuzz_csv
FUZZ_TARGETS     := $(sort $(basename $(notdir $(wildcard fuzz/fuzz_*.c))))
FUZZ_BINS        := $(FUZZ_TARGETS:%=$(FUZZ_DIR)/%)
FUZZ_HELPERS     := $(FUZZ_DIR)/fuzz/harness.o
FUZZ_ASAN        := detect_leaks=1:allocator_may_return_null=1
FUZZ_ASAN        := $(FUZZ_ASAN):strict_string_checks=1
FUZZ_LSAN        := suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0
FUZZ_ENV         := ASAN_OPTIONS=$(FUZZ_ASAN) LSAN_OPTIONS=$(FUZZ_LSAN) \
                    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
FUZZ_FLAGS       := -timeout=$(FUZZ_TIMEOUT) -rss_limit_mb=$(FUZZ_RSS_MB) \
                    -print_final_stats=1 -close_fd_mask=3

.PHONY: fuzz fuzz-ci fuzz-build

fuzz-build: $(FUZZ_BINS)

# The compiler and libraries come with the project's packages.
$(FUZZ_DIR)/src/%.o: src/%.c | deps
	@mkdir -p $(dir $@)
	@echo "  CC [fuzz] $<"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c -o $@ $<

$(FUZZ_DIR)/fuzz/%.o: fuzz/%.c | deps
	@mkdir -p $(dir $@)
	@echo "  CC [fuzz] $<"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -Ifuzz -MMD -MP -c -o $@ $<

$(FUZZ_LIB): $(FUZZ_OBJ)
	@rm -f $@
	@ar rcs $@ $^

$(FUZZ_PURE_LIB): $(FUZZ_PURE_OBJ)
	@rm -f $@
	@ar rcs $@ $^

$(filter $(FUZZ_NEEDS_ALL:%=$(FUZZ_DIR)/%),$(FUZZ_BINS)): $(FUZZ_LIB)
$(filter-out $(FUZZ_NEEDS_ALL:%=$(FUZZ_DIR)/%),$(FUZZ_BINS)): $(FUZZ_PURE_LIB)

$(FUZZ_DIR)/fuzz_%: $(FUZZ_DIR)/fuzz/fuzz_%.o $(FUZZ_HELPERS)
	@echo "  LD [fuzz] $@"
	@$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(FUZZ_LDLIBS)

-include $(FUZZ_OBJ:.o=.d) $(wildcard $(FUZZ_DIR)/fuzz/*.d)

# One target for $(2) seconds.  New inputs go to build-fuzz/corpus/ so
# the committed seeds stay as they are; a finding stops the target and is
# written to build-fuzz/crashes/<target>-crash-<sha1> (or leak-, timeout-,
# oom-), and the tail of libFuzzer's report is shown.
define fuzz_run
	@mkdir -p $(FUZZ_DIR)/corpus/$(1) $(FUZZ_DIR)/crashes
	@$(FUZZ_ENV) $(FUZZ_DIR)/$(1) $(FUZZ_FLAGS) -max_total_time=$(2) \
	  -artifact_prefix=$(FUZZ_DIR)/crashes/$(1)- \
	  $(patsubst %,-dict=%,$(wildcard fuzz/$(1).dict)) \
	  $(FUZZ_DIR)/corpus/$(1) fuzz/corpus/$(1) \
	  2>$(FUZZ_DIR)/$(1).log || \
	  { tail -60 $(FUZZ_DIR)/$(1).log; \
	    echo "$(1): FAILED; the input is in $(FUZZ_DIR)/crashes/"; exit 1; }
	@printf '%-16s %s\n' $(1) "$$(grep -E '^#[0-9]+[[:space:]]+DONE' \
	  $(FUZZ_DIR)/$(1).log | sed 's/  */ /g')"
endef

# Each input of fuzz/regress/$(1)/ once, without mutation.
define fuzz_replay
	@if ls fuzz/regress/$(1)/* >/dev/null 2>&1; then \
	  $(FUZZ_ENV) $(FUZZ_DIR)/$(1) $(FUZZ_FLAGS) fuzz/regress/$(1)/* \
	    >$(FUZZ_DIR)/$(1).replay.log 2>&1 || \
	  { tail -60 $(FUZZ_DIR)/$(1).replay.log; \
	    echo "$(1): a regression input fails again"; exit 1; }; \
	  printf '%-16s %s regression inputs pass\n' $(1) \
	    "$$(ls fuzz/regress/$(1) | wc -l)"; \
	fi
endef

# One make target per fuzz target, so `make -k` runs them all and `-j2`
# runs two at a time.
fuzz: $(FUZZ_TARGETS:%=fuzz-run/%)
fuzz-ci: $(FUZZ_TARGETS:%=fuzz-ci/%)

.PHONY: $(FUZZ_TARGETS:%=fuzz-run/%) $(FUZZ_TARGETS:%=fuzz-ci/%)

$(FUZZ_TARGETS:%=fuzz-run/%): fuzz-run/%: $(FUZZ_DIR)/%
	$(call fuzz_run,$*,$(FUZZ_SECONDS))

$(FUZZ_TARGETS:%=fuzz-ci/%): fuzz-ci/%: $(FUZZ_DIR)/%
	$(call fuzz_replay,$*)
	$(call fuzz_run,$*,$(FUZZ_CI_SECONDS))
