# Usine: one non-recursive Makefile.
#
# Knobs (all overridable on the command line):
#   MODE=debug|release   debug: -O0 -g and assert() on; release (default): -O2 -g
#   SAN=address,undefined  build with these sanitizers (objects go to their own folder)
#   V=1                  show the full commands
#   WERROR=1             treat warnings as errors (CI sets it)
#   PKG_CONFIG=...       the pkg-config to use
#   PREFIX=/usr/local    where 'make install' puts things (DESTDIR is honoured)
#
# Targets: all (default), run, test, check, bench, deps, install, uninstall, layers, clean,
#          fuzz (FUZZ_SECONDS=60 per tests/fuzz/fuzz_*.c; not part of test or check).

MODE       ?= release
SAN        ?=
V          ?=
WERROR     ?= $(if $(CI),1,)
PKG_CONFIG ?= pkg-config
PREFIX     ?= /usr/local
CC         ?= cc
VERSION    := 0.1.0

# The Debian packages the project needs: the single list, used by 'make deps' and by .ci/run.
# python3-jsonschema is for the tests only: tests/test_schema.c checks the --json outputs against
# assets/schema/json/ with it (JSON Schema draft 2020-12, rather than a validator of our own).
DEB_PACKAGES := build-essential pkg-config gettext \
                libxml2-dev liblua5.4-dev libopenblas-openmp-dev libcmocka-dev libcjson-dev \
                libseccomp-dev libsdl2-dev libsdl2-ttf-dev libcairo2-dev libfontconfig-dev libcmark-dev \
                fonts-dejavu-core libopenmpi-dev openmpi-bin python3-jsonschema
PKGS       := libxml-2.0 libcjson cmocka lua5.4 libseccomp openblas sdl2 SDL2_ttf cairo fontconfig libcmark

ifeq ($(V),1)
Q :=
else
Q := @
endif

BUILD := build/$(MODE)$(if $(SAN),-san)
BIN   := build/usine$(if $(SAN),-san)

CFLAGS_BASE := -std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -Wshadow -Wstrict-prototypes \
               -Wmissing-prototypes -Wformat=2 -Wno-format-truncation -Wvla -fno-common -MMD -MP -Isim
ifeq ($(MODE),debug)
CFLAGS_MODE := -O0 -g3
else
CFLAGS_MODE := -O2 -g -DNDEBUG
endif
ifneq ($(SAN),)
CFLAGS_SAN := -fsanitize=$(SAN) -fno-omit-frame-pointer -fno-sanitize-recover=all
endif
ifeq ($(WERROR),1)
CFLAGS_WERR := -Werror
endif

# pkg-config is asked only when a package is present, so that 'make deps' works on a bare machine.
pc_cflags = $(shell $(PKG_CONFIG) --cflags $(1) 2>/dev/null)
pc_libs   = $(shell $(PKG_CONFIG) --libs $(1) 2>/dev/null)

CORE_PKGS := libxml-2.0
CFLAGS  += $(CFLAGS_BASE) $(CFLAGS_MODE) $(CFLAGS_SAN) $(CFLAGS_WERR) -DUSINE_VERSION='"$(VERSION)"'
LDFLAGS += $(CFLAGS_SAN)

