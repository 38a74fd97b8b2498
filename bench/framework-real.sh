# The framework at real size: the fixture builder padded to a stage3's size
# (bench/gen-tree.py builder: ~150,000 files, 1.5 GB, a VDB of ~300
# packages) and a portage tree of a Gentoo repository's size (gen-tree.py
# portage: ~150,000 files, 600 MB), in a private dockerd on overlay2,
# against the same steps as a multi-stage Dockerfile (bench/fx-hello.Dockerfile
# with that builder): cold build, a PRUNE change, an image.yaml change, a
# no-op, docker storage per built image, and the framework's own cost per
# stage (a stage's wall time minus the time its script ran in the container).
# Everything it creates (the engine's data root, images, containers) goes at
# the end; BENCH_REAL_KEEP=1 keeps the engine and its images for a rerun.
#   BENCH_REAL_DIR   the private engine's root (default /var/tmp/sm-bench-real:
#                    on disk, as a user's docker would be; needs ~6 GB free)
#   BUILDER_FILES BUILDER_MB PORTAGE_FILES PORTAGE_MB   the padding's size
#   RUNS (default 5), COLD_RUNS (default 3), NOOP_RUNS (default 10: the
#   Dockerfile's no-op), PART_RUNS (default 20: scratchmerge's no-op, its parts)
. "$(dirname "$0")/lib.sh"
need docker dockerd make python3
[ -x "$BIN/mkimage" ] && [ -d "$O/bin-static" ] || { echo "bench: build the helpers first (make helpers)" >&2; exit 1; }
RD=${BENCH_REAL_DIR:-/var/tmp/sm-bench-real}
COLD_RUNS=${COLD_RUNS:-3}
NOOP_RUNS=${NOOP_RUNS:-10}
PART_RUNS=${PART_RUNS:-20}	# the no-op and its parts: cheap, and this machine is shared
BUILDER_FILES=${BUILDER_FILES:-150000} BUILDER_MB=${BUILDER_MB:-1500}
PORTAGE_FILES=${PORTAGE_FILES:-150000} PORTAGE_MB=${PORTAGE_MB:-600}
REAL_DOCKER=$(command -v docker)
STAGE3=bench-real/stage3:$BUILDER_FILES-$BUILDER_MB
PORTAGE=bench-real/portage:$PORTAGE_FILES-$PORTAGE_MB
W=$WORK/fwr
rm -rf "$W" && mkdir -p "$W/bin"

# --- a private engine on overlay2 ---
mkdir -p "$RD"
export DOCKER_HOST=unix://$RD/sock
if ! docker version > /dev/null 2>&1; then
	rm -f "$RD/pid"
	setsid dockerd --storage-driver=overlay2 --iptables=false --bridge=none \
		--data-root "$RD/data" --exec-root "$RD/exec" --pidfile "$RD/pid" -H "$DOCKER_HOST" > "$RD/log" 2>&1 &
	for _ in $(seq 60); do docker version > /dev/null 2>&1 && break; sleep 0.5; done
fi
docker version > /dev/null 2>&1 || { tail "$RD/log"; echo "bench: the private dockerd did not start" >&2; exit 1; }
[ "$(docker info --format '{{.Driver}}')" = overlay2 ] || { echo "bench: the private dockerd is not on overlay2 (see $RD/log)" >&2; exit 1; }
finish() {
	[ -z "${H:-}" ] || cp "$H/image.yaml.orig" "$H/image.yaml" 2> /dev/null
	if [ "${BENCH_REAL_KEEP:-0}" = 1 ]; then
		echo "bench: kept the engine (DOCKER_HOST=$DOCKER_HOST, pid $(cat "$RD/pid"))"
		return
	fi
	[ -f "$RD/pid" ] && kill "$(cat "$RD/pid")" 2> /dev/null
	for _ in $(seq 60); do [ -e "$RD/pid" ] || break; sleep 0.5; done
	rm -rf "$RD"
}
trap finish EXIT
DATA=$RD/data
store() { du -sx --block-size=1 "$DATA/overlay2" | cut -f1; }
mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }

