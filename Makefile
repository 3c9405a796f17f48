# guestcap: build, install, uninstall and the Debian package. See docs/install.md.
#
#   make                       release build, Swift runtime linked statically
#   make install   [DESTDIR=…] [PREFIX=/usr/local]
#   make uninstall [DESTDIR=…] [PREFIX=/usr/local]   (same variables as install)
#   make deb                   dist/guestcap_<version>_<arch>.deb (dpkg-deb)
#   make probe-kernel          the probe kernel `guestcap probe` boots (gcc + ld, docs/probe.md)
#   make clean                 removes dist/ and the generated files
#
# Install an already-built binary without running swift build:
#   make install BIN=.build/debug/guestcap GENERATE_MANUAL=.build/debug/generate-manual
#
# Edited files in /etc/guestcap are never overwritten: a shipped file that differs from
# the one in place is installed next to it as FILE.dist, and make says so. `make
# uninstall` removes only the configuration files that still match what was shipped.

PREFIX         ?= /usr/local
DESTDIR        ?=
BINDIR         ?= $(PREFIX)/bin
UNITDIR        ?= $(PREFIX)/lib/systemd/system
CATALOGDIR     ?= $(PREFIX)/lib/systemd/catalog
MODULESLOADDIR ?= $(PREFIX)/lib/modules-load.d
LIBDIR         ?= $(PREFIX)/lib/guestcap
SYSCONFDIR     ?= /etc
CONFDIR        ?= $(SYSCONFDIR)/guestcap
MANDIR         ?= $(PREFIX)/share/man
DOCDIR         ?= $(PREFIX)/share/doc/guestcap
BASHCOMPDIR    ?= $(PREFIX)/share/bash-completion/completions
FISHCOMPDIR    ?= $(PREFIX)/share/fish/vendor_completions.d
# Debian's zsh searches vendor-completions under /usr, site-functions under /usr/local.
ifeq ($(PREFIX),/usr)
ZSHCOMPDIR     ?= $(PREFIX)/share/zsh/vendor-completions
else
ZSHCOMPDIR     ?= $(PREFIX)/share/zsh/site-functions
endif

SWIFT          ?= swift
CONFIGURATION  ?= release
# Links the Swift runtime and Foundation into the binary, so that it needs nothing
# from the toolchain (/opt/swift) on the host it is installed on.
SWIFT_BUILD_FLAGS ?= --static-swift-stdlib
# SwiftPM's build folder. `swift test` holds a lock on .build while tests run, so a test
# that runs make uses another one (SWIFT_SCRATCH=.build-deb).
SWIFT_SCRATCH  ?= .build
BUILD_DIR      := $(SWIFT_SCRATCH)/$(CONFIGURATION)

# BIN given on the command line: install that binary and do not build.
ifeq ($(origin BIN),undefined)
BIN            := $(BUILD_DIR)/guestcap
BUILD_BIN      := build
endif
# swift-argument-parser's generate-manual (what its generate-manual plugin runs).
ifeq ($(origin GENERATE_MANUAL),undefined)
GENERATE_MANUAL := $(BUILD_DIR)/generate-manual
BUILD_MANUAL_TOOL := build-manual-tool
endif

# Generated files (units with paths rewritten, man pages, completions).
GENDIR         ?= .build/guestcap-gen
# Man page date: the last commit's, so that rebuilding the same commit gives the same page.
MAN_DATE       ?= $(shell git log -1 --format=%cs 2>/dev/null || date -u +%F)
DIST           ?= dist
PROBE_KERNEL   ?= $(GENDIR)/guestcap-probe.elf

UNITS     := guestcap.service guestcap-export.service guestcap-export.timer
# guestcap.toml comes with the daemon; installed when the repository has it.
CONFIGS   := $(notdir $(wildcard etc/guestcap/policy.toml etc/guestcap/guestcap.toml))
DOCS      := README.md $(wildcard docs/service.md docs/policy.md docs/install.md docs/daemon.md docs/fleet.md \
             docs/probe.md etc/prometheus/guestcap.rules.yml)
SHIPPED_BIN    := /usr/bin/guestcap
SHIPPED_DOCDIR := /usr/share/doc/guestcap

INSTALL   ?= install
Q          = $(if $(V),,@)

