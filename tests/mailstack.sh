#!/usr/bin/env bash
# mailstack.sh - a throwaway loopback mail stack for nudge's integration tests.
#
# Real Postfix 3.x and Dovecot 2.3 on 127.0.0.1 only, each with its own configuration
# and state under $MAILSTACK_DIR; /etc/postfix and /etc/dovecot are never touched.
#
#   Postfix  SMTP        base+25   open to 127.0.0.0/8, no AUTH needed, STARTTLS offered
#            SMTP-NOTLS  base+26   like SMTP but STARTTLS is NOT offered (tests that a
#                                  client requiring TLS refuses to send)
#            SMTP-SHORT  base+27   like SMTP but the server hangs up after 1 s idle
#                                  (tests that a client survives a dropped idle connection)
#            submission  base+587  STARTTLS required, then AUTH PLAIN/LOGIN required
#            smtps       base+465  implicit TLS, AUTH required
#   Dovecot  IMAP        base+143  plain + STARTTLS
#            IMAPS       base+993  implicit TLS
#            LMTP        unix socket $MAILSTACK_DIR/dovecot/run/lmtp (Postfix delivers here)
#
#   base = $MAILSTACK_PORT_BASE (default 20000); each port can be overridden with
#   MAILSTACK_{SMTP,SMTP_NOTLS,SMTP_SHORT,SUBM,SMTPS,IMAP,IMAPS}_PORT.  Bases 1000 apart never clash.
#
# Users (login "name" or "name@example.test", password = name + "pw"):
#   sales (the salesperson), alice bob carol dave erin, lead1..lead9, sink,
#   plus any names in $MAILSTACK_EXTRA_USERS (space separated).
#   Maildir of USER: $MAILSTACK_DIR/mail/USER/Maildir (INBOX new/ cur/, folders .Sent etc.)
#   Folders Sent, Drafts, Junk, Trash (special-use, auto-subscribed) exist for everybody.
#
# Routing:
#   USER@example.test             delivered by LMTP to USER's INBOX
#   unknown@example.test          rejected at RCPT: "550 5.1.1 <...>: Recipient address
#                                 rejected: User unknown in virtual mailbox table"
#   anything@other.domain         accepted on the open port (127.0.0.0/8) and after AUTH,
#                                 and delivered to sink's INBOX - nothing leaves the box
# Magic recipients (work on every SMTP port, checked at RCPT time):
#   tempfail@example.test         451 4.3.0 try later                (RCPT rejected, 4xx)
#   permfail@example.test         550 5.1.1 no such user             (RCPT rejected, 5xx)
#   disconnect@example.test       421 4.3.2 service shutting down    (server hangs up)
#   Subject containing "[reject-at-data]"   refused after the data (end of DATA) with
#                                 "550 5.7.1 message content rejected (mailstack magic)"
#   bounce@example.test           accepted, then LMTP refuses it: a real DSN ("Undelivered Mail
#                                 Returned to Sender") goes to the envelope sender, e.g.
#                                 sales@example.test gets it in its INBOX within ~1 s
#
# Usage:
#   mailstack.sh start | stop | kill | status | env
#   mailstack.sh deliver USER FILE        LMTP-deliver FILE (RFC 5322) to USER's INBOX now
#   mailstack.sh count USER [FOLDER]      messages in USER's FOLDER (default INBOX), on disk
#   mailstack.sh files USER [FOLDER]      paths of those messages, one a line
# stop = SIGTERM both masters, then SIGKILL their process groups after 10 s;
# kill = SIGKILL the process groups at once (fast; state is thrown away anyway).
# `env` prints MAILSTACK_* assignments (eval "$(mailstack.sh env)"), including
# MAILSTACK_CAFILE (the trusted certificate the servers use) and MAILSTACK_BADCA (a
# different self-signed certificate that did NOT sign the servers' one).
# Needs root and: apt-get install dovecot-imapd dovecot-lmtpd postfix openssl python3
set -euo pipefail

