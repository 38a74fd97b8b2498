# engine (helpers/engine.c), the Engine API client, against real engines:
# the make check engine (docker), the podman service (a socket of its own),
# a second dockerd over TLS with certificates made here, and an sshd on
# loopback (ssh://). A stage: commit, keep, discard, export (against the
# engine's own `cp`, byte for byte), a failing command, SIGINT while the
# command runs, SIGTERM while the input uploads, the log in order with
# --tee, progress lines; load with a tag moved (the old image goes);
# ids, info, rm-owned, drop-dangling, rmi, volume-exists; --warm (a
# container kept running between stages: taken only when it matches).
# After every failure and interruption: no container and no snapshot of it.
. "$(dirname "$0")/lib.sh"

E=$BIN/engine
if ! have docker; then
	skip "engine (docker)" "no docker engine answering"
	summary
	exit
fi
if [ ! -x "$E" ]; then
	echo "FAIL engine: $E is not built (make helpers)"
	exit 1
fi
RUN=engine-test-$$
LBL=org.scratchmerge.test=$RUN

# bb_root DIR: a busybox-static root (sh, cat, sleep, ... as links)
bb_root() {
	mkdir -p "$1/bin" "$1/etc" && cp "$(readlink -f "$(command -v busybox)")" "$1/busybox"
	for a in sh cat echo sleep true false ls printf; do ln -sf /busybox "$1/bin/$a"; done
}
BB=$T_TMP/bb
bb_root "$BB"
IN=$T_TMP/in
mkdir -p "$IN/etc" && echo hello > "$IN/etc/greeting" && tar -C "$IN" -cf "$T_TMP/in.tar" .

# left CLI...: the containers and images of this run the engine still has
left() {
	echo "containers=$("$@" ps -aq --filter "label=$LBL" | wc -l) images=$("$@" images -q --filter "label=$LBL" | wc -l)"
}
NONE="containers=0 images=0"

