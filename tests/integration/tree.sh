# The Gentoo tree's volume (mk/portage-tree). On docker with overlay2 it is
# the tree image's own layer directories, mounted: nothing copied. A tree
# whose layers hide the path in a way a mount at the path would not see (a
# whiteout of the directory, an opaque directory) is copied as before. Each
# way must show a container what docker's own copy shows, which is the
# ground truth: the image's /var/db/repos/gentoo. The images are made with
# the exact layers each case needs (layered-image.py, docker load). Then:
# the pin keeps the layers; a tree whose layers went anyway is made again by
# the next stage that needs it; old trees go.
. "$(dirname "$0")/lib.sh"

if ! have docker; then
	skip "tree (docker)" "no docker engine answering"
	summary
	exit
fi
if [ "$(docker info --format '{{.Driver}}')" != overlay2 ] || [ "$(id -u)" != 0 ]; then
	skip "tree (docker)" "the overlay way needs docker on overlay2 and root (this engine: $(docker info --format '{{.Driver}}'))"
	summary
	exit
fi
framework_setup
PT=$TOP/mk/portage-tree
STAGE3=scratchmerge-fixture/stage3:test
id=$(echo "${T_TMP##*-}" | tr A-Z a-z)
R=scratchmerge-test-tree-$id	# the images of this run
V=scratchmerge-test-tree-vol-$id	# and its volumes (not scratchmerge-gentoo-*, which a new tree removes)
T=var/db/repos/gentoo
docker save scratchmerge-fixture/portage:test > "$T_TMP/base.tar"
# mkimg NAME LAYER...: load an image of the fixture tree's layer and these
mkimg() {
	python3 "$TOP/tests/integration/layered-image.py" "$R/$1:t" "$T_TMP/base.tar" "${@:2}" > "$T_TMP/$1.tar" &&
		docker load -q -i "$T_TMP/$1.tar" > /dev/null
}
# tree IMAGE VOLUME [VAR=VALUE...]: mk/portage-tree, its output in $T_TMP/pt
tree() { env "${@:3}" "$PT" "$1" "$STAGE3" "$2" > "$T_TMP/pt" 2>&1; }
# view VOLUME: what a container sees in it: each path with its type, mode,
# owner and (files) size, mtime and MD5
view() {
	docker run --rm --network none -v "$1:/t:ro" "$STAGE3" sh -c 'cd /t && find . -mindepth 1 | sort |
		while read -r p; do
			if [ -f "$p" ]; then echo "$p $(stat -c "%a %u:%g %s %Y" "$p") $(md5sum < "$p")"
			else echo "$p $(stat -c "%F %a %u:%g" "$p")"; fi
		done' 2>&1
}
way() {	# way VOLUME: overlay, none (a bind mount) or copy
	local t
	t=$(docker volume inspect --format '{{index .Options "type"}}' "$1" 2> /dev/null)
	case $t in overlay | none) echo "$t" ;; "" | "<no value>") echo copy ;; *) echo "?$t" ;; esac
}
# same NAME IMAGE WAY PATH: the tree of IMAGE made WAY, and what a
# container sees in it is what it sees in docker's copy (TREE_COPY=1),
# which holds PATH
same() {
	tree "$R/$2:t" "$V-$2" || cat "$T_TMP/pt"
	cp "$T_TMP/pt" "$T_TMP/pt-$2"
	expect "$1: made $3" "$3" "$(way "$V-$2")"
	tree "$R/$2:t" "$V-$2-copy" TREE_COPY=1
	expect "... and docker's copy is a copy" copy "$(way "$V-$2-copy")"
	view "$V-$2-copy" > "$T_TMP/want-$2"
	view "$V-$2" > "$T_TMP/got-$2"
	check "... docker's copy holds $4" grep -q "^./$4 " "$T_TMP/want-$2"
	check "... a container sees in it what it sees in docker's copy" diff -u "$T_TMP/want-$2" "$T_TMP/got-$2"
}
drop() { for v; do docker rm -f "$v.pin" > /dev/null 2>&1; docker volume rm -f "$v" "$v.done" > /dev/null 2>&1; done; }

# --- each kind of tree image ---
mkimg one
same "the fixture's tree, one layer" one none app-misc/hello/PVR
check "... it says nothing was copied" grep -q "mounted (nothing copied)" "$T_TMP/pt-one"
expect "... its pin: a container of the tree image, created, never started" "created $R/one:t" \
	"$(docker inspect --format '{{.State.Status}} {{.Config.Image}}' "$V-one.pin" 2>&1)"
# the layers must never change: the mount itself is read-only, whatever
# the container asks for
check "... a container that mounts it read-write cannot write to it" bash -c \
	"! docker run --rm --network none -v '$V-one:/t' $STAGE3 sh -c 'touch /t/x || rm /t/profiles/repo_name || exit 1; exit 0' 2> /dev/null"
B=app-misc/broken	# fx-hello does not merge it
mkimg two "$T/metadata/,$T/metadata/added=a file of the second layer,$T/$B/.wh.FAIL,$T/$B/image/.wh..wh..opq,$T/$B/image/new=x"
same "two layers: a file added, one deleted (a whiteout), an opaque directory below the tree" two overlay metadata/added
check "... the added file is there, the deleted one is not, the opaque directory holds only its layer's" \
	bash -c "grep -q '^./metadata/added ' '$T_TMP/got-two' && ! grep -q '^./$B/FAIL ' '$T_TMP/got-two' &&
		grep -q '^./$B/image/new ' '$T_TMP/got-two' && ! grep -q '^./$B/image/usr' '$T_TMP/got-two'"