PORT_BASE=${MAILSTACK_PORT_BASE:-20000}
BASE=${MAILSTACK_DIR:-${TMPDIR:-/tmp}/mailstack-$PORT_BASE}
SMTP_PORT=${MAILSTACK_SMTP_PORT:-$((PORT_BASE + 25))}
NOTLS_PORT=${MAILSTACK_SMTP_NOTLS_PORT:-$((PORT_BASE + 26))}
SHORT_PORT=${MAILSTACK_SMTP_SHORT_PORT:-$((PORT_BASE + 27))}
SUBM_PORT=${MAILSTACK_SUBM_PORT:-$((PORT_BASE + 587))}
SMTPS_PORT=${MAILSTACK_SMTPS_PORT:-$((PORT_BASE + 465))}
IMAP_PORT=${MAILSTACK_IMAP_PORT:-$((PORT_BASE + 143))}
IMAPS_PORT=${MAILSTACK_IMAPS_PORT:-$((PORT_BASE + 993))}
DOMAIN=example.test
USERS="sales alice bob carol dave erin lead1 lead2 lead3 lead4 lead5 lead6 lead7 lead8 lead9 sink ${MAILSTACK_EXTRA_USERS:-}"
MAIL_UID=nobody MAIL_GID=nogroup # unprivileged, >= first_valid_uid; no useradd needed

DOVE_PID=$BASE/dovecot/run/master.pid
PF_PID=$BASE/postfix-spool/pid/master.pid

log() { printf 'mailstack: %s\n' "$*" >&2; }

# running = exists and is not a zombie (PID 1 in containers may reap late)
running() {
	local st
	st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) && [ "$st" != Z ]
}
pid_of() { if [ -s "$1" ]; then tr -d ' \n' <"$1"; fi; }
alive() {
	local p
	p=$(pid_of "$1")
	[ -n "$p" ] && running "$p"
}