# --- the builder and the portage tree: the fixture's, padded ---
"$TOP/tests/fixtures/builder/mkfixture" docker > /dev/null
pad() {	# pad FROM KIND FILES MB NAME: FROM with gen-tree.py KIND laid over it
	local sum
	sum=$(sha256sum "$TOP/bench/gen-tree.py" | cut -c1-16)-$(docker image inspect --format '{{.Id}}' "$1" | cut -c8-19)
	[ "$(docker image inspect --format '{{index .Config.Labels "bench-sum"}}' "$5" 2> /dev/null)" = "$sum" ] && return
	docker rm -f bench-real-pad > /dev/null 2>&1
	docker create --name bench-real-pad "$1" /bin/sh > /dev/null
	python3 "$TOP/bench/gen-tree.py" "$2" "$3" "$4" 2> "$W/$2.stats" | docker cp - bench-real-pad:/
	docker commit --change "LABEL bench-sum=$sum" bench-real-pad "$5" > /dev/null
	docker rm bench-real-pad > /dev/null
	cp "$W/$2.stats" "$RD/$2.stats"
}
echo "bench: making $STAGE3 and $PORTAGE (once; BENCH_REAL_KEEP=1 keeps them)"
t=$EPOCHREALTIME
pad scratchmerge-fixture/stage3:test builder "$BUILDER_FILES" "$BUILDER_MB" "$STAGE3"
pad scratchmerge-fixture/portage:test portage "$PORTAGE_FILES" "$PORTAGE_MB" "$PORTAGE"
echo "bench: builder images ready in $(awk -v a="$t" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }') s"
builder_size=$(docker image inspect --format '{{.Size}}' "$STAGE3")
portage_size=$(docker image inspect --format '{{.Size}}' "$PORTAGE")
docker image prune -f > /dev/null

report "## The framework at real size against a multi-stage Dockerfile (docker $(docker version --format '{{.Server.Version}}'), storage driver $(docker info --format '{{.Driver}}'), data root on $(stat -f -c %T "$DATA"))"
report
report "Load average at the start: $(cut -d' ' -f1-3 /proc/loadavg) (the machine is shared)."
report
report "Builder \`$STAGE3\`: the fixture stage3 with $(cat "$RD/builder.stats" | cut -d: -f2) laid over it ($(mib "$builder_size") MiB, \`docker image inspect\`); portage \`$PORTAGE\`: the fixture tree with $(cat "$RD/portage.stats" | cut -d: -f2) ($(mib "$portage_size") MiB). Both made by bench/gen-tree.py (deterministic)."
report

IMG=$W/images
OUT=$W/out
CTX=$W/docker
mkdir -p "$IMG" "$CTX" "$OUT"
cp -a "$TOP/tests/images/fx-hello" "$TOP/tests/images/fixture.mk" "$IMG/"
rm -f "$IMG/fx-hello/test"	# the Dockerfile runs no smoke test
cp -a "$TOP/tests/images/fx-hello/rootfs" "$CTX/"
cp "$TOP/bench/fx-hello.Dockerfile" "$CTX/Dockerfile"
cp -a "$O/bin" "$O/bin-static" "$O/obj" "$OUT/" 2> /dev/null
H=$IMG/fx-hello
cp "$H/image.yaml" "$H/image.yaml.orig"
MKARGS="-C $TOP -s IMAGE_DIRS=$IMG O=$OUT NETWORK=none FX_HELLO_STAGE3_IMAGE=$STAGE3 FX_HELLO_PORTAGE_IMAGE=$PORTAGE"
MK="make $MKARGS"
TAG=scratchmerge-test/fx-hello:latest
export DOCKER_BUILDKIT=0	# the engine's own builder (no buildx here)
DF="docker build -q --build-arg STAGE3=$STAGE3 --build-arg PORTAGE=$PORTAGE -t bench/fx-df $CTX"
echo 0 > "$W/n"
bump="bash -c 'echo \$((\$(cat $W/n) + 1)) > $W/n'"
smclean="$MK $H/clean; docker rmi $TAG > /dev/null 2>&1; docker image prune -f > /dev/null"
dfclean="docker rmi -f bench/fx-df > /dev/null 2>&1; docker image prune -f > /dev/null"

