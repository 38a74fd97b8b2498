# Failures and their aftermath on the fixture builder: no orphaned images,
# containers or volumes after reruns and clean; snapshots that depend on no
# host path and belong to one build directory; SIGINT and SIGTERM in every
# stage; the engine stopped in the middle of a stage; the disk filling up
# while mkimage writes; two makes at once. After each fault a plain make
# must resume where it stopped and give a working image.
. "$(dirname "$0")/lib.sh"

if ! have docker; then
	skip "faults (docker)" "no docker engine answering"
	summary
	exit
fi
framework_setup
SECOND=$IMG/fx-second
run_second() { docker run --rm --network none scratchmerge-test/fx-second:latest 2>&1; }
WANT_SECOND="hello from a FROM-scratch image (second) conf: no /etc/hello.conf"
# what this build directory's fx-second owns in the engine (labels and its
# tag: other users of the same engine do not count), and the volumes other
# than the shared caches and trees (those are meant to stay)
objects() {
	local owner=org.scratchmerge.owner=$(cat "$OUT/.sm-id")/fx-second
	echo "images=$(docker images -aq --filter "label=$owner" | sort -u | wc -l)" \
		"tag=$(docker images -q scratchmerge-test/fx-second | wc -l)" \
		"containers=$(docker ps -aq --filter "label=$owner" | wc -l)" \
		"stray-volumes=$(docker volume ls -q | grep -cv '^scratchmerge-\(gentoo-\|\(test-[^-]*-\)\{0,1\}\(distfiles\|binpkgs\)$\)')"
}

# --- nothing orphaned: reruns replace, clean removes ---
sm "$SECOND/clean"
docker rmi -f scratchmerge-test/fx-second:latest > /dev/null 2>&1
before=$(objects)
expect "nothing of fx-second in the engine to start with" "images=0 tag=0 containers=0" "${before% stray*}"
check "a cold build of fx-second" sm "$SECOND"
built=$(objects)
sm "$SECOND/world-rebuild-redo"
expect "world-rebuild-redo reruns from world-rebuild on" "world-rebuild parent emerge-root glibc unmerge finish scratch" "$(ran fx-second)"
expect "a rerun leaves no orphaned image, container or volume" "$built" "$(objects)"
sm "$SECOND" 'FX_SECOND_PRUNE=$(DEFAULT_PRUNE) /usr/share/hello'
sm "$SECOND" FX_SECOND_UNMERGE=app-misc/extra
sm "$SECOND"
expect "option changes and back leave nothing orphaned either" "$built" "$(objects)"
sm "$SECOND/clean"
docker rmi scratchmerge-test/fx-second:latest > /dev/null 2>&1
expect "clean (and removing the loaded image) gives back the engine as it was" "$before" "$(objects)"