# wait until 127.0.0.1:$1 answers with a banner starting with $2 (up to 5 s)
wait_banner() {
	local port=$1 want=$2 _
	for _ in $(seq 1 100); do
		if timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port; head -c ${#want} <&3" \
			2>/dev/null | grep -q "^$want"; then return 0; fi
		sleep 0.05
	done
	log "port $port did not answer with '$want'"
	return 1
}

# Both masters daemonize with setsid, so each master's pgid is its pid and the group
# holds only that daemon's children.  term: SIGTERM the masters, wait up to 10 s, then
# SIGKILL the groups.  kill: SIGKILL the groups at once.
do_stop() {
	local mode=${1:-term} pids="" left p _
	for p in "$(pid_of "$PF_PID")" "$(pid_of "$DOVE_PID")"; do
		if [ -n "$p" ] && running "$p"; then pids="$pids $p"; fi
	done
	[ -n "$pids" ] || return 0
	for p in $pids; do
		if [ "$mode" = kill ] && [ "$(ps -o pgid= -p "$p" | tr -d ' ')" = "$p" ]; then
			kill -KILL -- "-$p" 2>/dev/null || true
		else
			kill -TERM "$p" 2>/dev/null || true
		fi
	done
	for _ in $(seq 1 200); do
		left=""
		for p in $pids; do if running "$p"; then left="$left $p"; fi; done
		if [ -z "$left" ]; then return 0; fi
		sleep 0.05
	done
	log "still alive after 10 s:$left - SIGKILL to their process groups"
	for p in $left; do kill -KILL -- "-$p" 2>/dev/null || kill -KILL "$p" 2>/dev/null || true; done
}

mkcert() { # mkcert KEY CERT CN
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
		-subj "/CN=$3" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
		-keyout "$1" -out "$2" 2>/dev/null
}

write_config() {
	# only ever wipe a directory this script created (marker) or an empty/missing one
	if [ -d "$BASE" ] && [ -n "$(ls -A "$BASE")" ] && [ ! -e "$BASE/.mailstack" ]; then
		log "refusing to wipe $BASE (no .mailstack marker)"
		exit 1
	fi
	rm -rf "$BASE"
	mkdir -p "$BASE"/{tls,log,mail,dovecot/run,dovecot/state,postfix,postfix-spool,postfix-data}
	chown postfix:postfix "$BASE/postfix-data"
	chmod 755 "$BASE" # unprivileged daemon processes must traverse it
	: >"$BASE/.mailstack"

	# TLS: the servers' self-signed certificate (for localhost and 127.0.0.1) is the
	# trust file; badca.pem is an unrelated self-signed certificate for negative tests.
	mkcert "$BASE/tls/key.pem" "$BASE/tls/cert.pem" localhost
	mkcert "$BASE/tls/badkey.pem" "$BASE/tls/badca.pem" localhost
	chmod 644 "$BASE/tls/cert.pem" "$BASE/tls/badca.pem"
	chmod 600 "$BASE/tls/key.pem" "$BASE/tls/badkey.pem"

	# --- Dovecot
	local u
	: >"$BASE/dovecot/users"
	for u in $USERS; do echo "$u:{PLAIN}${u}pw" >>"$BASE/dovecot/users"; done
	chmod 640 "$BASE/dovecot/users"
	chgrp dovecot "$BASE/dovecot/users"
	chown "$MAIL_UID:$MAIL_GID" "$BASE/mail"

	cat >"$BASE/dovecot/dovecot.conf" <<EOF
instance_name = mailstack-$PORT_BASE
base_dir = $BASE/dovecot/run
state_dir = $BASE/dovecot/state
protocols = imap lmtp
listen = 127.0.0.1
hostname = mx.$DOMAIN
postmaster_address = postmaster@$DOMAIN
log_path = $BASE/log/dovecot.log
auth_verbose = yes
auth_failure_delay = 0
login_trusted_networks = 127.0.0.0/8
ssl = yes
ssl_cert = <$BASE/tls/cert.pem
ssl_key = <$BASE/tls/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_username_format = %Ln
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%n $BASE/dovecot/users
}
userdb {
  driver = static
  args = uid=$MAIL_UID gid=$MAIL_GID home=$BASE/mail/%n
}
mail_location = maildir:~/Maildir
mailbox_idle_check_interval = 1 secs
namespace inbox {
  inbox = yes
  separator = /
  mailbox Sent {
    special_use = \\Sent
    auto = subscribe
  }
  mailbox Drafts {
    special_use = \\Drafts
    auto = subscribe
  }
  mailbox Junk {
    special_use = \\Junk
    auto = subscribe
  }
  mailbox Trash {
    special_use = \\Trash
    auto = subscribe
  }
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP_PORT
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $IMAPS_PORT
    ssl = yes
  }
}
service lmtp {
  unix_listener lmtp {
    mode = 0666
  }
}
# Failed logins (also via Postfix SMTP AUTH) would otherwise record a per-IP penalty in
# anvil that delays the next logins from 127.0.0.1 by 2..15 s; mode 0 disables it.
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
service auth {
  unix_listener auth-postfix {
    mode = 0666
  }
}
EOF

	# --- Postfix: own config_directory; queue and data dirs outside it, no chroot.
	# bounce@ is a valid Postfix recipient but no Dovecot user: LMTP answers 550 and
	# Postfix sends a real DSN to the envelope sender.
	{
		for u in $USERS bounce; do echo "$u@$DOMAIN OK"; done
	} >"$BASE/postfix/vmailbox"
	printf '!/@%s$/ sink@%s\n' "${DOMAIN//./\\.}" "$DOMAIN" >"$BASE/postfix/catchall"
	cat >"$BASE/postfix/rcpt_access" <<EOF
tempfail@$DOMAIN 451 4.3.0 try later
permfail@$DOMAIN 550 5.1.1 no such user
disconnect@$DOMAIN 421 4.3.2 service shutting down
EOF
	echo '/^Subject:.*\[reject-at-data\]/ REJECT 5.7.1 message content rejected (mailstack magic)' \
		>"$BASE/postfix/header_checks"
	cat >"$BASE/postfix/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $BASE/postfix-spool
