# The framework on the fixture builder against the same steps as a
# hand-written multi-stage Dockerfile built by `docker build` (issue:
# framework): cold build, a PRUNE change, an image.yaml change, a no-op,
# the final size, and whether two clean builds give the same digest.
. "$(dirname "$0")/lib.sh"
need docker make
"$TOP/tests/fixtures/builder/mkfixture" docker > /dev/null
report "## The framework against a multi-stage Dockerfile (fixture builder, docker $(docker version --format '{{.Server.Version}}'), storage driver $(docker info --format '{{.Driver}}'))"
report

IMG=$WORK/fw-images
OUT=$WORK/fw-out
CTX=$WORK/fw-docker
rm -rf "$IMG" "$CTX" && mkdir -p "$IMG" "$CTX" "$OUT"
cp -a "$TOP/tests/images/fx-hello" "$TOP/tests/images/fixture.mk" "$IMG/"
# build against build: the Dockerfile runs no smoke test, so neither do we here
rm -f "$IMG/fx-hello/test"
cp -a "$TOP/tests/images/fx-hello/rootfs" "$CTX/"
cp "$TOP/bench/fx-hello.Dockerfile" "$CTX/Dockerfile"
cp -a "$O/bin" "$O/bin-static" "$O/obj" "$OUT/" 2> /dev/null
MK="make -C $TOP -s IMAGE_DIRS=$IMG O=$OUT NETWORK=none"
H=$IMG/fx-hello
DF="docker build -q -t bench/fx-df $CTX"
echo 0 > "$WORK/n"
bump="bash -c 'echo \$((\$(cat $WORK/n) + 1)) > $WORK/n'"

# cold: from nothing (the fixture builder images stay, as stage3 would)
hf sm-cold "$RUNS" "$MK $H/clean" "$MK $H"
hf df-cold "$RUNS" "docker rmi -f bench/fx-df >/dev/null 2>&1; true" "$DF --no-cache"
# a PRUNE change: every run prunes one more (absent) path than the last
# (the shell expands $(cat ...); make expands \$(DEFAULT_PRUNE))
hf sm-prune "$RUNS" "$bump" "$MK $H \"FX_HELLO_PRUNE=\\\$(DEFAULT_PRUNE) /opt/n\$(cat $WORK/n)\""
hf df-prune "$RUNS" "$bump" "$DF --build-arg PRUNE=\"/usr/share/doc /usr/share/man /usr/share/info /usr/include /usr/lib*/pkgconfig /lib*/*.a /usr/lib*/*.a /var/db/pkg /etc/portage /opt/n\$(cat $WORK/n)\""
$MK "$H" > /dev/null
# an image.yaml change: a label that changes every run
cp "$H/image.yaml" "$WORK/image.yaml.orig"
hf sm-yaml "$RUNS" "$bump; bash -c '(cat $WORK/image.yaml.orig; echo \"  org.example.bench: n\$(cat $WORK/n)\") > $H/image.yaml'" "$MK $H"
hf df-yaml "$RUNS" "$bump" "$DF --build-arg LABEL=n\$(cat $WORK/n)"
# nothing changed
hf sm-noop 10 "" "$MK $H"
hf df-noop 10 "" "$DF --build-arg LABEL=n\$(cat $WORK/n)"

# size and reproducibility
$MK "$H/clean" > /dev/null && $MK "$H" > /dev/null
d1=$(cat "$OUT/fx-hello/digest")
$MK "$H/clean" > /dev/null && $MK "$H" > /dev/null
d2=$(cat "$OUT/fx-hello/digest")
sm_size=$(docker image inspect --format '{{.Size}}' scratchmerge-test/fx-hello:latest)
$DF --no-cache > /dev/null
i1=$(docker image inspect --format '{{.Id}}' bench/fx-df)
sleep 1
$DF --no-cache > /dev/null
i2=$(docker image inspect --format '{{.Id}}' bench/fx-df)
df_size=$(docker image inspect --format '{{.Size}}' bench/fx-df)
same() { [ "$1" = "$2" ] && echo "yes (${1:7:12})" || echo "no (${1:7:12} vs ${2:7:12})"; }

sm_run=$(docker run --rm --network none scratchmerge-test/fx-hello:latest 2>&1)
df_run=$(docker run --rm --network none bench/fx-df 2>&1)
report "| scenario | scratchmerge (s) | Dockerfile + docker build (s) | Dockerfile / scratchmerge |"
report "|---|---|---|---|"
report "| cold build | $(med sm-cold) | $(med df-cold) | $(ratio df-cold sm-cold) |"
report "| PRUNE changed | $(med sm-prune) | $(med df-prune) | $(ratio df-prune sm-prune) |"
report "| image.yaml changed (a label) | $(med sm-yaml) | $(med df-yaml) | $(ratio df-yaml sm-yaml) |"
report "| nothing changed (10 runs) | $(med sm-noop) | $(med df-noop) | $(ratio df-noop sm-noop) |"
report "| final image size (bytes, docker image inspect) | $sm_size | $df_size | |"
report "| two clean builds, same digest | $(same "$d1" "$d2") | $(same "$i1" "$i2") | |"
report "| the image runs: \`docker run\` prints | $sm_run | $df_run | |"
report
report "Targets: no-op under 0.3 s ($(med sm-noop) s); a PRUNE change faster than the Dockerfile's rebuild (ratio $(ratio df-prune sm-prune) > 1); same digest across clean builds."
report
cp "$WORK/image.yaml.orig" "$H/image.yaml"
$MK "$H/clean" > /dev/null
docker rmi -f bench/fx-df > /dev/null 2>&1 || true