check "... a container that mounts it read-write cannot write to it" bash -c \
	"! docker run --rm --network none -v '$V-two:/t' $STAGE3 sh -c 'touch /t/x || rm /t/profiles/repo_name || exit 1; exit 0' 2> /dev/null"
expect "... the overlay's lower directories: the two layers, top first" 2 \
	"$(docker volume inspect --format '{{index .Options "o"}}' "$V-two" | tr ':' '\n' | grep -c "/$T\$")"
mkimg opaque "$T/.wh..wh..opq,$T/only=the tree is this file"
same "the tree directory made opaque by an upper layer: copied" opaque copy only
expect "... and it holds only that layer's file" "./only" "$(cut -d' ' -f1 "$T_TMP/got-opaque")"
mkimg gone "var/db/repos/.wh.gentoo" "$T/,$T/again=made again"
same "the tree deleted in one layer and made again in the next: copied" gone copy again
mkimg file "var/db/.wh.repos" "var/db/repos=a file where the directory was"
tree "$R/file:t" "$V-file"
expect "a file where the tree was: no tree, and the volume is not left half made" "1 no" \
	"$? $(docker volume inspect "$V-file" > /dev/null 2>&1 && echo yes || echo no)"

# two stages of two images asking for one new tree at once (make -j)
mkimg par "$T/metadata/,$T/metadata/par=p"
"$PT" "$R/par:t" "$STAGE3" "$V-par" > "$T_TMP/par1" 2>&1 &
p1=$!
"$PT" "$R/par:t" "$STAGE3" "$V-par" > "$T_TMP/par2" 2>&1
r2=$?
wait $p1
expect "two at once for one new tree: both have it, made once" "0 0 1 overlay" \
	"$? $r2 $(cat "$T_TMP/par1" "$T_TMP/par2" | grep -c 'mounted (nothing copied)') $(way "$V-par")"

# --- what keeps it and what repairs it ---
check "the pin keeps the tree image: docker rmi refuses it" bash -c "! docker rmi '$R/two:t' > /dev/null 2>&1"
check "... and its volume: docker volume rm refuses it (so volume prune leaves it)" bash -c "! docker volume rm '$V-two' > /dev/null 2>&1"
"$PT" --if-broken "$R/two:t" "$STAGE3" "$V-two" > /dev/null 2>&1
expect "--if-broken: nothing is wrong, nothing made" 1 "$?"
# what `docker container prune` and `docker image prune -a` do: the pin,
# then the image; loaded again, it has the same ID and new directories
docker rm "$V-two.pin" > /dev/null && docker rmi "$R/two:t" > /dev/null && docker load -q -i "$T_TMP/two.tar" > /dev/null
check "a container cannot mount the tree whose layers went" bash -c "! docker run --rm --network none -v '$V-two:/t:ro' $STAGE3 true"
"$PT" --if-broken "$R/two:t" "$STAGE3" "$V-two" > "$T_TMP/pt" 2>&1
expect "--if-broken: made again" "0 overlay" "$? $(way "$V-two")"
view "$V-two" > "$T_TMP/got-again"
check "... and it shows the tree again" diff -u "$T_TMP/got-two" "$T_TMP/got-again"
docker rm "$V-one.pin" > /dev/null && docker rmi "$R/one:t" > /dev/null && docker load -q -i "$T_TMP/one.tar" > /dev/null
"$PT" --if-broken "$R/one:t" "$STAGE3" "$V-one" > /dev/null 2>&1
expect "--if-broken: the bind mount of one layer, made again too" "0 none" "$? $(way "$V-one")"
view "$V-one" > "$T_TMP/got-again"
check "... and it shows the tree again" diff -u "$T_TMP/got-one" "$T_TMP/got-again"
drop "$V-two"	# its pin would keep the image below

# --- a build whose tree's layers went: its next stage makes it again ---
PORTAGE_VAR=FX_HELLO_PORTAGE_IMAGE=$R/two:t
check "fx-hello builds on the two-layer tree" sm "$HELLO" "$PORTAGE_VAR"
TV=scratchmerge-gentoo-$(docker image inspect --format '{{.Id}}' "$R/two:t" | cut -d: -f2)
expect "... its tree volume is the overlay" overlay "$(way "$TV")"
docker rm "$TV.pin" > /dev/null && docker rmi "$R/two:t" > /dev/null && docker load -q -i "$T_TMP/two.tar" > /dev/null
check "portage-redo after the tree image was removed and loaded again" sm "$HELLO/portage-redo" "$PORTAGE_VAR"
check "... the stage made the tree again and ran" grep -q "lost its image's layers: made again" "$OUT/fx-hello/portage.log"
check "... the image still runs" bash -c "docker run --rm --network none scratchmerge-test/fx-hello:latest | grep -q 'hello from a FROM-scratch'"

# --- old trees go: a new tree removes those whose image is untagged ---
docker rmi -f "$R/two:t" > /dev/null	# untagged; the pin keeps it
mkimg three "$T/metadata/,$T/metadata/three=3"
tree "$R/three:t" "scratchmerge-gentoo-three-$id"
expect "a new tree removes the tree of an image the engine has only untagged, and its pin" "no no" \
	"$(docker volume inspect "$TV" > /dev/null 2>&1 && echo yes || echo no) $(docker inspect "$TV.pin" > /dev/null 2>&1 && echo yes || echo no)"

"${MK[@]}" "$HELLO/clean" > /dev/null 2>&1
drop "$TV" "scratchmerge-gentoo-three-$id" $(docker volume ls -q --filter "name=$V" | grep -v '\.done$')
docker images -q --filter "reference=$R/*" | sort -u | xargs -r docker rmi -f > /dev/null 2>&1
docker image prune -f > /dev/null 2>&1
summary