data_directory = $BASE/postfix-data
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.$DOMAIN
mydomain = $DOMAIN
myorigin = \$mydomain
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
alias_maps =
alias_database =
local_recipient_maps =
virtual_mailbox_domains = $DOMAIN
virtual_mailbox_maps = texthash:$BASE/postfix/vmailbox
virtual_alias_maps = regexp:$BASE/postfix/catchall
virtual_alias_domains =
virtual_transport = lmtp:unix:$BASE/dovecot/run/lmtp
local_transport = error:local delivery disabled
default_transport = error:outbound mail disabled in test stack
relay_transport = error:outbound mail disabled in test stack
smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination
smtpd_recipient_restrictions = check_recipient_access texthash:$BASE/postfix/rcpt_access, reject_unlisted_recipient, permit
header_checks = regexp:$BASE/postfix/header_checks
smtpd_tls_cert_file = $BASE/tls/cert.pem
smtpd_tls_key_file = $BASE/tls/key.pem
smtpd_tls_security_level = may
smtpd_tls_auth_only = no
smtpd_sasl_type = dovecot
smtpd_sasl_path = $BASE/dovecot/run/auth-postfix
smtpd_sasl_auth_enable = yes
smtpd_error_sleep_time = 0
smtpd_soft_error_limit = 1000
smtpd_hard_error_limit = 1000
smtpd_client_connection_count_limit = 0
smtpd_client_connection_rate_limit = 0
smtp_tls_security_level = none
maillog_file = $BASE/log/postfix.log
maillog_file_prefixes = $BASE
biff = no
append_dot_mydomain = no
readme_directory = no
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
delay_warning_time = 0
EOF
	cat >"$BASE/postfix/master.cf" <<EOF
127.0.0.1:$SMTP_PORT inet n - n - - smtpd
127.0.0.1:$NOTLS_PORT inet n - n - - smtpd
  -o smtpd_tls_security_level=none
127.0.0.1:$SHORT_PORT inet n - n - - smtpd
  -o smtpd_timeout=1s