# --- cold builds; the last run of each is the one whose storage counts ---
# (every run starts from nothing: the prepare step removes the previous
# run's images and the dangling ones; the builder images stay, as stage3 would)
# one build first: the tree volume (mk/portage-tree, once per tree image)
# stays across clean, as the builder images do; its first copy is timed below
echo "bench: a first build (the tree volume)"
$MK "$H" > /dev/null
bash -c "$smclean; $dfclean"
s0=$(store)
echo "bench: cold builds"
hf fwr-sm-cold "$COLD_RUNS" "$smclean" "$MK $H"
s_sm=$(store)
layers=()
prev=$builder_size
snap=scratchmerge-$(cat "$OUT/.sm-id")/fx-hello
for s in portage world-rebuild emerge-root glibc unmerge; do
	sz=$(docker image inspect --format '{{.Size}}' "$snap:$s" 2> /dev/null) || continue
	layers+=("$s +$(mib $((sz - prev)))")
	prev=$sz
done
layers+=("finish: nothing in the engine (ROOT exported to the host: $(du -ch "$OUT"/fx-hello/finish-*.tar | tail -1 | cut -f1))")
hf fwr-df-cold "$COLD_RUNS" "$dfclean" "$DF --no-cache"
s_df=$(store)
grow_sm=$((s_sm - s0)) grow_df=$((s_df - s_sm))
pct() { awk -v a="$1" -v b="$builder_size" 'BEGIN { printf "%.1f%%", 100 * a / b }'; }

# --- the other scenarios, side by side ---
echo "bench: PRUNE changes"
hf fwr-sm-prune "$RUNS" "$bump" "$MK $H \"FX_HELLO_PRUNE=\\\$(DEFAULT_PRUNE) /opt/n\$(cat $W/n)\""
hf fwr-df-prune "$RUNS" "$bump" "$DF --build-arg PRUNE=\"/usr/share/doc /usr/share/man /usr/share/info /usr/include /usr/lib*/pkgconfig /lib*/*.a /usr/lib*/*.a /var/db/pkg /etc/portage /opt/n\$(cat $W/n)\""
$MK "$H" > /dev/null
echo "bench: image.yaml changes"
hf fwr-sm-yaml "$RUNS" "$bump; bash -c '(cat $H/image.yaml.orig; echo \"  org.example.bench: n\$(cat $W/n)\") > $H/image.yaml'" "$MK $H"
hf fwr-df-yaml "$RUNS" "$bump" "$DF --build-arg LABEL=n\$(cat $W/n)"
echo "bench: no-op"
hf fwr-sm-noop "$PART_RUNS" "" "$MK $H"
hf fwr-df-noop "$NOOP_RUNS" "" "$DF --build-arg LABEL=n\$(cat $W/n)"
s_after=$(store)
dangling=$(docker images -q -f dangling=true | wc -l)
sm_run=$(docker run --rm --network none "$TAG" 2>&1)
df_run=$(docker run --rm --network none bench/fx-df 2>&1)

# --- what the no-op spends: the parse-time calls, alone ---
echo "bench: the no-op's parts"
hf fwr-baseids "$PART_RUNS" "" "SM_ENGINE_TOOL=$OUT/bin/engine $TOP/mk/base-ids $STAGE3 $PORTAGE"
hf fwr-inspect "$PART_RUNS" "" "docker image inspect --format '{{.Id}}' $STAGE3 $PORTAGE"
hf fwr-ids "$PART_RUNS" "" "$OUT/bin/engine ids -d $STAGE3 $PORTAGE"
# the same make with the engine answering from a file (an engine tool that
# prints the IDs): the no-op without the engine call
mkdir -p "$W/fake"
{
	echo '#!/bin/sh'
	echo 'for a; do case $a in'
	for i in "$STAGE3" "$PORTAGE"; do echo "$i) echo $i=$("$OUT/bin/engine" ids -d "$i" | cut -d= -f2-) ;;"; done
	echo 'esac; done'
} > "$W/fake/engine"
chmod +x "$W/fake/engine"
stamps=$(stat -c '%n %Y' "$OUT"/fx-hello/.stamp-* "$OUT"/fx-hello/.opts-*)
hf fwr-noengine "$PART_RUNS" "" "$MK ENGINE_TOOL=$W/fake/engine $H"
[ "$(stat -c '%n %Y' "$OUT"/fx-hello/.stamp-* "$OUT"/fx-hello/.opts-*)" = "$stamps" ] ||
	{ echo "bench: the make with the engine answering from a file was not a no-op" >&2; exit 1; }