CORE_CFLAGS := $(call pc_cflags,$(CORE_PKGS))
CORE_LIBS   := $(call pc_libs,$(CORE_PKGS)) -lm
APP_CFLAGS  := $(call pc_cflags,libcjson lua5.4) -Ikernels -Iscripting
APP_LIBS    := $(call pc_libs,libcjson)
# The kernels: OpenMP, and OpenBLAS's OpenMP build so that both share one thread pool. -O3 and FMA
# contraction let the compiler vectorise the ladder's micro-kernel as a C programmer expects.
KN_CFLAGS   := -fopenmp -O3 -ffp-contract=fast -fno-math-errno $(call pc_cflags,openblas)
KN_LIBS     := -fopenmp $(call pc_libs,openblas)
# The scripting layer: Lua 5.4, the grader's system-call filter (libseccomp), JSON and XML output.
SCRIPT_PKGS := lua5.4 libseccomp libcjson libxml-2.0
SCRIPT_CFLAGS := $(call pc_cflags,$(SCRIPT_PKGS)) -Ikernels
SCRIPT_LIBS := $(call pc_libs,$(SCRIPT_PKGS))
# The desktop app: SDL2 and SDL2_ttf (window, text), fontconfig (finding a font), cairo (plots,
# PNG and SVG), cmark (the exercises' Markdown). Only sim/ui/ sees them.
UI_PKGS     := sdl2 SDL2_ttf cairo fontconfig libcmark
UI_CFLAGS   := $(call pc_cflags,$(UI_PKGS)) -Isim/ui
UI_LIBS     := $(call pc_libs,$(UI_PKGS)) -lpthread
TEST_CFLAGS := $(call pc_cflags,cmocka libcjson) $(SCRIPT_CFLAGS) $(UI_CFLAGS) -Iscripting
TEST_LIBS   := $(call pc_libs,cmocka libcjson) $(SCRIPT_LIBS)
# MPI (usine train --mpi) only where Open MPI's mpicc is found; 'make MPICC=' builds without it.
# Its headers go in with -isystem so that their warnings do not fail a WERROR build.
ifeq ($(origin MPICC),undefined)
MPICC       := $(shell command -v mpicc 2>/dev/null)
endif
ifneq ($(MPICC),)
MPI_CFLAGS  := -DUSINE_HAVE_MPI $(patsubst -I%,-isystem %,$(shell $(MPICC) --showme:compile 2>/dev/null))
MPI_LIBS    := $(shell $(MPICC) --showme:link 2>/dev/null)
endif
# Runs the program under mpirun; skips itself without mpirun or in a build without MPI.
MPI_TESTS   := tests/test_mpi.sh

# ---------------------------------------------------------------------------------------------
# Sources. The core (sim/*.c) becomes libusine.a; sim/app/ (libapp.a) is what the two front ends
# share (language, data folders, presets, numbers for people); the command line (sim/cli/) and the
# desktop app (sim/ui/, libui.a, the only place that may include SDL) sit on top and never call
# each other: the CLI calls the window through ui_app.h's ui_run and ui_screenshot only.
CORE_SRC := $(wildcard sim/*.c)
APP_SRC  := $(wildcard sim/app/*.c)
CORE_ASM := $(wildcard sim/*.S)
CLI_SRC  := $(wildcard sim/cli/*.c)
ifeq ($(MPICC),)
CLI_SRC  := $(filter-out sim/cli/cmd_train_mpi.c,$(CLI_SRC))
endif
UI_SRC   := $(wildcard sim/ui/*.c)
TEST_SRC := $(wildcard tests/test_*.c)

KN_SRC   := $(wildcard kernels/*.c)
SCRIPT_SRC := $(wildcard scripting/*.c)

CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/%.o) $(CORE_ASM:%.S=$(BUILD)/%.o)
KN_OBJ   := $(KN_SRC:%.c=$(BUILD)/%.o)
LIBKN    := $(BUILD)/libkernels.a
# The teacher's reference computations of the courses' exercises, built into the program
# (lb_cases.c, usine.reference) and not installed with the courses.
REFERENCES := $(sort $(wildcard courses/*/reference/*.lua))
SCRIPT_OBJ := $(SCRIPT_SRC:%.c=$(BUILD)/%.o) $(BUILD)/scripting/references.o
LIBSCRIPT := $(BUILD)/libscripting.a
APP_OBJ  := $(APP_SRC:%.c=$(BUILD)/%.o)
LIBAPP   := $(BUILD)/libapp.a
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/%.o)
UI_OBJ   := $(UI_SRC:%.c=$(BUILD)/%.o)
LIBUI    := $(BUILD)/libui.a
LIBCORE  := $(BUILD)/libusine.a
TESTS    := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)

LOCALE_MO := $(patsubst assets/po/%.po,build/locale/%/LC_MESSAGES/usine.mo,$(wildcard assets/po/*.po))

.PHONY: all run test check readme bench deps deps-if-missing install uninstall layers clean pot i18n-check

all: $(BIN) $(LOCALE_MO)

$(BUILD)/sim/%.o: sim/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) $(CORE_CFLAGS) $(APP_CFLAGS) -c $< -o $@

# The platform schema is embedded in the core with .incbin, so the loader needs no file at run time.
$(BUILD)/sim/plat_schema.o: sim/plat_schema.S assets/schema/platform.rng
	@mkdir -p $(@D)
	@$(if $(Q),echo "  AS      $<")
	$(Q)$(CC) $(CFLAGS_SAN) -c $< -o $@

# The application layer sees the core and util.h only: no SDL, no Lua, no front end.
$(BUILD)/sim/app/%.o: sim/app/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) $(CORE_CFLAGS) -c $< -o $@

$(LIBAPP): $(APP_OBJ)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/sim/ui/%.o: sim/ui/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) $(CORE_CFLAGS) $(APP_CFLAGS) $(SCRIPT_CFLAGS) $(UI_CFLAGS) -c $< -o $@

$(LIBUI): $(UI_OBJ)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/kernels/%.o: kernels/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) $(KN_CFLAGS) -c $< -o $@

# usine train --mpi: its file and the command that calls it see MPI; the program links it.
ifneq ($(MPICC),)
$(BUILD)/sim/cli/cmd_train_mpi.o: APP_CFLAGS += $(MPI_CFLAGS)
$(BUILD)/sim/cli/cmd_kernels.o: APP_CFLAGS += -DUSINE_HAVE_MPI
$(BIN): APP_LIBS += $(MPI_LIBS)
endif

$(BUILD)/scripting/%.o: scripting/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) $(CORE_CFLAGS) $(SCRIPT_CFLAGS) -c $< -o $@

# A folder's time changes when a reference is added or removed: the list is remade then.
$(BUILD)/scripting/references.S: scripting/embed-references.sh $(REFERENCES) $(wildcard courses/*/reference)
	@mkdir -p $(@D)
	$(Q)sh scripting/embed-references.sh $(REFERENCES) > $@.tmp && mv $@.tmp $@

