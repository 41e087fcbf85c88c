# debian.mk: what `make install` adds beyond the programs and man pages:
# the bash completion (for taskacct and taskacctd) and the systemd unit,
# its ExecStart pointed at SBINDIR.  debian/rules installs through this
# (PREFIX=/usr, SYSTEMDUNITDIR=/lib/systemd/system on Debian 12).

DATADIR		?= $(PREFIX)/share
BASHCOMPDIR	?= $(DATADIR)/bash-completion/completions
SYSTEMDUNITDIR	?= $(PREFIX)/lib/systemd/system

install: install-extras

install-extras:
	install -d $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(SYSTEMDUNITDIR)
	install -m 0644 contrib/bash-completion/taskacct \
	    $(DESTDIR)$(BASHCOMPDIR)/taskacct
	ln -sf taskacct $(DESTDIR)$(BASHCOMPDIR)/taskacctd
	sed 's|/usr/sbin/taskacctd|$(SBINDIR)/taskacctd|' \
	    contrib/taskacctd.service >$(DESTDIR)$(SYSTEMDUNITDIR)/taskacctd.service
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/taskacctd.service

.PHONY: install-extras

# The extra programs `make install` puts in BINDIR, for tests/debian.sh.
print-extra-bins:
	@echo $(EXTRA_BINS)

.PHONY: print-extra-bins