procs=-
if command -v strace > /dev/null; then
	strace -f -qq -e trace=execve -e signal=none -o "$W/noop.strace" $MK "$H" > /dev/null 2>&1 &&
		procs=$(grep -c 'execve(.* = 0$' "$W/noop.strace")
fi

# --- per stage: wall time against the time the script ran in the container ---
# A `docker` first in PATH logs every engine call with host timestamps (and,
# after `start`, the container's own StartedAt/FinishedAt); RUN_STAGE logs
# each stage's wall time. One instrumented run each: cold, PRUNE change.
echo "bench: per-stage breakdown"
cat > "$W/bin/docker" << EOF
#!/bin/bash
t0=\$EPOCHREALTIME
"$REAL_DOCKER" "\$@"
rc=\$?
t1=\$EPOCHREALTIME
echo "call \$t0 \$t1 \$rc \$*" >> "$W/calls.log"
if [ "\$1" = start ]; then
	"$REAL_DOCKER" inspect --format "run {{.State.StartedAt}} {{.State.FinishedAt}}" "\${@: -1}" >> "$W/calls.log" 2>&1
fi
exit \$rc
EOF
# the engine client writes the container's own start and end to the
# stage's log: "engine: the container ran from STARTED to FINISHED"; for
# a command run in a container kept running (--warm), the client's own
# times of it: "engine: the command ran in the kept|new container from ..."
cat > "$W/bin/run-stage" << EOF
#!/bin/bash
t0=\$EPOCHREALTIME
"$TOP/mk/run-stage" "\$@"
rc=\$?
t1=\$EPOCHREALTIME
while [ \$# -gt 0 ]; do case \$1 in --stage) stage=\$2 ;; --log) log=\$2 ;; esac; shift; done
ran=\$(sed -n -E 's/^engine: the (container|command) ran (in the ([a-z]+) container )?from ([^ ]*) to ([^ ]*)\$/\\4 \\5 \\3/p' "\$log" | tail -1)
echo "stage \$t0 \$t1 \$stage \$ran" >> "$W/calls.log"
exit \$rc
EOF
cat > "$W/bin/scratch" << EOF
#!/bin/bash
t0=\$EPOCHREALTIME
"$TOP/mk/scratch" "\$@"
rc=\$?
echo "stage \$t0 \$EPOCHREALTIME scratch" >> "$W/calls.log"
exit \$rc
EOF
chmod +x "$W/bin/docker" "$W/bin/run-stage" "$W/bin/scratch"
timed() {	# timed LABEL MAKE-ARGS...: one instrumented make, its log in $W/LABEL.log
	local label=$1
	shift
	: > "$W/calls.log"
	local t0=$EPOCHREALTIME
	PATH=$W/bin:$PATH make $MKARGS RUN_STAGE="$W/bin/run-stage" SCRATCH="$W/bin/scratch" "$@" > /dev/null
	echo "make $t0 $EPOCHREALTIME" >> "$W/calls.log"
	mv "$W/calls.log" "$W/$label.log"
}
drop_trees() {	# the tree volumes and their pins (mk/portage-tree)
	docker ps -aq --filter name=scratchmerge-gentoo- | xargs -r docker rm -f > /dev/null
	docker volume ls -q --filter name=scratchmerge-gentoo- | xargs -r docker volume rm > /dev/null
}
bash -c "$smclean"
drop_trees
TREE_COPY=1 timed first-copy "$H"
volumes_copy=$(du -sx --block-size=1 "$DATA/volumes" | cut -f1)
bash -c "$smclean"
drop_trees
timed first "$H"
volumes=$(du -sx --block-size=1 "$DATA/volumes" | cut -f1)
bash -c "$smclean"
timed cold "$H"
bump_n=$(($(cat "$W/n") + 1))
timed prune "$H" "FX_HELLO_PRUNE=\$(DEFAULT_PRUNE) /opt/n$bump_n"
$MK "$H" > /dev/null
timed noop "$H"
breakdown() { python3 "$TOP/bench/stage-times.py" "$W/$1.log"; }

report "| scenario | scratchmerge (s) | Dockerfile + docker build (s) | Dockerfile / scratchmerge |"
report "|---|---|---|---|"
report "| cold build ($COLD_RUNS runs) | $(med fwr-sm-cold) | $(med fwr-df-cold) | $(ratio fwr-df-cold fwr-sm-cold) |"
report "| PRUNE changed | $(med fwr-sm-prune) | $(med fwr-df-prune) | $(ratio fwr-df-prune fwr-sm-prune) |"
report "| image.yaml changed (a label) | $(med fwr-sm-yaml) | $(med fwr-df-yaml) | $(ratio fwr-df-yaml fwr-sm-yaml) |"
report "| nothing changed ($PART_RUNS / $NOOP_RUNS runs) | $(med fwr-sm-noop) | $(med fwr-df-noop) | $(ratio fwr-df-noop fwr-sm-noop) |"
report "| the image runs: \`docker run\` prints | $sm_run | $df_run | |"
report "| docker storage used by one built image (du of overlay2/ before and after a cold build) | $(mib "$grow_sm") MiB ($(pct "$grow_sm") of the builder) | $(mib "$grow_df") MiB ($(pct "$grow_df")) | |"
report
report "scratchmerge's storage by stage (image size over the previous stage's, MiB): $(printf '%s; ' "${layers[@]}")"
report "The tree volume (mk/portage-tree: one per tree image, shared by every image built from it, kept by clean): $(mib "$volumes") MiB in volumes/ (the tree image's layers, mounted); $(mib "$volumes_copy") MiB when docker copies the tree into it (TREE_COPY=1)."
report "After all the runs above (both images built): overlay2/ holds $(mib $((s_after - s0))) MiB more than before the first build, $dangling dangling images."
report
report "### Where the no-op goes ($PART_RUNS runs each)"
report
report "| command | median (s) |"
report "|---|---|"
report "| \`make images/fx-hello\` (no-op) | $(med fwr-sm-noop) |"
report "| the same make, the engine answering from a file (no engine call) | $(med fwr-noengine) |"
report "| \`mk/base-ids STAGE3 PORTAGE\` alone (parse time; through the engine tool) | $(med fwr-baseids) |"
report "| \`engine ids -d STAGE3 PORTAGE\` alone | $(med fwr-ids) |"
report "| \`docker image inspect --format {{.Id}} STAGE3 PORTAGE\` alone (the CLI, for comparison) | $(med fwr-inspect) |"
report
report "The no-op runs $procs processes (strace -f, execve). The engine call is $(awk -v a="$(cat "$WORK/fwr-sm-noop.median")" -v b="$(cat "$WORK/fwr-noengine.median")" 'BEGIN { printf "%.0f%%", 100 * (a - b) / a }') of it."
report
report "### The framework's own cost per stage (one instrumented run; s)"
report
report "first: a cold build with no tree volume yet (mk/portage-tree mounts the tree image's layers as the volume); first-copy: the same with TREE_COPY=1 (docker copies the tree into the volume, as before 2026-12-06); cold: the volume there. Wall: the stage's mk/run-stage (for scratch: mk/scratch, from the end of finish, or of the parse, to the end of make); script: the container's StartedAt to FinishedAt (the engine client writes them to the stage's log); overhead: wall minus script, then the docker CLI calls in it (the stages' own engine calls go through the engine tool, one process a stage, and are not listed)."
report
for l in first first-copy cold prune noop; do
	report "#### $l"
	report
	breakdown "$l" >> "$REPORT"
	report
done
report "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
report
report "Targets (issue 14): every scenario at least as fast as the Dockerfile (ratio >= 1.00); no-op at most 0.05 s ($(med fwr-sm-noop) s); overhead at most 0.15 s per container stage; the scratch stage at most 0.2 s; a tree's first build at most 25 s."
report

bash -c "$smclean; $dfclean"

# --- the same scenarios with podman (no target: it has no daemon) ---
if [ "${BENCH_PODMAN:-1}" = 1 ] && command -v podman > /dev/null; then
	echo "bench: podman (the builder images copied over once: docker save | podman load)"
	for i in "$STAGE3" "$PORTAGE"; do
		podman image exists "$i" || docker save "$i" | podman load > /dev/null
	done
	OUTP=$W/out-podman
	mkdir -p "$OUTP" && cp -a "$O/bin" "$O/bin-static" "$O/obj" "$OUTP/" 2> /dev/null
	MKP="make $MKARGS O=$OUTP DOCKER=podman"
	PF=(--runtime runc --ulimit nofile=1024:1024 --ulimit nproc=1024:1024)
	PDF="podman build -q ${PF[*]} --layers --build-arg STAGE3=$STAGE3 --build-arg PORTAGE=$PORTAGE -t bench/fx-df $CTX"
	psmclean="$MKP $H/clean; podman rmi $TAG > /dev/null 2>&1; podman image prune -f > /dev/null"
	pdfclean="podman rmi -f bench/fx-df > /dev/null 2>&1; podman image prune -f > /dev/null"
	cp "$H/image.yaml.orig" "$H/image.yaml"
	t=$EPOCHREALTIME
	$MKP "$H" > /dev/null
	pfirst=$(awk -v a="$t" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
	hf fwr-psm-cold "$COLD_RUNS" "$psmclean" "$MKP $H"
	hf fwr-pdf-cold "$COLD_RUNS" "$pdfclean" "$PDF --no-cache"
	hf fwr-psm-prune "$RUNS" "$bump" "$MKP $H \"FX_HELLO_PRUNE=\\\$(DEFAULT_PRUNE) /opt/n\$(cat $W/n)\""
	hf fwr-pdf-prune "$RUNS" "$bump" "$PDF --build-arg PRUNE=\"/usr/share/doc /usr/share/man /usr/share/info /usr/include /usr/lib*/pkgconfig /lib*/*.a /usr/lib*/*.a /var/db/pkg /etc/portage /opt/n\$(cat $W/n)\""
	$MKP "$H" > /dev/null
	hf fwr-psm-yaml "$RUNS" "$bump; bash -c '(cat $H/image.yaml.orig; echo \"  org.example.bench: n\$(cat $W/n)\") > $H/image.yaml'" "$MKP $H"
	hf fwr-pdf-yaml "$RUNS" "$bump" "$PDF --build-arg LABEL=n\$(cat $W/n)"
	hf fwr-psm-noop "$PART_RUNS" "" "$MKP $H"
	hf fwr-pdf-noop "$NOOP_RUNS" "" "$PDF --build-arg LABEL=n\$(cat $W/n)"
	report "### The same with podman $(podman version --format '{{.Version}}') (DOCKER=podman; no target)"
	report
	report "| scenario | scratchmerge (s) | Dockerfile + podman build (s) | Dockerfile / scratchmerge | scratchmerge podman / docker |"
	report "|---|---|---|---|---|"
	for sc in cold:"cold build ($COLD_RUNS runs)" prune:"PRUNE changed" yaml:"image.yaml changed (a label)" noop:"nothing changed"; do
		k=${sc%%:*}
		report "| ${sc#*:} | $(med fwr-psm-$k) | $(med fwr-pdf-$k) | $(ratio fwr-pdf-$k fwr-psm-$k) | $(ratio fwr-psm-$k fwr-sm-$k) |"
	done
	report
	report "First build with podman, the tree copied into its volume (\`podman cp | podman volume import\`): $pfirst s (one run)."
	report
	bash -c "$psmclean; $pdfclean"
fi