$(BUILD)/scripting/references.o: $(BUILD)/scripting/references.S
	@$(if $(Q),echo "  AS      $<")
	$(Q)$(CC) $(CFLAGS_SAN) -c $< -o $@

$(LIBSCRIPT): $(SCRIPT_OBJ)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(LIBKN): $(KN_OBJ)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(LIBCORE): $(CORE_OBJ)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(BIN): $(CLI_OBJ) $(LIBUI) $(LIBAPP) $(LIBSCRIPT) $(LIBCORE) $(LIBKN)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) $(CLI_OBJ) $(LIBUI) $(LIBAPP) $(LIBSCRIPT) $(LIBCORE) $(LIBKN) $(APP_LIBS) $(UI_LIBS) $(SCRIPT_LIBS) $(KN_LIBS) $(CORE_LIBS) -o $@

build/locale/%/LC_MESSAGES/usine.mo: assets/po/%.po
	@mkdir -p $(@D)
	@$(if $(Q),echo "  MSGFMT  $<")
	$(Q)msgfmt --check -o $@ $<

$(BUILD)/tests/%.o: tests/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) $(CORE_CFLAGS) $(TEST_CFLAGS) -Ikernels -c $< -o $@

# The tests link the libraries only, never an object of sim/cli/ (test_ui_draw relies on it).
# test_ui_draw records the strings the window draws, and those it cuts, by wrapping ui_text_draw and
# ui_text_fit (mock at the edge).
$(BUILD)/tests/test_ui_draw: LDFLAGS += -Wl,--wrap=ui_text_draw -Wl,--wrap=ui_text_fit
$(BUILD)/tests/test_%: $(BUILD)/tests/test_%.o $(LIBUI) $(LIBAPP) $(LIBSCRIPT) $(LIBCORE) $(LIBKN)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) $< $(LIBUI) $(LIBAPP) $(LIBSCRIPT) $(LIBCORE) $(LIBKN) $(TEST_LIBS) $(UI_LIBS) $(KN_LIBS) $(CORE_LIBS) $(APP_LIBS) -o $@

# ---------------------------------------------------------------------------------------------
# Set-up: install what is missing, then build and run / test.
deps:
	@if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	echo "Installing Debian packages: $(DEB_PACKAGES)"; \
	$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q && \
	$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $(DEB_PACKAGES)

deps-if-missing:
	@command -v $(PKG_CONFIG) >/dev/null 2>&1 && command -v msgfmt >/dev/null 2>&1 && \
	 python3 -c 'import jsonschema' >/dev/null 2>&1 && \
	 $(PKG_CONFIG) --exists $(PKGS) 2>/dev/null || $(MAKE) --no-print-directory deps