# --- a container kept between two stages of the same mounts (--warm) ---
# an UNMERGE, so that every stage runs a container (none is --tag-only)
SIGVARS=("FX_SECOND_PACKAGES=app-misc/hello app-misc/extra" FX_SECOND_UNMERGE=app-misc/extra)
# (the SIGINT part below signals stages that run in one: emerge-root,
# unmerge and finish)
kept_by() { grep -l "in the container the stage before kept" "$OUT"/fx-second/*.log | sed 's|.*/||; s|\.log$||' | sort | paste -sd' '; }
warm_file() { [ -e "$OUT/fx-second/.warm" ] && echo state-file || echo no-state-file; }
sm "$SECOND/world-rebuild-redo" "${SIGVARS[@]}"
expect "a chain stage after one of the same mounts and network runs in its container" "emerge-root finish unmerge" "$(kept_by)"
expect "... and once make is done, no container of the image is left, nor the state file" "0 no-state-file" \
	"$(containers fx-second -a | wc -l) $(warm_file)"
for s in glibc unmerge finish scratch; do rm -f "$OUT/fx-second/.stamp-$s"; done
sm "$SECOND/glibc" "${SIGVARS[@]}"
expect "make images/NAME/glibc: glibc's container runs on, kept for unmerge" "glibc running state-file" \
	"$(ran fx-second) $(docker inspect --format '{{.State.Status}}' "$(head -n 1 "$OUT/fx-second/.warm")") $(warm_file)"
sm "$SECOND" "${SIGVARS[@]}"
expect "... the next make's unmerge runs in it, and leaves nothing" "unmerge finish scratch|kept|0 no-state-file" \
	"$(ran fx-second)|$(grep -q 'in the container the stage before kept' "$OUT/fx-second/unmerge.log" && echo kept)|$(containers fx-second -a | wc -l) $(warm_file)"
for s in glibc unmerge finish scratch; do rm -f "$OUT/fx-second/.stamp-$s"; done
sm "$SECOND/glibc" "${SIGVARS[@]}"
sm "$SECOND/clean"
expect "... clean removes a kept container" "0 no-state-file" "$(containers fx-second -a | wc -l) $(warm_file)"

# --- snapshots belong to one build directory ---
OUT2=$T_TMP/out2
build_dir "$OUT2"
sm "$SECOND"
check "a second build directory builds the same image" sm O="$OUT2" "$SECOND"
check "... with snapshots of its own" test "$(snap fx-second)" != "$(snap fx-second "$OUT2")"
sm "$SECOND/clean"
check "cleaning one build directory leaves the other's snapshots" \
	docker image inspect "$(snap fx-second "$OUT2"):unmerge"
sm O="$OUT2" "$SECOND/scratch-redo"
expect "... and the other still builds from them" "scratch" "$(ran fx-second)"
sm O="$OUT2" "$SECOND/clean"

# --- a moved checkout: nothing of a stage depends on a host path ---
MV=$T_TMP/checkout
mkdir -p "$MV" && tar -C "$TOP" --exclude=./build --exclude=./.git -cf - . | tar -C "$MV" -xf -
build_dir "$MV/build"
MVK=(env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make --no-print-directory IMAGE_DIRS=tests/images O=build NETWORK=none)
(cd "$MV" && "${MVK[@]}" tests/images/fx-second > "$T_TMP/last" 2>&1)
check "a checkout built in place" test -s "$MV/build/fx-second/image.tar"
mv "$MV" "$MV-moved"
(cd "$MV-moved" && "${MVK[@]}" tests/images/fx-second/scratch-redo > "$T_TMP/last" 2>&1)
expect "after the checkout moved, scratch-redo works from the exported ROOT" "scratch" "$(ran fx-second)"
check "... and nothing recreated the old path" test ! -e "$MV"
(cd "$MV-moved" && "${MVK[@]}" tests/images/fx-second/clean > /dev/null 2>&1)

# --- SIGINT and SIGTERM in every stage, then a plain make resumes ---
# slow-client pauses the stage's work (a container stage: the container
# sleeps first; scratch: before the load); the signal goes to make's
# process group, as a terminal's Ctrl-C or a service manager's stop would.
# (The config check makes no engine call: one mkimage run of milliseconds;
# fx-second has no PARENT, so its parent stage only tags a snapshot.)
# a pause of this run's own length: the pkill below stops its sleeps, not
# another test's `sleep 30`
export SLOW_SECONDS=$((100 + $$ % 800))
sm "$SECOND" "${SIGVARS[@]}"
for stage in $(echo "$ALL" | sed 's/\<config \| parent\>//g'); do
	for sig in INT TERM; do
		case $stage in scratch) on=load ;; *) on=stage ;; esac
		rm -f "$T_TMP/mark"
		# this stage and the ones after it are out of date
		for s in $ALL; do
			[ "$s" = "$stage" ] && go=1
			[ -z "${go:-}" ] || rm -f "$OUT/fx-second/.stamp-$s"
		done
		go=
		SLOW_ON=$on SLOW_MARK=$T_TMP/mark SLOW_CLIENT=$OUT/bin/engine setsid env --default-signal=INT "${MK[@]}" \
			ENGINE_CLIENT="$TOP/tests/integration/slow-client" "$SECOND" "${SIGVARS[@]}" > "$T_TMP/sig" 2>&1 &
		mpid=$!
		for _ in $(seq 100); do [ -e "$T_TMP/mark" ] && break; sleep 0.1; done
		# a container stage: signalled while its container runs
		[ "$on" != stage ] || for _ in $(seq 100); do [ -n "$(containers fx-second)" ] && break; sleep 0.1; done
		kill -"$sig" -- -"$mpid"
		wait "$mpid"
		rc=$?
		pkill -xf "sleep $SLOW_SECONDS" 2> /dev/null
		sleep 0.5
		ok=1
		grep -q "stage $stage interrupted" "$T_TMP/sig" || ok=0
		[ "$rc" -ne 0 ] || ok=0
		[ ! -e "$OUT/fx-second/.stamp-$stage" ] || ok=0
		[ -z "$(containers fx-second -a)" ] || ok=0
		case $stage in
		finish) [ -z "$(find "$OUT/fx-second" -name 'finish-*.tar*')" ] || ok=0 ;;
		scratch) [ -z "$(find "$OUT/fx-second" -name '*.tmp*' -o -name '*.new')" ] || ok=0 ;;
		*) ! docker image inspect "$(snap fx-second):$stage" > /dev/null 2>&1 || ok=0 ;;
		esac
		[ "$ok" = 1 ] || { echo "--- make's output:"; cat "$T_TMP/sig"; }
		expect "SIG$sig in $stage: named, no stamp, snapshot or container of it" 1 "$ok"
		sm "$SECOND" "${SIGVARS[@]}"
		expect "... then a plain make resumes at $stage and the image runs" \
			"$(echo "$ALL" | sed "s/.*\\<$stage\\>/$stage/") $WANT_SECOND" "$(ran fx-second) $(run_second)"
	done
done