.PHONY: all build build-manual-tool generate probe-kernel install uninstall deb clean

all: build

build:
	$(SWIFT) build --scratch-path "$(SWIFT_SCRATCH)" -c $(CONFIGURATION) $(SWIFT_BUILD_FLAGS) --product guestcap

build-manual-tool:
	$(SWIFT) build --scratch-path "$(SWIFT_SCRATCH)" -c $(CONFIGURATION) $(SWIFT_BUILD_FLAGS) --product generate-manual

# Assembled every time: a few hundred bytes, and never stale.
probe-kernel:
	$(Q)scripts/build-probe.sh "$(PROBE_KERNEL)"

# Always regenerated from $(BIN): cheap, and a stale man page is worse than none.
generate: $(BUILD_BIN) $(BUILD_MANUAL_TOOL)
	$(Q)test -x "$(BIN)" || { echo "make: $(BIN) is not an executable (BIN=…)" >&2; exit 1; }
	$(Q)rm -rf "$(GENDIR)"
	$(Q)mkdir -p "$(GENDIR)/systemd" "$(GENDIR)/man" "$(GENDIR)/completions"
	$(Q)for u in $(UNITS) guestcap.catalog; do \
	    sed -e 's|$(SHIPPED_BIN)|$(BINDIR)/guestcap|g' \
	        -e 's|$(SHIPPED_DOCDIR)|$(DOCDIR)|g' "systemd/$$u" >"$(GENDIR)/systemd/$$u" || exit 1; \
	done
	$(Q)grep -q '^ExecStart=$(BINDIR)/guestcap ' "$(GENDIR)/systemd/guestcap.service" || \
	    { echo "make: ExecStart= was not rewritten to $(BINDIR)/guestcap" >&2; exit 1; }
	$(Q)"$(GENERATE_MANUAL)" "$(BIN)" --multi-page --section 8 --date "$(MAN_DATE)" \
	    --output-directory "$(GENDIR)/man" >/dev/null
	$(Q)test -s "$(GENDIR)/man/guestcap.8" || { echo "make: generate-manual made no guestcap.8" >&2; exit 1; }
	$(Q)"$(BIN)" --generate-completion-script bash >"$(GENDIR)/completions/guestcap"
	$(Q)"$(BIN)" --generate-completion-script zsh >"$(GENDIR)/completions/_guestcap"
	$(Q)"$(BIN)" --generate-completion-script fish >"$(GENDIR)/completions/guestcap.fish"