run: deps-if-missing
	@$(MAKE) --no-print-directory all
	./$(BIN)

test: deps-if-missing
	@$(MAKE) --no-print-directory all tests-build
	@$(MAKE) --no-print-directory layers i18n-check
	@USINE=./$(BIN) tests/run-tests.sh $(TESTS) $(MPI_TESTS)

check: deps-if-missing
	@$(MAKE) --no-print-directory SAN=address,undefined MODE=debug all tests-build
	@USINE=./build/usine-san ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	 tests/run-tests.sh $(patsubst build/$(MODE)/%,build/debug-san/%,$(TESTS)) $(MPI_TESTS)

# The README's quoted outputs written again from what the program prints (blocks that elide lines
# are left for a person to edit); make test fails when they differ.
readme: deps-if-missing
	@$(MAKE) --no-print-directory all tests-build
	@USINE=./$(BIN) USINE_README_UPDATE=1 $(BUILD)/tests/test_readme

# Benchmarks print figures; they are not tests and have no time limits.
BENCHES := $(patsubst tests/bench/%.c,$(BUILD)/bench/%,$(wildcard tests/bench/*.c))
$(BUILD)/bench/%: tests/bench/%.c $(LIBUI) $(LIBAPP) $(LIBSCRIPT) $(LIBCORE) $(LIBKN)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) $(CORE_CFLAGS) $(SCRIPT_CFLAGS) $(UI_CFLAGS) -Iscripting $< $(LIBUI) $(LIBAPP) $(LIBSCRIPT) $(LIBCORE) $(LIBKN) $(UI_LIBS) $(SCRIPT_LIBS) $(KN_LIBS) $(CORE_LIBS) $(APP_LIBS) -o $@

bench: all $(BENCHES)
	@for b in $(BENCHES); do echo "== $$b"; ./$$b || exit 1; done

.PHONY: tests-build
tests-build: $(TESTS)

# ---------------------------------------------------------------------------------------------
# Fuzzing, not part of 'make test': every tests/fuzz/fuzz_<x>.c defines LLVMFuzzerTestOneInput
# over the library and runs for FUZZ_SECONDS from its seeds, tests/fuzz/corpus/<x>/ and the folders
# listed in tests/fuzz/fuzz_<x>.seeds (one a line), with tests/fuzz/fuzz_<x>.dict if there is one.
# With clang (Debian: apt-get install clang) that is libFuzzer under ASan and UBSan; with
# FUZZ_CC=gcc, tests/fuzz/standalone.c, a plain mutator, under the same sanitizers. The libraries
# are rebuilt for it in build/fuzz/<compiler>/obj/; new inputs go to build/fuzz/corpus/<x>/, a failing input
# to build/fuzz/crashes/<x>-*, and the run's log to build/fuzz/<x>.log.
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= $(if $(shell command -v clang 2>/dev/null),clang,gcc)
FUZZ_DIR     := build/fuzz
FUZZ_SRC     := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_OUT     := $(FUZZ_DIR)/$(notdir $(FUZZ_CC))
FUZZERS      := $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ_OUT)/%)
FUZZ_LIBFUZZER := $(filter clang%,$(notdir $(FUZZ_CC)))
comma := ,
FUZZ_SAN     := $(if $(FUZZ_LIBFUZZER),fuzzer-no-link$(comma))address,undefined
FUZZ_LINK    := $(if $(FUZZ_LIBFUZZER),-fsanitize=fuzzer$(comma)address$(comma)undefined,-fsanitize=address$(comma)undefined tests/fuzz/standalone.c)

.PHONY: fuzz fuzz-libs
fuzz-libs:
	@command -v $(FUZZ_CC) >/dev/null 2>&1 || { echo "fuzz: needs a C compiler FUZZ_CC=$(FUZZ_CC); for libFuzzer install clang (apt-get install clang)" >&2; exit 1; }
	@if [ -n "$(FUZZ_LIBFUZZER)" ] && ! printf 'int LLVMFuzzerTestOneInput(const char *d, long n) { return 0; }\n' | \
	   $(FUZZ_CC) -x c -fsanitize=fuzzer - -o /dev/null 2>/dev/null; then \
	   echo "fuzz: $(FUZZ_CC) cannot link -fsanitize=fuzzer (libFuzzer); install clang with its runtime, or run make fuzz FUZZ_CC=gcc" >&2; exit 1; fi
	@$(MAKE) -s --no-print-directory CC=$(FUZZ_CC) MODE=debug SAN=$(FUZZ_SAN) WERROR= CI= BUILD=$(FUZZ_OUT)/obj \
	   $(FUZZ_OUT)/obj/libscripting.a $(FUZZ_OUT)/obj/libusine.a

$(FUZZ_OUT)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/standalone.c fuzz-libs
	@mkdir -p $(@D)
	@$(if $(Q),echo "  FUZZCC  $<")
	$(Q)$(FUZZ_CC) -std=c11 -D_DEFAULT_SOURCE -g -O1 -fno-omit-frame-pointer -fno-sanitize-recover=all -Isim -Iscripting \
	   $(CORE_CFLAGS) $(SCRIPT_CFLAGS) $< $(FUZZ_LINK) $(FUZZ_OUT)/obj/libscripting.a $(FUZZ_OUT)/obj/libusine.a \
	   $(SCRIPT_LIBS) $(CORE_LIBS) $(APP_LIBS) -o $@

fuzz: $(FUZZERS)
	@mkdir -p $(FUZZ_DIR)/crashes
	@for f in $(FUZZERS); do x=$${f##*/fuzz_}; mkdir -p $(FUZZ_DIR)/corpus/$$x; \
	  seeds=$$(grep -v '^#' tests/fuzz/fuzz_$$x.seeds 2>/dev/null); \
	  dict=$$([ -f tests/fuzz/fuzz_$$x.dict ] && echo -dict=tests/fuzz/fuzz_$$x.dict); \
	  own=$$([ -d tests/fuzz/corpus/$$x ] && echo tests/fuzz/corpus/$$x); \
	  echo "  FUZZ    $$x for $(FUZZ_SECONDS) s (log: $(FUZZ_DIR)/$$x.log)"; \
	  if ! $$f -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
	       -artifact_prefix=$(FUZZ_DIR)/crashes/$$x- $$dict $(FUZZ_DIR)/corpus/$$x $$own $$seeds >$(FUZZ_DIR)/$$x.log 2>&1; then \
	    tail -n 40 $(FUZZ_DIR)/$$x.log; echo "fuzz: $$x failed; the input is in $(FUZZ_DIR)/crashes/" >&2; exit 1; fi; \
	  grep -E '^(stat::number_of_executed_units|standalone:)' $(FUZZ_DIR)/$$x.log | sed 's/^/          /'; \
	done

# The layering rule of the design: the core, the kernels, the scripting layer and sim/app/ never
# include SDL; the core, sim/app/ and the kernels never include Lua; the two front ends never call
# each other's code except through ui_run.h: no sim/ui/ or sim/app/ file includes a header of
# sim/cli/, and sim/app/ includes nothing of sim/ui/.
CLI_HEADER_RE := \#include *"((\.\./)*(sim/)?cli/[^"]*|cli\.h)"
UI_HEADER_RE  := \#include *"((\.\./)*(sim/)?ui/[^"]*|ui(_[a-z]+)?\.h)"
layers:
	@bad=$$(grep -lE '#include *[<"](SDL2/)?SDL' $$(find sim kernels scripting -name '*.[ch]' -not -path 'sim/ui/*') 2>/dev/null); \
	 if [ -n "$$bad" ]; then echo "layers: SDL included outside sim/ui/: $$bad" >&2; exit 1; fi; \
	 bad=$$(grep -lE '#include *[<"](lua|lauxlib|lualib)\.h' $$(find sim kernels -name '*.[ch]' -not -path 'sim/ui/*' -not -path 'sim/cli/*') 2>/dev/null); \
	 if [ -n "$$bad" ]; then echo "layers: Lua included in the core, sim/app/ or the kernels: $$bad" >&2; exit 1; fi; \
	 bad=$$(grep -lE '$(CLI_HEADER_RE)' $$(find sim/ui sim/app -name '*.[ch]') 2>/dev/null); \
	 if [ -n "$$bad" ]; then echo "layers: sim/cli/ included by the window or the application layer: $$bad" >&2; exit 1; fi; \
	 bad=$$(grep -lE '$(UI_HEADER_RE)' $$(find sim/app -name '*.[ch]') 2>/dev/null); \
	 if [ -n "$$bad" ]; then echo "layers: sim/ui/ included by the application layer: $$bad" >&2; exit 1; fi; \
	 echo "layers: ok (no SDL outside sim/ui/, no Lua in the core, sim/app/ or kernels, no sim/cli/ in sim/ui/ or sim/app/, no sim/ui/ in sim/app/)"

# ---------------------------------------------------------------------------------------------
DATADIR := $(DESTDIR)$(PREFIX)/share/usine
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DATADIR)/platforms $(DATADIR)/schema $(DATADIR)/schema/json $(DATADIR)/courses \
	  $(DESTDIR)$(PREFIX)/share/applications $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/fr/man1 \
	  $(DESTDIR)$(PREFIX)/share/icons/hicolor/scalable/apps
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/usine
	install -m 644 assets/platforms/*.xml $(DATADIR)/platforms/
	install -d $(DATADIR)/data
	install -m 644 assets/data/*.csv $(DATADIR)/data/
	install -m 644 assets/schema/README.md assets/schema/platform.rng $(DATADIR)/schema/
	install -m 644 assets/schema/json/*.schema.json $(DATADIR)/schema/json/
	cp -R courses/. $(DATADIR)/courses/
	rm -rf $(DATADIR)/courses/*/reference
	install -m 644 assets/desktop/usine.desktop $(DESTDIR)$(PREFIX)/share/applications/
	install -m 644 assets/desktop/usine.svg $(DESTDIR)$(PREFIX)/share/icons/hicolor/scalable/apps/
	install -m 644 assets/man/usine.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 644 assets/man/fr/usine.1 $(DESTDIR)$(PREFIX)/share/man/fr/man1/
	for mo in $(LOCALE_MO); do lang=$$(echo $$mo | cut -d/ -f3); \
	  install -d $(DESTDIR)$(PREFIX)/share/locale/$$lang/LC_MESSAGES; \
	  install -m 644 $$mo $(DESTDIR)$(PREFIX)/share/locale/$$lang/LC_MESSAGES/usine.mo; done

