# Past one machine (issue 17): an engine the framework reaches only over
# TCP with TLS (a second dockerd of the test's own, certificates made here)
# builds, loads and tests the fixture image, and gets the same digest as
# the local engine; the same over ssh:// (an sshd on loopback); with
# SNAPSHOT_REGISTRY, what engine A ran is taken by
# engine B, empty, which then runs no container stage and gets A's digest.
. "$(dirname "$0")/lib.sh"

for t in docker dockerd docker-registry openssl curl python3; do
	if ! have $t; then
		skip "remote (all)" "$t is not installed (make deps)"
		summary
		exit
	fi
done
if [ "$(id -u)" != 0 ]; then
	skip "remote (all)" "an engine of its own needs root"
	summary
	exit
fi
framework_setup
SECOND=$IMG/fx-second
T=$T_TMP/tls
tls_engine "$T" overlay2 || tls_engine "$T" vfs || { echo "FAIL the TLS engine did not start"; cat "$T/log"; exit 1; }
registry "$T_TMP/registry" || { echo "FAIL the registry did not start"; exit 1; }
trap 'kill $TLS_PID $REG_PID 2> /dev/null; wait $TLS_PID 2> /dev/null; tmp_cleanup' EXIT
LOCAL_OUT=$OUT
B_OUT=$T_TMP/out-b
build_dir "$B_OUT"
# engine B: only over TCP with TLS (no DOCKER_HOST=unix://, no shared files)
B=(env "${TLS_ENV[@]}")
bdocker() { "${B[@]}" docker "$@"; }
smb() { "${B[@]}" "${MK[@]}" O="$B_OUT" "$@" > "$T_TMP/last" 2>&1; }
# stage containers: how many the engine ever started (its events since then)
since=$(date +%s)
started_on_b() { bdocker events --since "$1" --until "$(date +%s)" --filter type=container --filter event=start --format x | wc -l; }

# a smoke test that runs the image on the engine of the make
smoke_test() {
	printf '#!/bin/sh\nexec ${ENGINE:-docker} run --rm --network none "$1"\n' > "$SECOND/test" && chmod +x "$SECOND/test"
}

# --- A: the local engine ---
sm "$SECOND/clean"
check "engine A builds fx-second" sm "$SECOND"
dA=$(cat "$LOCAL_OUT/fx-second/digest")

# --- B over TCP and TLS: builds, loads, tests ---
check "engine B, reached only over TCP with TLS, builds fx-second" smb "$SECOND"
expect "... every stage" "$ALL" "$(ran fx-second)"
expect "... to the same digest as engine A" "$dA" "$(cat "$B_OUT/fx-second/digest" 2> /dev/null)"
check "... the engine line says where it is" grep -qx ">>> engine: docker .* at tcp://127.0.0.1:$TLS_PORT" "$T_TMP/last"
expect "... and loads it there" "hello from a FROM-scratch image (second) conf: no /etc/hello.conf" \
	"$(bdocker run --rm --network none scratchmerge-test/fx-second:latest 2>&1)"
smoke_test
check "make .../test runs its smoke test there" smb "$SECOND/test"
rm -f "$SECOND/test"
smb "$SECOND/clean"

# --- ssh://: the local engine reached only through an sshd on loopback ---
# (the same engine as A, so this shows the transport for every target; the
# TLS engine above is the one that shares no file with the host)
if [ ! -x "$(command -v sshd || echo /usr/sbin/sshd)" ] || ! have ssh-keygen; then
	skip "ssh://" "needs sshd (openssh-server) and ssh-keygen"
else
	ssh_engine "$T_TMP/ssh" || { echo "FAIL sshd did not start"; cat "$T_TMP/ssh/log"; }
	S_OUT=$T_TMP/out-ssh
	build_dir "$S_OUT"
	sms() { env "${SSH_ENV[@]}" DOCKER_HOST="ssh://root@127.0.0.1:$SSH_PORT" "${MK[@]}" O="$S_OUT" "$@" > "$T_TMP/last" 2>&1; }
	check "an engine reached only over ssh:// builds fx-second" sms "$SECOND"
	expect "... every stage" "$ALL" "$(ran fx-second)"
	expect "... to engine A's digest" "$dA" "$(cat "$S_OUT/fx-second/digest" 2> /dev/null)"
	check "... the engine line says where it is" grep -qx ">>> engine: docker .* at ssh://root@127.0.0.1:$SSH_PORT" "$T_TMP/last"
	smoke_test
	check "make .../test over ssh://" sms "$SECOND/test"
	rm -f "$SECOND/test"
	check "make .../clean over ssh://" sms "$SECOND/clean"
	expect "... leaves none of its snapshots" 0 \
		"$(docker images --format '{{.Repository}}' | grep -c "^scratchmerge-$(cat "$S_OUT/.sm-id" 2> /dev/null)/")"
	kill "$SSHD_PID"
	wait "$SSHD_PID" 2> /dev/null
fi

# --- the snapshot registry: A stores, B (empty) takes, runs no container ---
SR=$REG/sm-cache
sm "$SECOND/clean"
check "engine A builds with SNAPSHOT_REGISTRY" sm "$SECOND" SNAPSHOT_REGISTRY="$SR"
check "... storing each stage's result there" grep -q "stage-cache: stored $SR:" "$LOCAL_OUT/fx-second/emerge-root.log"
# B: a new engine data root, nothing in it but the fixture's base images
kill "$TLS_PID"; wait "$TLS_PID" 2> /dev/null
awk -v a="$T/" 'index($5, a) == 1 { print $5 }' /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l 2> /dev/null
rm -rf "$T/data" "$T/exec"
tls_engine "$T" overlay2 || tls_engine "$T" vfs
B=(env "${TLS_ENV[@]}")
rm -rf "$B_OUT/fx-second"
since=$(date +%s)
check "engine B, empty, builds with the same registry" smb "$SECOND" SNAPSHOT_REGISTRY="$SR"
# (parent and unmerge have nothing to do for fx-second: they tag, locally)
expect "... taking every container stage and check from it" "portage lint world-rebuild emerge-root glibc finish" \
	"$(sed -n 's/^    fx-second \([a-z-]*\): taken from the snapshot registry .*/\1/p' "$T_TMP/last" | paste -sd' ')"
expect "... so no stage container was started on B" 0 "$(started_on_b "$since")"
expect "... and the image has A's digest" "$dA" "$(cat "$B_OUT/fx-second/digest" 2> /dev/null)"
expect "... and runs there" "hello from a FROM-scratch image (second) conf: no /etc/hello.conf" \
	"$(bdocker run --rm --network none scratchmerge-test/fx-second:latest 2>&1)"
smb "$SECOND" SNAPSHOT_REGISTRY="$SR" 'FX_SECOND_FINISH=touch $$ROOT/finished'
check "a stage whose inputs differ is run, not taken" bash -c "! grep -q 'finish: taken from' '$T_TMP/last' && grep -qx '>>> fx-second finish (FINISH changed)' '$T_TMP/last'"

smb "$SECOND/clean"
sm "$SECOND/clean"
docker rmi -f scratchmerge-test/fx-second:latest > /dev/null 2>&1
summary