# flow WHAT CLI... : the stage's life on one engine: EN runs engine for it,
# CLI inspects the same engine, XF are extra stage flags
EN=("$E")
XF=()
flow() {
	local what=$1 snap=$RUN/snap:$1 out
	shift
	local st=(stage --from "$RUN/bb:1" --label "$LBL" --network none "${XF[@]}")

	"$@" rm -f "$RUN-keep" > /dev/null 2>&1
	"$@" rmi "$snap" > /dev/null 2>&1
	: > "$T_TMP/$what.log"
	"${EN[@]}" "${st[@]}" --name "$RUN-c" --input "$T_TMP/in.tar" --log "$T_TMP/$what.log" --commit "$snap" \
		-- /bin/sh -c 'cat /etc/greeting; echo made > /etc/new' > "$T_TMP/out" 2>&1
	expect "$what: a stage with an input and --commit succeeds" "0 hello" "$? $(grep -v '^engine: the container ran from ' "$T_TMP/$what.log")"
	check "$what: ... the log ends with the container's own run times" \
		grep -qE '^engine: the container ran from [0-9-]+T[0-9:.]+Z to [0-9-]+T[0-9:.]+Z$' "$T_TMP/$what.log"
	expect "$what: the snapshot keeps the container's labels" "$RUN" \
		"$("$@" image inspect --format "{{index .Config.Labels \"org.scratchmerge.test\"}}" "$snap")"
	out=$("${EN[@]}" stage --from "$snap" --network none "${XF[@]}" --tee --discard -- /bin/cat /etc/new /etc/greeting 2>&1)
	expect "$what: the snapshot holds what the command wrote and the input" "made hello" "$(echo $out)"
	expect "$what: no container left, one snapshot" "containers=0 images=1" "$(left "$@")"
	"$@" rmi "$snap" > /dev/null

	# --keep replaces a container of that name; --export is the engine's cp
	"${EN[@]}" "${st[@]}" --name "$RUN-old" --keep "$RUN-keep" -- /bin/true > "$T_TMP/out" 2>&1
	old=$("$@" inspect --format '{{.Id}}' "$RUN-keep" 2> /dev/null)
	"${EN[@]}" "${st[@]}" --input "$T_TMP/in.tar" --keep "$RUN-keep" --export "/etc=$T_TMP/etc.tar" \
		-- /bin/sh -c 'echo x > /etc/kept' > "$T_TMP/out" 2>&1
	expect "$what: --keep: a stopped container of that name, the old one replaced" "0 exited 1" \
		"$? $("$@" inspect --format '{{.State.Status}}' "$RUN-keep") $("$@" ps -aq --filter "label=$LBL" | wc -l)"
	check "$what: ... the old one is gone" bash -c "[ -n '$old' ] && ! $* inspect '$old' > /dev/null 2>&1"
	check "$what: --export writes the tar \`$1 cp NAME:/etc/. -\` writes, byte for byte" \
		bash -c "$* cp '$RUN-keep:/etc/.' - | cmp - '$T_TMP/etc.tar'"
	check "$what: ... entries relative to the path, with what the command wrote" \
		bash -c "tar -tf '$T_TMP/etc.tar' | grep -qx '\\(\\./\\)\\{0,1\\}kept'"
	check "$what: ... and no temporary file" test ! -e "$T_TMP/etc.tar.tmp"
	"$@" rm -f "$RUN-keep" > /dev/null

	# a failing command: exit 1 naming it, nothing kept
	"${EN[@]}" "${st[@]}" --name "$RUN-f" --commit "$RUN/snap:failed" --export "/etc=$T_TMP/f.tar" \
		-- /bin/sh -c 'exit 3' > "$T_TMP/out" 2>&1
	expect "$what: a failing command: exit 1" 1 "$?"
	check "$what: ... the message names the container and the status" grep -qx "engine: $RUN-f: exit status 3" "$T_TMP/out"
	expect "$what: ... no container, no snapshot, no export" "$NONE no-export" \
		"$(left "$@") $(ls "$T_TMP"/f.tar* 2> /dev/null || echo no-export)"

	# SIGINT while the command runs
	: > "$T_TMP/int.log"
	"${EN[@]}" "${st[@]}" --name "$RUN-i" --log "$T_TMP/int.log" --commit "$RUN/snap:int" \
		-- /bin/sh -c 'echo started; sleep 60' > "$T_TMP/out" 2>&1 &
	pid=$!
	for _ in $(seq 100); do grep -q started "$T_TMP/int.log" && break; sleep 0.1; done
	kill -INT "$pid"
	wait "$pid"
	expect "$what: SIGINT while the command runs: exit 130, named" "130 engine: $RUN-i: interrupted" "$? $(cat "$T_TMP/out")"
	expect "$what: ... no container, no snapshot" "$NONE" "$(left "$@")"
}

# --- the make check engine: docker ---
docker rmi -f "$RUN/bb:1" > /dev/null 2>&1
tar -C "$BB" -c . | docker import - "$RUN/bb:1" > /dev/null
docker_leftovers() {	# what this file made in docker, but the fixture
	docker ps -aq --filter "label=$LBL" | xargs -r docker rm -f > /dev/null 2>&1
	docker images -q --filter "label=$LBL" | sort -u | xargs -r docker rmi -f > /dev/null 2>&1
	docker rmi -f "$RUN/load:1" > /dev/null 2>&1
	docker volume rm "$RUN-vol" > /dev/null 2>&1
}
flow docker docker

# the log in order, with --tee, appended to what the log had
echo "before" > "$T_TMP/tee.log"
"$E" stage --from "$RUN/bb:1" --label "$LBL" --network none --log "$T_TMP/tee.log" --tee --discard \
	-- /bin/sh -c 'echo one; sleep 0.3; echo two >&2; sleep 0.3; echo three; printf partial' > "$T_TMP/tee.out" 2> "$T_TMP/tee.err"
expect "--tee: stdout and stderr on our stdout, in order" "one two three partial" "$(cat "$T_TMP/tee.out" | paste -sd' ')"
expect "--log: the same, appended, then the run times" "before one two three partial engine:" \
	"$(cut -d' ' -f1 "$T_TMP/tee.log" | paste -sd' ')"
expect "... nothing on stderr" "" "$(cat "$T_TMP/tee.err")"

# progress: every second, the label, the time and the newest line
"$E" stage --from "$RUN/bb:1" --label "$LBL" --network none --progress 1 --progress-label "fx emerge" --discard \
	-- /bin/sh -c 'echo compiling; sleep 2.5; echo linked' > "$T_TMP/progress" 2>&1
check "--progress 1: lines '    fx emerge: Ns, compiling'" grep -qx '    fx emerge: [12]s, compiling' "$T_TMP/progress"
expect "... and nothing else" 0 "$(grep -cvE '^    fx emerge: [0-9]+s, (compiling|linked)?$' "$T_TMP/progress")"

# SIGTERM while the input uploads (a pipe that does not end)
{ sleep 30 & echo $! > "$T_TMP/sleeper"; wait; } | "$E" stage --from "$RUN/bb:1" --label "$LBL" --network none --name "$RUN-up" --input - \
	--commit "$RUN/snap:up" -- /bin/true > "$T_TMP/out" 2>&1 &
pid=$!
for _ in $(seq 100); do [ -n "$(docker ps -aq --filter "name=$RUN-up")" ] && break; sleep 0.1; done
sleep 0.3
kill -TERM "$pid"
wait "$pid"
expect "SIGTERM while the input uploads: exit 130, named" "130 engine: $RUN-up: interrupted" "$? $(cat "$T_TMP/out")"
expect "... no container, no snapshot" "$NONE" "$(left docker)"
kill "$(cat "$T_TMP/sleeper")" 2> /dev/null

"$E" stage --from "$RUN/nothing:1" --label "$LBL" --name "$RUN-m" --discard -- /bin/true > "$T_TMP/out" 2>&1
expect "a missing image: exit 1" 1 "$?"
check "... the message names the container and the image" grep -q "engine: $RUN-m: cannot create it from $RUN/nothing:1: .*No such image" "$T_TMP/out"
"$E" stage --from "$RUN/bb:1" --discard > /dev/null 2>&1
expect "no command: usage, exit 2" 2 "$?"
"$E" stage --from "$RUN/bb:1" --commit a:b --discard -- true > /dev/null 2>&1
expect "--commit and --discard: usage, exit 2" 2 "$?"

# ids, info
"$E" ids "$RUN/bb:1" "$RUN/nothing:1" > "$T_TMP/ids" 2> "$T_TMP/ids.err"
expect "ids: exit 1 when one is missing" 1 "$?"
expect "ids: REF=ID of the ones found" "$RUN/bb:1=$(docker image inspect --format '{{.Id}}' "$RUN/bb:1")" "$(cat "$T_TMP/ids")"
check "ids: the missing one named" grep -qx "engine: $RUN/nothing:1: no such image" "$T_TMP/ids.err"
expect "info: VERSION DRIVER" "$(docker info --format '{{.ServerVersion}} {{.Driver}}')" "$("$E" info)"

# load: a tag moved to a new image; the old image goes
mk_archive() {	# mk_archive CMD FILE: an image from the fixture, saved as $RUN/load:1
	"$E" stage --from "$RUN/bb:1" --label "$LBL" --network none --commit "$RUN/load:1" -- /bin/sh -c "$1" > /dev/null
	docker save -o "$2" "$RUN/load:1"
	docker rmi "$RUN/load:1" > /dev/null
}
mk_archive 'echo a > /a' "$T_TMP/a.tar"
mk_archive 'echo b > /b' "$T_TMP/b.tar"
"$E" load "$T_TMP/a.tar" > "$T_TMP/load.out" 2>&1
a_id=$(docker image inspect --format '{{.Id}}' "$RUN/load:1")
expect "load: REF=ID" "0 $RUN/load:1=$a_id" "$? $(cat "$T_TMP/load.out")"
"$E" load "$T_TMP/b.tar" > "$T_TMP/load.out" 2>&1
b_id=$(docker image inspect --format '{{.Id}}' "$RUN/load:1")
expect "load of a new image under the same tag: REF=ID" "0 $RUN/load:1=$b_id" "$? $(cat "$T_TMP/load.out")"
check "... the image the tag moved away from is removed" bash -c "[ '$a_id' != '$b_id' ] && ! docker image inspect '$a_id' > /dev/null 2>&1"
"$E" load "$T_TMP/in.tar" > "$T_TMP/load.out" 2>&1
expect "load of a tar that is not an image: exit 1" 1 "$?"
check "... naming the file and the engine's reason" grep -q "engine: $T_TMP/in.tar: cannot load it: " "$T_TMP/load.out"

# bookkeeping
docker create --label "$LBL" --label role=a "$RUN/bb:1" /bin/true > /dev/null
docker create --label "$LBL" --label role=a "$RUN/bb:1" /bin/true > /dev/null
docker create --label "$LBL" --label role=b "$RUN/bb:1" /bin/true > /dev/null
"$E" rm-owned "$LBL" role=a
expect "rm-owned: the containers with every label go, the others stay" "0 1" \
	"$? $(docker ps -aq --filter "label=$LBL" | wc -l)"
"$E" rm-owned "$LBL"
expect "rm-owned: ... all of them" "0 0" "$? $(docker ps -aq --filter "label=$LBL" | wc -l)"
commit_d() {	# a snapshot $RUN/d:1 with the label role=d; its ID
	"$E" stage --from "$RUN/bb:1" --label "$LBL" --label role=d --network none --commit "$RUN/d:1" -- /bin/true > /dev/null
	docker image inspect --format '{{.Id}}' "$RUN/d:1"
}
d1=$(commit_d)
d2=$(commit_d)
commit_d > /dev/null
docker create --label "$LBL" "$d1" /bin/true > /dev/null	# d1 and d2 are dangling, d1 in use
"$E" drop-dangling "$LBL" role=d
expect "drop-dangling: the dangling image nothing uses goes, the one in use stays" "0 gone kept" \
	"$? $(docker image inspect "$d2" > /dev/null 2>&1 && echo kept || echo gone) $(docker image inspect "$d1" > /dev/null 2>&1 && echo kept || echo gone)"
"$E" rm-owned "$LBL"
"$E" drop-dangling "$LBL" role=d
check "... and goes once nothing uses it" bash -c "! docker image inspect '$d1' > /dev/null 2>&1"
"$E" rmi "$RUN/d:1" "$RUN/nothing:1"
expect "rmi: removed, a missing one is fine" "0 gone" "$? $(docker image inspect "$RUN/d:1" > /dev/null 2>&1 && echo kept || echo gone)"
docker create --label "$LBL" --name "$RUN-user" "$RUN/load:1" /bin/true > /dev/null
"$E" rmi "$(docker image inspect --format '{{.Id}}' "$RUN/load:1")" 2> "$T_TMP/rmi.err"
expect "rmi of an image a container uses: exit 1, kept" "1 kept" \
	"$? $(docker image inspect "$RUN/load:1" > /dev/null 2>&1 && echo kept || echo gone)"
check "... saying why" grep -q "engine: sha256:.*conflict" "$T_TMP/rmi.err"
docker rm -f "$RUN-user" > /dev/null
docker volume create "$RUN-vol" > /dev/null
"$E" volume-exists "$RUN-vol"
expect "volume-exists: yes" 0 "$?"
"$E" volume-exists "$RUN-vol" "$RUN-novol"
expect "volume-exists: one missing" 1 "$?"

# --- --warm: a container kept running between two stages ---
W=$T_TMP/warm
# ws FROM SNAP NAME [FLAG...] -- CMD...: a stage with --warm W, owned by this run
ws() {
	local from=$1 snap=$2 name=$3
	shift 3
	"$E" stage --from "$from" --label "$LBL" --owner "$LBL" --network none --name "$name" \
		--log "$T_TMP/$name.log" --commit "$snap" --warm "$W" "$@"
}
state() { docker inspect --format '{{.State.Status}}' "$1" 2> /dev/null | grep . || echo gone; }
snap_there() { docker image inspect "$1" > /dev/null 2>&1 && echo snapshot || echo no-snapshot; }
rm -f "$W"
ws "$RUN/bb:1" "$RUN/w:1" "$RUN-w1" --warm-keep -- /bin/sh -c 'echo one > /one' > "$T_TMP/out" 2>&1
kept=$(head -n 1 "$W" 2> /dev/null)
expect "--warm --warm-keep: done, and its container still runs, named in FILE" "0 running 1" \
	"$? $(state "$kept") $(docker ps -q --filter "label=$LBL" | wc -l)"
expect "... FILE names the snapshot's image" "$(docker image inspect --format '{{.Id}}' "$RUN/w:1")" "$(sed -n 2p "$W")"
ws "$RUN/w:1" "$RUN/w:2" "$RUN-w2" --warm-keep -- /bin/sh -c 'cat /one; echo two > /two' > "$T_TMP/out" 2>&1
expect "the next stage, from that snapshot, runs in the same container" "0 $kept one" \
	"$? $(head -n 1 "$W") $(grep -v '^engine: ' "$T_TMP/$RUN-w2.log")"
check "... its log says so" grep -q "^engine: $RUN-w2: in the container the stage before kept" "$T_TMP/$RUN-w2.log"
check "... with the client's times of the command" \
	grep -qE '^engine: the command ran in the kept container from [0-9-]+T[0-9:.]+Z to [0-9-]+T[0-9:.]+Z$' "$T_TMP/$RUN-w2.log"
expect "... the container is named for the stage it ran" "/$RUN-w2" "$(docker inspect --format '{{.Name}}' "$kept")"
expect "... its snapshot holds what both stages wrote" "one two" \
	"$("$E" stage --from "$RUN/w:2" --network none --tee --discard -- /bin/cat /one /two 2>&1 | paste -sd' ')"
ws "$RUN/w:1" "$RUN/w:3" "$RUN-w3" --warm-keep -- /bin/sh -c 'test ! -e /two' > "$T_TMP/out" 2>&1
expect "a stage from another image than the kept container's: a new container, the kept one removed" \
	"0 gone running" "$? $(state "$kept") $(state "$(head -n 1 "$W")")"
kept=$(head -n 1 "$W")
ws "$RUN/w:3" "$RUN/w:4" "$RUN-w4" --env X=1 --warm-keep -- /bin/true > "$T_TMP/out" 2>&1
expect "a stage with other options (an --env more): a new container, the kept one removed" "0 gone running" \
	"$? $(state "$kept") $(state "$(head -n 1 "$W")")"
kept=$(head -n 1 "$W")
sed -i "3s/.*/$(($(date +%s) - 100))/" "$W"
ws "$RUN/w:4" "$RUN/w:5" "$RUN-w5" --env X=1 --warm-keep -- /bin/true > "$T_TMP/out" 2>&1
expect "a container kept longer ago than half its idle time: not taken, removed" "0 gone running" \
	"$? $(state "$kept") $(state "$(head -n 1 "$W")")"
kept=$(head -n 1 "$W")
"$E" tag --warm "$W" "$RUN/w:5" "$RUN/w:6" "$LBL" > "$T_TMP/out" 2>&1
expect "tag --warm FILE with the owner's labels: tagged, the kept container spared" "0 running" "$? $(state "$kept")"
ws "$RUN/w:6" "$RUN/w:7" "$RUN-w7" --env X=1 --warm-keep -- /bin/sh -c 'echo x > /x; exit 4' > "$T_TMP/out" 2>&1
expect "a failing command in the kept container: exit 1; the container, FILE and the snapshot gone" \
	"1 gone no-file no-snapshot" "$? $(state "$kept") $(ls "$W" 2> /dev/null || echo no-file) $(snap_there "$RUN/w:7")"
check "... the message names the stage and the status" grep -qx "engine: $RUN-w7: exit status 4" "$T_TMP/out"
ws "$RUN/w:6" "$RUN/w:8" "$RUN-w8" --warm-keep -- /bin/true > "$T_TMP/out" 2>&1
kept=$(head -n 1 "$W")
# (the tool itself in the background: a shell function there ignores SIGINT)
"$E" stage --from "$RUN/w:8" --label "$LBL" --owner "$LBL" --network none --name "$RUN-w9" --log "$T_TMP/$RUN-w9.log" \
	--commit "$RUN/w:9" --warm "$W" --warm-keep -- /bin/sh -c 'echo started; sleep 60' > "$T_TMP/out" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q started "$T_TMP/$RUN-w9.log" 2> /dev/null && break; sleep 0.1; done
kill -INT "$pid"
wait "$pid"
expect "SIGINT while a kept container runs the command: 130; the container, FILE and the snapshot gone" \
	"130 gone no-file no-snapshot" "$? $(state "$kept") $(ls "$W" 2> /dev/null || echo no-file) $(snap_there "$RUN/w:9")"
echo junk > "$W"
ws "$RUN/w:8" "$RUN/w:10" "$RUN-w10" -- /bin/true > "$T_TMP/out" 2>&1
expect "a FILE that is not a state: warned, removed, a new container" "0 no-file" "$? $(ls "$W" 2> /dev/null || echo no-file)"
check "... the warning names the stage and the file" grep -q "engine: $RUN-w10: $W: not a kept container's state" "$T_TMP/out"
check "... a stage that keeps nothing runs its command as the container's own (no idling container, no exec)" \
	grep -q '^engine: the container ran from ' "$T_TMP/$RUN-w10.log"
ENGINE_WARM_IDLE=3 ws "$RUN/w:8" "$RUN/w:11" "$RUN-w11" --warm-keep -- /bin/sh -c 'sleep 5; echo slept' > "$T_TMP/out" 2>&1
kept=$(head -n 1 "$W")
expect "ENGINE_WARM_IDLE=3: a command that runs longer than that is not cut short" "0 slept running" \
	"$? $(grep -v '^engine: ' "$T_TMP/$RUN-w11.log") $(state "$kept")"
for _ in $(seq 100); do [ "$(state "$kept")" = gone ] && break; sleep 0.1; done
expect "... then idle for 3 s, the kept container ends and the engine removes it" gone "$(state "$kept")"
ws "$RUN/w:11" "$RUN/w:12" "$RUN-w12" --warm-keep -- /bin/true > "$T_TMP/out" 2>&1
expect "... and the next stage makes a new one" "0 running" "$? $(state "$(head -n 1 "$W")")"
kept=$(head -n 1 "$W")
ws "$RUN/w:12" "$RUN/w:13" "$RUN-w13" -- /bin/true > "$T_TMP/out" 2>&1
expect "a stage without --warm-keep: the container it took is removed, FILE too" "0 gone no-file containers=0" \
	"$? $(state "$kept") $(ls "$W" 2> /dev/null || echo no-file) $(left docker | cut -d' ' -f1)"
"$E" stage --from "$RUN/bb:1" --discard --warm-keep -- /bin/true > "$T_TMP/out" 2>&1
expect "--warm-keep without --warm: a usage error" 2 "$?"
echo stale > "$W"
ENGINE_WARM=0 ws "$RUN/w:13" "$RUN/w:14" "$RUN-w14" --warm-keep -- /bin/true > "$T_TMP/out" 2>&1
expect "ENGINE_WARM=0: --warm and --warm-keep ignored: no container kept, FILE removed" "0 no-file containers=0" \
	"$? $(ls "$W" 2> /dev/null || echo no-file) $(left docker | cut -d' ' -f1)"
check "... the command ran as the container's own" grep -q '^engine: the container ran from ' "$T_TMP/$RUN-w14.log"
# the newest first: a snapshot goes before the one it was committed from
docker images --format '{{.Repository}}:{{.Tag}}' "$RUN/w" | xargs -r docker rmi > /dev/null

docker_leftovers

# --- a logs follow that outlives its container (podman 4.3's service: the
# second mk_podman_archive below once waited for ever): a fake engine ---
FE=$T_TMP/fake-engine
mkdir -p "$FE"
python3 "$TOP/tests/integration/fake-engine" "$FE/sock" "$FE/requests" 2> "$FE/err" &
FE_PID=$!
for _ in $(seq 50); do [ -S "$FE/sock" ] && break; sleep 0.1; done
timeout 60 env DOCKER_HOST="unix://$FE/sock" "$E" stage --from img:1 --name "$RUN-q" --log "$FE/log" --discard \
	-- /bin/true > "$T_TMP/out" 2>&1
expect "a follow quiet while the container runs, then quiet after it exited: the stage ends" 0 "$?"
# (a third look at the container: its run times, for the log)
expect "... it asked twice whether the container runs, following again in between" "3 2" \
	"$(grep -c '/json$' "$FE/requests") $(grep -c 'logs?follow=1' "$FE/requests")"
expect "... the output in the log once" 1 "$(grep -c '^hello from the container$' "$FE/log")"
kill "$FE_PID"
wait "$FE_PID" 2> /dev/null

# --- ssh://: an sshd on loopback whose sessions reach this engine ---
SSHD=$(command -v sshd || echo /usr/sbin/sshd)
if [ "$(id -u)" != 0 ] || [ ! -x "$SSHD" ] || ! have ssh-keygen || ! have python3; then
	skip "ssh://" "needs root, sshd (openssh-server), ssh-keygen and python3"
else
	S=$T_TMP/ssh
	ssh_engine "$S" || { echo "FAIL sshd did not start"; cat "$S/log"; }
	SPORT=$SSH_PORT
	EN=(env PATH="$S/bin:$PATH" DOCKER_HOST="ssh://root@127.0.0.1:$SPORT" "$E")
	expect "ssh: info through ssh -- docker system dial-stdio" "$(docker info --format '{{.ServerVersion}} {{.Driver}}')" "$("${EN[@]}" info 2>&1)"
	flow ssh docker
	expect "ssh: no ssh process left" 0 "$(ps -eo args= | grep -c "^$(command -v ssh) .*-p $SPORT -- ")"
	EN=(env PATH="$S/bin:$PATH" DOCKER_HOST="ssh://nobody@127.0.0.1:$SPORT" "$E")
	"${EN[@]}" info > "$T_TMP/out" 2>&1
	expect "ssh: a user the server refuses: exit 1" 1 "$?"
	check "... saying the engine's connection was lost" grep -q "engine: info: .*lost the engine at ssh://nobody@127.0.0.1" "$T_TMP/out"
	kill "$SSHD_PID"
	wait "$SSHD_PID" 2> /dev/null
	EN=("$E")
fi
docker_leftovers
docker rmi -f "$RUN/bb:1" > /dev/null 2>&1

# --- the podman service ---
if ! have podman; then
	skip "engine (podman service)" "podman is not installed"
else
	PS=$T_TMP/podman.sock
	podman system service --time=0 "unix://$PS" > "$T_TMP/podman-service.log" 2>&1 &
	PODMAN_PID=$!
	for _ in $(seq 100); do [ -S "$PS" ] && curl -sf --unix-socket "$PS" http://d/_ping > /dev/null && break; sleep 0.1; done
	podman rmi -f "$RUN/bb:1" > /dev/null 2>&1
	tar -C "$BB" -c . | podman import - "$RUN/bb:1" > /dev/null 2>&1
	EN=(env DOCKER_HOST="unix://$PS" "$E")
	# crun fails on this machine's cgroups, and runc needs the limits set
	XF=(--runtime runc --ulimit nofile=1024:1024 --ulimit nproc=1024:1024)
	expect "podman: info" "$(podman info --format '{{.Version.Version}} {{.Store.GraphDriverName}}')" "$("${EN[@]}" info 2>&1)"
	flow podman podman
	mk_podman_archive() {	# an image from the fixture, saved as $RUN/load:1
		"${EN[@]}" stage --from "$RUN/bb:1" "${XF[@]}" --label "$LBL" --network none --commit "$RUN/load:1" \
			-- /bin/sh -c "$1" > /dev/null
		podman save -q -o "$2" "$RUN/load:1" 2> /dev/null && podman rmi "$RUN/load:1" > /dev/null
	}
	mk_podman_archive 'echo a > /a' "$T_TMP/pa.tar"
	mk_podman_archive 'echo b > /b' "$T_TMP/pb.tar"
	"${EN[@]}" load "$T_TMP/pa.tar" > "$T_TMP/load.out" 2>&1
	pa=$(podman image inspect --format '{{.Id}}' "$RUN/load:1")
	"${EN[@]}" load "$T_TMP/pb.tar" > "$T_TMP/load.out" 2>&1
	expect "podman: load of a new image under the same tag: REF=ID" \
		"0 docker.io/$RUN/load:1=sha256:$(podman image inspect --format '{{.Id}}' "$RUN/load:1")" "$? $(cat "$T_TMP/load.out")"
	check "podman: ... the image the tag moved away from is removed" bash -c "! podman image inspect '$pa' > /dev/null 2>&1"
	podman create --label "$LBL" --label role=a "$RUN/bb:1" /bin/true > /dev/null
	"${EN[@]}" rm-owned "$LBL" role=a
	expect "podman: rm-owned" "0 0" "$? $(podman ps -aq --filter "label=$LBL" | wc -l)"
	"${EN[@]}" ids "$RUN/bb:1" > /dev/null
	expect "podman: ids" 0 "$?"
	kill "$PODMAN_PID"
	wait "$PODMAN_PID" 2> /dev/null
	podman ps -aq --filter "label=$LBL" | xargs -r podman rm -f > /dev/null 2>&1
	podman images -q --filter "label=$LBL" | xargs -r podman rmi -f > /dev/null 2>&1
	podman rmi -f "$RUN/bb:1" "$RUN/load:1" > /dev/null 2>&1
	EN=("$E")
	XF=()
fi

# --- TLS: a dockerd of our own on 127.0.0.1, certificates made here ---
if [ "$(id -u)" != 0 ] || ! have dockerd || ! have openssl || ! have python3; then
	skip "tcp:// with TLS" "needs root, dockerd, openssl and python3"
else
	T=$T_TMP/tls
	tls_engine "$T"
	TPORT=$TLS_PORT
	TD=(docker -H "unix://$T/sock")
	tar -C "$BB" -c . | "${TD[@]}" import - "$RUN/bb:1" > /dev/null
	EN=(env DOCKER_HOST="tcp://127.0.0.1:$TPORT" DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH="$T/client" "$E")
	expect "TLS: info" "$("${TD[@]}" info --format '{{.ServerVersion}} {{.Driver}}')" "$("${EN[@]}" info 2>&1)"
	flow tls "${TD[@]}"
	"${EN[@]}" load "$T_TMP/a.tar" > "$T_TMP/load.out" 2>&1
	expect "TLS: load" "0 $RUN/load:1=$("${TD[@]}" image inspect --format '{{.Id}}' "$RUN/load:1")" "$? $(cat "$T_TMP/load.out")"
	env DOCKER_HOST="tcp://127.0.0.1:$TPORT" DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH="$T/wrong" "$E" info > "$T_TMP/out" 2>&1
	expect "TLS: a CA that did not sign the engine's certificate: exit 1" 1 "$?"
	check "... saying that TLS failed, against which CA" grep -q "engine: info: TLS with the engine at https://127.0.0.1:$TPORT failed (CA $T/wrong/ca.pem" "$T_TMP/out"
	env DOCKER_HOST="tcp://127.0.0.1:$TPORT" "$E" info > "$T_TMP/out" 2>&1
	expect "TLS: plain HTTP to a TLS engine: exit 1" 1 "$?"

	# the engine stops in the middle of a stage
	"${EN[@]}" stage --from "$RUN/bb:1" --label "$LBL" --network none --name "$RUN-lost" --log "$T_TMP/lost.log" \
		--commit "$RUN/snap:lost" -- /bin/sh -c 'trap "exit 143" TERM; echo started; sleep 60 & wait' > "$T_TMP/out" 2>&1 &
	pid=$!
	for _ in $(seq 100); do grep -qs started "$T_TMP/lost.log" && break; sleep 0.1; done
	kill "$TLS_PID"
	wait "$pid"
	expect "the engine stops mid-stage: exit 1" 1 "$?"
	check "... naming the container" grep -q "engine: $RUN-lost: " "$T_TMP/out"
	wait "$TLS_PID" 2> /dev/null
fi

summary