uninstall:
	rm -rf $(DESTDIR)$(PREFIX)/bin/usine $(DATADIR) $(DESTDIR)$(PREFIX)/share/applications/usine.desktop \
	  $(DESTDIR)$(PREFIX)/share/icons/hicolor/scalable/apps/usine.svg $(DESTDIR)$(PREFIX)/share/man/man1/usine.1 $(DESTDIR)$(PREFIX)/share/man/fr/man1/usine.1 \
	  $(DESTDIR)$(PREFIX)/share/locale/*/LC_MESSAGES/usine.mo

# Every interface string in the sources has a French translation (French first, English second).
XGETTEXT = xgettext --keyword=_ --keyword=N_ --keyword=P_:1,2 --from-code=UTF-8 --add-comments=TRANSLATORS \
	  --package-name=usine --package-version=$(VERSION)
I18N_SRC = $(wildcard sim/*.c sim/app/*.c sim/cli/*.c sim/ui/*.c kernels/*.c scripting/*.c)
i18n-check:
	@mkdir -p build
	@$(XGETTEXT) -o build/usine-check.pot $(I18N_SRC)
	@for po in assets/po/*.po; do \
	  msgcmp $$po build/usine-check.pot || { echo "i18n: $$po lacks translations: run 'make pot' and translate" >&2; exit 1; }; \
	done; echo "i18n: every interface string is translated ($$(ls assets/po/*.po | wc -l) language(s) besides English)"

# Regenerate the message template after changing interface strings, then msgmerge the .po files.
pot:
	$(XGETTEXT) -o assets/po/usine.pot $(I18N_SRC)
	for po in assets/po/*.po; do msgmerge --update --backup=none $$po assets/po/usine.pot; done

clean:
	rm -rf build

-include $(CORE_OBJ:.o=.d) $(APP_OBJ:.o=.d) $(KN_OBJ:.o=.d) $(SCRIPT_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(UI_OBJ:.o=.d) $(TESTS:%=%.d) $(BENCHES:%=%.d)
