# civicgrid - build, run and test.
#
#   make            build ./civicgrid
#   make run        install what is missing, build, create ./civicgrid.db
#                   with the demo city, and serve it on 127.0.0.1:8080
#   make test       everything CI runs (unit, API, browser; sanitizers)
#   make unit       the C unit tests only
#   make valgrind   the C unit tests under valgrind
#   make fuzz       the fuzz targets, a minute each (fuzz/README.md)
#   make crashtest  kill -9 under load, then check nothing was lost
#   make hostile    hostile load, and what users see meanwhile
#   make SAN=1      build with AddressSanitizer and UBSan into build-san/

CC      ?= cc
SAN     ?= 0
PKGS    := libmicrohttpd jansson sqlite3 libsodium vips libpq
PYTHON  := /usr/bin/python3

ifeq ($(SAN),1)
BUILD   := build-san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer \
            -fno-sanitize-recover=undefined
OPT     := -O1 -g
else
BUILD   := build
SANFLAGS :=
OPT     := -O2 -g
endif

WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
           -Wno-unused-parameter -Wformat=2
CFLAGS  += -std=c11 -D_GNU_SOURCE $(OPT) $(WARN) $(SANFLAGS) -Isrc \
           $(shell pkg-config --cflags $(PKGS) 2>/dev/null) \
           $(shell geos-config --cflags 2>/dev/null)
LDLIBS  += $(shell pkg-config --libs $(PKGS) 2>/dev/null) \
           $(shell geos-config --clibs 2>/dev/null) -lpthread -lm
LDFLAGS += $(SANFLAGS)

SRC     := $(sort $(wildcard src/*/*.c))
OBJ     := $(SRC:%.c=$(BUILD)/%.o)
MAIN    := $(BUILD)/src/main.o
BIN     := $(BUILD)/civicgrid
# Unit tests link only the layers that do no network or database I/O.
UNIT_OBJ := $(filter $(foreach m,base core geo media auth,$(BUILD)/src/$(m)/%),$(OBJ))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all deps run test unit api e2e format format-check clean

all: civicgrid

civicgrid: $(BIN)
ifeq ($(SAN),0)
	@cp $(BIN) civicgrid.tmp && mv -f civicgrid.tmp civicgrid
endif

$(BIN): $(OBJ) $(MAIN)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC $<"
	@$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(UNIT_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS) $(LDLIBS) -lcmocka

-include $(OBJ:.o=.d) $(MAIN:.o=.d)

# Further targets (benchmarks, fuzzing, crash test) live beside the code
# they drive, one fragment each.
-include $(sort $(wildcard mk/*.mk))

deps:
	@scripts/install-deps.sh

run: deps
	@$(MAKE) --no-print-directory civicgrid
	@scripts/run-demo.sh

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; \
	  CIVICGRID_TEST_DATA=$(CURDIR)/tests/data $$t; done

test: deps
	@scripts/test.sh

format:
	clang-format -i $(SRC) src/main.c $(wildcard src/*/*.h) $(UNIT_SRC)

format-check:
	clang-format --dry-run --Werror $(SRC) src/main.c \
	  $(wildcard src/*/*.h) $(UNIT_SRC)

clean:
	rm -rf build build-san civicgrid
