# One container stage through `engine stage` (one process speaking the
# Engine API) against the same through the CLI sequence mk/run-stage runs
# today: the leftovers' ps, create, cp of a small tar, start -a, inspect,
# commit, rm, the dangling images' sweep. The command is `true`, so the
# whole time is overhead. docker (the engine that answers), and the podman
# service against the podman CLI. On docker also the stage run in a
# container kept by the stage before (engine stage --warm).
. "$(dirname "$0")/lib.sh"
need docker busybox tar
E=$BIN/engine
[ -x "$E" ] || { echo "bench: build the helpers first (make helpers)" >&2; exit 1; }
B=$WORK/engine
rm -rf "$B" && mkdir -p "$B/root/bin" "$B/in/scratchmerge"
cp "$(readlink -f "$(command -v busybox)")" "$B/root/busybox"
for a in sh true; do ln -s /busybox "$B/root/bin/$a"; done
head -c 65536 /dev/urandom > "$B/in/scratchmerge/helper"	# the stage's inputs: 64 KiB
tar -C "$B/in" -cf "$B/in.tar" .
L=org.scratchmerge.owner=bench-engine
FX=bench-engine/fx:1

# the CLI sequence of mk/run-stage (engine.sh's ps and images sweeps)
cat > "$B/cli-stage" << 'EOF'
#!/bin/bash
# cli-stage CLI L FX IN.TAR LOG [RUN FLAGS...]
cli=$1 l=$2 fx=$3 in=$4 log=$5
shift 5
c=bench-cli.$$
ids=$($cli ps -aq --filter "label=$l" --filter label=role=work) && [ -z "$ids" ] || $cli rm -f -v $ids > /dev/null
$cli create --name $c "$@" --network none --label "$l" --label role=work "$fx" /bin/true >> "$log"
$cli cp - "$c:/" < "$in" >> "$log"
$cli start -a $c >> "$log" 2>&1
[ "$($cli inspect --format '{{.State.Status}} {{.State.ExitCode}}' $c)" = "exited 0" ] || exit 1
$cli commit $c bench-engine/cli:1 >> "$log"
$cli rm -f -v $c > /dev/null
ids=$($cli images -q --filter dangling=true --filter "label=$l") && [ -z "$ids" ] || $cli rmi $ids > /dev/null 2>&1
true
EOF
chmod +x "$B/cli-stage"

# side KEY ENGINE-NAME CLI ENV RUN-FLAGS: the four commands, medians
# (in files named for KEY)
side() {
	local key=$1 name=$2 cli=$3 env=$4 flags=$5
	local st="$env $E stage --from $FX --name bench-api --label $L --label org.scratchmerge.role=work --network none $flags --input $B/in.tar --log $B/api.log --commit bench-engine/api:1 -- /bin/true"
	local api_all="$env $E rm-owned $L org.scratchmerge.role=work && $st && $env $E drop-dangling $L"

	hf "$key-cli" "$RUNS" "" "$B/cli-stage $cli $L $FX $B/in.tar $B/cli.log $flags"
	hf "$key-api" "$RUNS" "" "bash -c '$api_all'"
	hf "$key-api-stage" "$RUNS" "" "$st"
	hf "$key-floor" "$RUNS" "" "$env $E stage --from $FX --network none $flags --discard -- /bin/true"
	report "| $name: CLI sequence (ps, create, cp, start -a, inspect, commit, rm, images sweep) | $(med "$key-cli") | 1.00 |"
	report "| $name: \`engine rm-owned\` + \`engine stage\` + \`engine drop-dangling\` | $(med "$key-api") | $(ratio "$key-api" "$key-cli") |"
	report "| $name: \`engine stage\` alone (create, upload, start, logs, wait, commit, remove) | $(med "$key-api-stage") | $(ratio "$key-api-stage" "$key-cli") |"
	report "| $name: \`engine stage --discard\` (create, start, logs, wait, remove: the engine's own floor) | $(med "$key-floor") | $(ratio "$key-floor" "$key-cli") |"
}

# kept KEY: the same stage with --warm --warm-keep, from the snapshot it
# commits over, so that every run after the first takes the container the
# run before kept (upload, exec, commit: no create, start or remove)
kept() {
	local key=$1 w=$B/warm
	local st="$E stage --from bench-engine/kept:1 --name bench-kept.\$\$ --label $L --label org.scratchmerge.role=work --owner $L --network none --input $B/in.tar --log $B/kept.log --commit bench-engine/kept:1 --warm $w --warm-keep -- /bin/true"

	docker tag "$FX" bench-engine/kept:1
	rm -f "$w"
	hf "$key-kept" "$RUNS" "" "bash -c '$st'"
	grep -q "in the container the stage before kept" "$B/kept.log" || { echo "bench: the kept container was not taken" >&2; exit 1; }
	report "| $key: the same stage in the container the stage before kept (\`engine stage --warm\`: upload, exec, commit; with rm-owned and drop-dangling) | $(med "$key-kept") | $(ratio "$key-kept" "$key-cli") |"
	KEPT_VS_NEW="The stage in a kept container against the same three calls with a new container (same run): $(ratio "$key-kept" "$key-api") of their time."
	docker rm -f "$(head -n 1 "$w")" > /dev/null 2>&1
	docker images -q bench-engine/kept | xargs -r docker rmi -f > /dev/null 2>&1
}

report "## One container stage: \`engine stage\` against the docker CLI sequence (bench/run engine)"
report
report "A \`true\` container from a busybox image, a 64 KiB tar uploaded to /, committed, removed: the time is all overhead."
report
report "| what | median (s) | vs CLI |"
report "|---|---|---|"
docker rmi -f "$FX" > /dev/null 2>&1
tar -C "$B/root" -c . | docker import - "$FX" > /dev/null
side docker "docker $(docker version --format '{{.Server.Version}}') ($(docker info --format '{{.Driver}}'))" docker "" ""
kept "docker"
docker ps -aq --filter "label=$L" | xargs -r docker rm -f > /dev/null
docker rmi -f "$FX" bench-engine/cli:1 bench-engine/api:1 > /dev/null 2>&1

if command -v podman > /dev/null; then
	PS=$B/podman.sock
	podman system service --time=0 "unix://$PS" > "$B/podman-service.log" 2>&1 &
	pp=$!
	for _ in $(seq 100); do [ -S "$PS" ] && break; sleep 0.1; done
	podman rmi -f "$FX" > /dev/null 2>&1
	tar -C "$B/root" -c . | podman import - "$FX" > /dev/null
	PF="--runtime runc --ulimit nofile=1024:1024 --ulimit nproc=1024:1024"
	side podman "podman $(podman version --format '{{.Version}}') ($(podman info --format '{{.Store.GraphDriverName}}'))" \
		podman "env DOCKER_HOST=unix://$PS" "$PF"
	kill "$pp"
	wait "$pp" 2> /dev/null
	podman ps -aq --filter "label=$L" | xargs -r podman rm -f > /dev/null
	podman rmi -f "$FX" bench-engine/cli:1 bench-engine/api:1 > /dev/null 2>&1
fi
report
report "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
report
report
report "$KEPT_VS_NEW"