127.0.0.1:$SUBM_PORT inet n - n - - smtpd
  -o smtpd_tls_security_level=encrypt
  -o smtpd_tls_auth_only=yes
  -o smtpd_client_restrictions=permit_sasl_authenticated,reject
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
127.0.0.1:$SMTPS_PORT inet n - n - - smtpd
  -o smtpd_tls_wrappermode=yes
  -o smtpd_client_restrictions=permit_sasl_authenticated,reject
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
tlsmgr    unix  - - n 1000? 1 tlsmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n - - proxymap
proxywrite unix - - n - 1 proxymap
smtp      unix  - - n - - smtp
relay     unix  - - n - - smtp
showq     unix  n - n - - showq
error     unix  - - n - - error
retry     unix  - - n - - error
discard   unix  - - n - - discard
local     unix  - n n - - local
virtual   unix  - n n - - virtual
lmtp      unix  - - n - - lmtp
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
EOF
	# Postfix ignores a config/map file whose mtime is not yet in the past (it re-polls
	# for ~1.2 s per fresh file): backdate everything we wrote.
	touch -d '-1 min' "$BASE"/postfix/* "$BASE"/dovecot/*.conf "$BASE"/dovecot/users
}

do_start() {
	if [ "$(id -u)" != 0 ]; then
		log "must run as root"
		exit 1
	fi
	if alive "$DOVE_PID" || alive "$PF_PID"; then
		log "already running in $BASE; killing it first"
		do_stop kill
	fi
	write_config
	trap 'log "start failed; see $BASE/log"; do_stop kill' ERR
	# stdio redirected: dovecot's master keeps an inherited stderr open forever, which
	# would hang a caller that pipes our output.
	dovecot -c "$BASE/dovecot/dovecot.conf" </dev/null >"$BASE/log/dovecot.out" 2>&1 ||
		{ cat "$BASE/log/dovecot.out" >&2; false; }
	postfix -c "$BASE/postfix" start </dev/null >"$BASE/log/postfix.out" 2>&1 ||
		{ cat "$BASE/log/postfix.out" >&2; false; }
	wait_banner "$IMAP_PORT" '* OK'
	wait_banner "$SMTP_PORT" '220'
	wait_banner "$SUBM_PORT" '220'
	local _
	for _ in $(seq 1 100); do
		if [ -S "$BASE/dovecot/run/lmtp" ]; then break; fi
		sleep 0.05
	done
	trap - ERR
	log "up: dovecot pid $(pid_of "$DOVE_PID"), postfix pid $(pid_of "$PF_PID"), ports base $PORT_BASE, dir $BASE"
}

# maildir of USER's FOLDER (INBOX or a Maildir++ folder like Sent, A/B)
folder_dir() {
	local user=$1 folder=${2:-INBOX} d=$BASE/mail/$1/Maildir
	case $folder in
	INBOX | inbox) echo "$d" ;;
	*) echo "$d/.${folder//\//.}" ;;
	esac
}

do_files() {
	local d
	d=$(folder_dir "$@")
	find "$d/new" "$d/cur" -maxdepth 1 -type f 2>/dev/null | sort || true
}

do_deliver() {
	local user=$1 file=$2
	python3 - "$BASE/dovecot/run/lmtp" "$user@$DOMAIN" "$file" <<'EOF'
import smtplib, sys
sock, rcpt, path = sys.argv[1:4]
with open(path, "rb") as f:
    data = f.read()
c = smtplib.LMTP(sock)
c.sendmail("mailstack@example.test", [rcpt], data)
c.quit()
EOF
}

case "${1:-}" in
start) do_start ;;
stop) do_stop term ;;
kill) do_stop kill ;;
status)
	rc=0
	if alive "$DOVE_PID"; then echo "dovecot running"; else echo "dovecot stopped"; rc=1; fi
	if alive "$PF_PID"; then echo "postfix running"; else echo "postfix stopped"; rc=1; fi
	exit $rc
	;;
env)
	cat <<EOF
MAILSTACK_DIR=$BASE
MAILSTACK_PORT_BASE=$PORT_BASE
MAILSTACK_CAFILE=$BASE/tls/cert.pem
MAILSTACK_BADCA=$BASE/tls/badca.pem
MAILSTACK_SMTP=smtp://127.0.0.1:$SMTP_PORT
MAILSTACK_SMTP_NOTLS=smtp://127.0.0.1:$NOTLS_PORT
MAILSTACK_SMTP_SHORT=smtp://127.0.0.1:$SHORT_PORT
MAILSTACK_SUBMISSION=smtp://127.0.0.1:$SUBM_PORT
MAILSTACK_SMTPS=smtps://127.0.0.1:$SMTPS_PORT
MAILSTACK_IMAP=imap://127.0.0.1:$IMAP_PORT
MAILSTACK_IMAPS=imaps://127.0.0.1:$IMAPS_PORT
MAILSTACK_SMTP_PORT=$SMTP_PORT
MAILSTACK_SMTP_NOTLS_PORT=$NOTLS_PORT
MAILSTACK_SMTP_SHORT_PORT=$SHORT_PORT
MAILSTACK_SUBM_PORT=$SUBM_PORT
MAILSTACK_SMTPS_PORT=$SMTPS_PORT
MAILSTACK_IMAP_PORT=$IMAP_PORT
MAILSTACK_IMAPS_PORT=$IMAPS_PORT
MAILSTACK_LMTP=$BASE/dovecot/run/lmtp
MAILSTACK_DOMAIN=$DOMAIN
EOF
	;;
deliver)
	[ $# = 3 ] || { echo "usage: $0 deliver USER FILE" >&2; exit 2; }
	do_deliver "$2" "$3"
	;;
count)
	[ $# -ge 2 ] || { echo "usage: $0 count USER [FOLDER]" >&2; exit 2; }
	do_files "$2" "${3:-INBOX}" | wc -l
	;;
files)
	[ $# -ge 2 ] || { echo "usage: $0 files USER [FOLDER]" >&2; exit 2; }
	do_files "$2" "${3:-INBOX}"
	;;
*)
	echo "usage: $0 start|stop|kill|status|env|deliver USER FILE|count USER [FOLDER]|files USER [FOLDER]" >&2
	exit 2
	;;
esac