# --- two makes of one image at once: the second stops at once ---
sm "$SECOND/clean"
setsid "${MK[@]}" "$SECOND" FX_SECOND_PACKAGES="app-misc/hello app-misc/slow" > "$T_TMP/first" 2>&1 &
first=$!
for _ in $(seq 100); do containers fx-second | grep -q '\.emerge-root\.' && break; sleep 0.2; done
sm "$SECOND" FX_SECOND_PACKAGES="app-misc/hello app-misc/slow"
rc=$?
expect "a second make of the same image fails" 1 "$([ $rc -ne 0 ] && echo 1 || echo 0)"
check "... saying that another make is building it" grep -q "fx-second: another make is building this image" "$T_TMP/last"
kill -INT -- -"$first"
wait "$first"
sm "$SECOND"
expect "the image builds afterwards" "$WANT_SECOND" "$(run_second)"

# --- the disk fills up while mkimage writes the archive ---
if [ "$(id -u)" = 0 ]; then
	SMALL=$T_TMP/small
	mkdir -p "$SMALL" && mount -t tmpfs -o size=24m tmpfs "$SMALL"
	SO=$SMALL/out
	build_dir "$SO"
	sm O="$SO" "$SECOND/finish"
	d_ok=$?
	# leave 64 KiB: less than the image archive needs
	free=$(($(stat -f -c '%a*%S' "$SMALL") - 65536))
	head -c "$free" /dev/zero > "$SMALL/filler" 2> /dev/null
	sm O="$SO" "$SECOND"
	rc=$?
	expect "a full disk fails the scratch stage" "0 1" "$d_ok $([ $rc -ne 0 ] && echo 1 || echo 0)"
	check "... naming the stage and the reason" bash -c \
		"grep -q 'fx-second: stage scratch failed' '$T_TMP/last' && grep -qi 'no space left' '$T_TMP/last'"
	expect "... and leaves no archive, temporary file or stamp" "" \
		"$(ls -A "$SO/fx-second" | grep -E 'image\.tar|\.tmp|\.new|stamp-scratch')"
	rm -f "$SMALL/filler"
	sm O="$SO" "$SECOND"
	expect "with room again, make resumes at scratch" "scratch $WANT_SECOND" "$(ran fx-second) $(run_second)"
	sm O="$SO" "$SECOND/clean"
	umount "$SMALL"
else
	skip "disk full" "mounting a small tmpfs needs root"
fi

# --- the engine stops in the middle of a stage ---
if have dockerd; then
	PD=$T_TMP/pd
	mkdir -p "$PD"
	pdocker() { DOCKER_HOST=unix://$PD/sock docker "$@"; }
	start_pd() {
		dockerd --iptables=false --bridge=none --storage-driver="${PD_DRIVER:-overlay2}" --data-root "$PD/data" \
			--exec-root "$PD/exec" --pidfile "$PD/pid" -H "unix://$PD/sock" >> "$PD/log" 2>&1 &
		for _ in $(seq 100); do pdocker info > /dev/null 2>&1 && return 0; sleep 0.1; done
		return 1
	}
	if start_pd; then
		POUT=$T_TMP/out-pd
		build_dir "$POUT"
		PMK=(env DOCKER_HOST="unix://$PD/sock" "${MK[@]}" O="$POUT")
		DOCKER_HOST=unix://$PD/sock "$TOP/tests/fixtures/builder/mkfixture" docker > /dev/null
		setsid "${PMK[@]}" "$SECOND" FX_SECOND_PACKAGES="app-misc/hello app-misc/slow" > "$T_TMP/pd-make" 2>&1 &
		pm=$!
		for _ in $(seq 150); do
			DOCKER_HOST=unix://$PD/sock docker ps --format '{{.Names}}' | grep -q '\.emerge-root\.' && break
			sleep 0.2
		done
		kill "$(cat "$PD/pid")"
		wait "$pm"
		rc=$?
		for _ in $(seq 100); do [ -e "$PD/pid" ] || break; sleep 0.1; done
		expect "make fails when the engine stops mid-stage" 1 "$([ $rc -ne 0 ] && echo 1 || echo 0)"
		check "... naming the stage" grep -q "fx-second: stage emerge-root failed" "$T_TMP/pd-make"
		check "... with no stamp of it" test ! -e "$POUT/fx-second/.stamp-emerge-root"
		start_pd
		"${PMK[@]}" "$SECOND" FX_SECOND_PACKAGES="app-misc/hello app-misc/slow" > "$T_TMP/last" 2>&1
		expect "with the engine back, make resumes at emerge-root" "emerge-root glibc unmerge finish scratch" "$(ran fx-second)"
		expect "... leaving no container of the lost run" "" \
			"$(pdocker ps -a --format '{{.Names}}' --filter label=org.scratchmerge.role=work)"
		kill "$(cat "$PD/pid")"
		for _ in $(seq 100); do [ -e "$PD/pid" ] || break; sleep 0.1; done
	else
		skip "engine stopped mid-stage" "a private dockerd did not start (see $PD/log)"
	fi
else
	skip "engine stopped mid-stage" "no dockerd binary"
fi

sm "$SECOND/clean"
docker rmi -f scratchmerge-test/fx-second:latest > /dev/null 2>&1
summary