install: generate probe-kernel
	$(INSTALL) -d "$(DESTDIR)$(BINDIR)" "$(DESTDIR)$(LIBDIR)" "$(DESTDIR)$(UNITDIR)" "$(DESTDIR)$(CATALOGDIR)" \
	    "$(DESTDIR)$(MODULESLOADDIR)" "$(DESTDIR)$(CONFDIR)" "$(DESTDIR)$(MANDIR)/man8" \
	    "$(DESTDIR)$(DOCDIR)" "$(DESTDIR)$(BASHCOMPDIR)" "$(DESTDIR)$(ZSHCOMPDIR)" \
	    "$(DESTDIR)$(FISHCOMPDIR)"
	$(INSTALL) -m 0755 "$(BIN)" "$(DESTDIR)$(BINDIR)/guestcap"
	$(INSTALL) -m 0644 "$(PROBE_KERNEL)" "$(DESTDIR)$(LIBDIR)/guestcap-probe.elf"
	$(INSTALL) -m 0644 $(addprefix $(GENDIR)/systemd/,$(UNITS)) "$(DESTDIR)$(UNITDIR)/"
	$(INSTALL) -m 0644 "$(GENDIR)/systemd/guestcap.catalog" "$(DESTDIR)$(CATALOGDIR)/"
	$(INSTALL) -m 0644 etc/modules-load.d/guestcap.conf "$(DESTDIR)$(MODULESLOADDIR)/"
	$(INSTALL) -m 0644 "$(GENDIR)"/man/*.8 "$(DESTDIR)$(MANDIR)/man8/"
	$(INSTALL) -m 0644 "$(GENDIR)/completions/guestcap" "$(DESTDIR)$(BASHCOMPDIR)/guestcap"
	$(INSTALL) -m 0644 "$(GENDIR)/completions/_guestcap" "$(DESTDIR)$(ZSHCOMPDIR)/_guestcap"
	$(INSTALL) -m 0644 "$(GENDIR)/completions/guestcap.fish" "$(DESTDIR)$(FISHCOMPDIR)/guestcap.fish"
	$(INSTALL) -m 0644 $(DOCS) "$(DESTDIR)$(DOCDIR)/"
	$(Q)for f in $(CONFIGS); do \
	    src="etc/guestcap/$$f"; dst="$(DESTDIR)$(CONFDIR)/$$f"; \
	    if [ ! -e "$$dst" ]; then \
	        $(INSTALL) -m 0644 "$$src" "$$dst" || exit 1; echo "installed $(CONFDIR)/$$f"; \
	    elif cmp -s "$$src" "$$dst"; then \
	        rm -f "$$dst.dist"; echo "unchanged $(CONFDIR)/$$f"; \
	    else \
	        $(INSTALL) -m 0644 "$$src" "$$dst.dist" || exit 1; \
	        echo "kept your edited $(CONFDIR)/$$f; the shipped version is $(CONFDIR)/$$f.dist"; \
	    fi; \
	done
	@echo "guestcap installed in $(DESTDIR)$(PREFIX). Next (as root, where systemd runs):"
	@echo "  journalctl --update-catalog && systemctl daemon-reload"
	@echo "  systemctl enable --now guestcap.service guestcap-export.timer"
ifeq ($(filter /usr/lib/systemd/catalog /usr/local/lib/systemd/catalog,$(CATALOGDIR)),)
	@echo "note: journalctl --update-catalog reads only /usr/lib/systemd/catalog and /usr/local/lib/systemd/catalog;"
	@echo "  link $(CATALOGDIR)/guestcap.catalog into one of them (docs/install.md)"
endif

uninstall:
	rm -f "$(DESTDIR)$(BINDIR)/guestcap" "$(DESTDIR)$(LIBDIR)/guestcap-probe.elf"
	-$(Q)rmdir "$(DESTDIR)$(LIBDIR)" 2>/dev/null
	for u in $(UNITS); do rm -f "$(DESTDIR)$(UNITDIR)/$$u"; done
	rm -f "$(DESTDIR)$(CATALOGDIR)/guestcap.catalog" "$(DESTDIR)$(MODULESLOADDIR)/guestcap.conf"
	rm -f "$(DESTDIR)$(MANDIR)/man8/guestcap.8" "$(DESTDIR)$(MANDIR)"/man8/guestcap.*.8
	rm -f "$(DESTDIR)$(BASHCOMPDIR)/guestcap" "$(DESTDIR)$(ZSHCOMPDIR)/_guestcap" \
	    "$(DESTDIR)$(FISHCOMPDIR)/guestcap.fish"
	for f in $(notdir $(DOCS)); do rm -f "$(DESTDIR)$(DOCDIR)/$$f"; done
	-$(Q)rmdir "$(DESTDIR)$(DOCDIR)" 2>/dev/null
	$(Q)for f in $(CONFIGS); do \
	    src="etc/guestcap/$$f"; dst="$(DESTDIR)$(CONFDIR)/$$f"; \
	    rm -f "$$dst.dist"; \
	    if [ -e "$$dst" ] && cmp -s "$$src" "$$dst"; then rm -f "$$dst"; \
	    elif [ -e "$$dst" ]; then echo "kept your edited $(CONFDIR)/$$f"; fi; \
	done
	-$(Q)rmdir "$(DESTDIR)$(CONFDIR)" 2>/dev/null
	@echo "guestcap uninstalled from $(DESTDIR)$(PREFIX); /var/lib/guestcap (history) is left in place."

# The release binary and everything else staged under /usr, then dpkg-deb. The binary is
# built here (not by `make install`) so that BIN= can also be used for a quick package.
deb: $(BUILD_BIN) $(BUILD_MANUAL_TOOL)
	scripts/build-deb.sh --bin "$(BIN)" --generate-manual "$(GENERATE_MANUAL)" --output "$(DIST)"

clean:
	rm -rf "$(DIST)" "$(GENDIR)"
