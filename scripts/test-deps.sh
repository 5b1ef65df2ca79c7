#!/usr/bin/env bash
# Makes sure what `make test` needs is there: Chromium for the browser
# tests (test/e2e/ui_test.go), baresip as a real SIP peer
# (test/e2e/baresip_test.go), Debian's nats-server (the oldest NATS Plateau
# supports, internal/cluster TestDebianNATS), and a PostgreSQL server on 127.0.0.1:5432
# that accepts the user postgres without a password (the store's tests run
# against it). Installs them from Debian's packages when missing. Prints
# what it did; exits non-zero only when it cannot help.
set -uo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || missing+=(chromium)
command -v baresip >/dev/null 2>&1 || missing+=(baresip)
command -v nats-server >/dev/null 2>&1 || [ -x /usr/sbin/nats-server ] || missing+=(nats-server)
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "test-deps: ${missing[*]} missing and I am not root to install them (apt-get install ${missing[*]})" >&2
		exit 1
	fi
	echo "test-deps: installing ${missing[*]} from Debian's packages"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null || { echo "test-deps: apt-get install ${missing[*]} failed" >&2; exit 1; }
fi

pg_up() {
	if command -v pg_isready >/dev/null 2>&1; then
		pg_isready -q -h 127.0.0.1 -p 5432
	else
		(exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null
	fi
}

if pg_up; then
	exit 0
fi
if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
	if [ "$(id -u)" != 0 ]; then
		echo "test-deps: PostgreSQL is not running on 127.0.0.1:5432 and I am not root to install it" >&2
		exit 1
	fi
	echo "test-deps: installing PostgreSQL from Debian's packages"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq && apt-get install -y -qq postgresql >/dev/null || { echo "test-deps: apt-get install postgresql failed" >&2; exit 1; }
	ver=$(ls /etc/postgresql | sort -V | tail -1)
	conf=/etc/postgresql/$ver/main
	# Trust local TCP connections: the tests use throwaway schemas.
	sed -i -E 's/^(host\s+all\s+all\s+127\.0\.0\.1\/32\s+)\S+/\1trust/; s/^(local\s+all\s+postgres\s+)\S+/\1trust/' "$conf/pg_hba.conf"
fi
ver=$(ls /etc/postgresql | sort -V | tail -1)
echo "test-deps: starting PostgreSQL $ver"
pg_ctlcluster --skip-systemctl-redirect "$ver" main start 2>/dev/null || pg_ctlcluster "$ver" main start || true
for _ in $(seq 1 30); do
	pg_up && break
	sleep 1
done
pg_up || { echo "test-deps: PostgreSQL did not come up" >&2; exit 1; }
# The tests connect to the database "test".
su postgres -c "psql -q -h 127.0.0.1 -tc \"SELECT 1 FROM pg_database WHERE datname='test'\" | grep -q 1 || createdb -h 127.0.0.1 test" 2>/dev/null || true
exit 0
