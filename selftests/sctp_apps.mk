# SPDX-License-Identifier: GPL-2.0
#
# sctp_apps.mk: the SCTP test applications, included by selftests/Makefile.
#
#   SCTP_APPS        sctp_echo sctp_peer (built in the directory of this file)
#   SCTP_APPS_BINS   their full paths: add them to "all" and to "clean"
#   make sctp_apps   build just them
#
# They need libsctp (Debian: libsctp-dev). This fragment defines no default
# goal: whatever the including Makefile defines first stays the default.

SCTP_APPS := sctp_echo sctp_peer

SCTP_APPS_DIR := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
SCTP_APPS_BINS := $(addprefix $(SCTP_APPS_DIR)/,$(SCTP_APPS))
SCTP_APPS_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -O2 -g $(EXTRA_CFLAGS)
SCTP_APPS_LDLIBS := -lsctp

sctp_apps_saved_goal := $(.DEFAULT_GOAL)

.PHONY: sctp_apps sctp_apps_clean

sctp_apps: $(SCTP_APPS_BINS)

$(SCTP_APPS_DIR)/sctp_echo: $(SCTP_APPS_DIR)/sctp_echo.c \
		$(SCTP_APPS_DIR)/sctp_common.h $(SCTP_APPS_DIR)/sctp_apps.mk
	$(CC) $(SCTP_APPS_CFLAGS) -o $@ $< $(LDFLAGS) $(SCTP_APPS_LDLIBS)

$(SCTP_APPS_DIR)/sctp_peer: $(SCTP_APPS_DIR)/sctp_peer.c \
		$(SCTP_APPS_DIR)/sctp_common.h $(SCTP_APPS_DIR)/sctp_apps.mk
	$(CC) $(SCTP_APPS_CFLAGS) -o $@ $< $(LDFLAGS) $(SCTP_APPS_LDLIBS)

sctp_apps_clean:
	rm -f $(SCTP_APPS_BINS)

.DEFAULT_GOAL := $(sctp_apps_saved_goal)
