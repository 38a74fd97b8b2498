# Past one machine (issue 17): engine B's cold build of the fixture image
# without a snapshot registry (every container stage runs on B) against
# the same build with SNAPSHOT_REGISTRY holding what engine A stored (B
# takes each stage's result and runs no container stage), side by side.
# Engine A is the engine bench/run is given; engine B a second dockerd of
# this benchmark's own (its data root under BENCH_DIR), so its snapshots
# and its caches are its own; the registry is Debian's docker-registry on
# 127.0.0.1.
. "$(dirname "$0")/lib.sh"
need docker dockerd docker-registry make curl python3
. "$TOP/tests/integration/servers"
W=$WORK/registry
rm -rf "$W" && mkdir -p "$W"
registry "$W/registry" || { echo "bench: the registry did not start" >&2; exit 1; }
DB=$W/engine-b
mkdir -p "$DB"
dockerd --storage-driver=overlay2 --iptables=false --bridge=none --data-root "$DB/data" --exec-root "$DB/exec" \
	--pidfile "$DB/pid" -H "unix://$DB/sock" > "$DB/log" 2>&1 &
B_PID=$!
finish() {
	kill "$REG_PID" "$B_PID" 2> /dev/null
	wait "$B_PID" 2> /dev/null
	awk -v a="$DB/" 'index($5, a) == 1 { print $5 }' /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l 2> /dev/null
	rm -rf "$W"
}
trap finish EXIT
for _ in $(seq 100); do docker -H "unix://$DB/sock" info > /dev/null 2>&1 && break; sleep 0.2; done

IMG=$W/images
mkdir -p "$IMG" && cp -a "$TOP/tests/images/fx-hello" "$TOP/tests/images/fixture.mk" "$IMG/"
rm -f "$IMG/fx-hello/test"
OA=$W/out-a OB=$W/out-b
mkdir -p "$OA" "$OB"
cp -a "$O/bin" "$O/bin-static" "$O/obj" "$OA/" && cp -a "$O/bin" "$O/bin-static" "$O/obj" "$OB/"
SR=$REG/sm-cache
MKA="make -C $TOP -s IMAGE_DIRS=$IMG O=$OA NETWORK=none"
MKB="env DOCKER_HOST=unix://$DB/sock make -C $TOP -s IMAGE_DIRS=$IMG O=$OB NETWORK=none"
H=$IMG/fx-hello

echo "bench: engine A stores the stages' results"
$MKA "$H" SNAPSHOT_REGISTRY="$SR" > /dev/null
# B, cold every run: its snapshots and build directory go (the fixture's
# base images and the tree volume stay, as a stage3 and a tree would)
bclean="$MKB $H/clean > /dev/null 2>&1"
echo "bench: engine B cold, without and with the registry"
# starts FILE CMD...: CMD, counting the containers B starts meanwhile
starts() {
	local f=$1
	shift
	docker -H "unix://$DB/sock" events --filter type=container --filter event=start --format x > "$f" &
	local ev=$!
	"$@"
	sleep 1
	kill "$ev"
	wait "$ev" 2> /dev/null || true
}
starts "$W/starts-without" hf reg-b-without "$RUNS" "$bclean" "$MKB $H"
starts "$W/starts-with" hf reg-b-with "$RUNS" "$bclean" "$MKB $H SNAPSHOT_REGISTRY=$SR"
starts_without=$(wc -l < "$W/starts-without") starts_with=$(wc -l < "$W/starts-with")

report "## Past one machine: engine B's cold build with and without a snapshot registry (\`bench/run registry\`; fixture builder, docker $(docker version --format '{{.Server.Version}}'), overlay2)"
report
report "Engine A stored every stage's result in a registry on loopback (Debian's docker-registry); engine B, a second dockerd with its own data root, builds fx-hello from nothing each run (its snapshots removed; the fixture's base images and the tree volume stay)."
report
report "| engine B, cold build | median (s) |"
report "|---|---|"
report "| without a registry: every container stage runs on B | $(med reg-b-without) |"
report "| with \`SNAPSHOT_REGISTRY\`: each stage's result taken from the registry, no container stage runs | $(med reg-b-with) |"
report "| ratio without / with | $(ratio reg-b-without reg-b-with) |"
report
report "Containers started on B ($RUNS runs and a warm-up each, docker events): $starts_without without the registry, $starts_with with it. At this size a stage's own work is milliseconds (the fixture's emerge installs prebuilt files); with real Portage, what B saves is the compile."
report
