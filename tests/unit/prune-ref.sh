#!/bin/sh
# prune-ref.sh DIR 'PRUNE' 'KEEP': PRUNE and KEEP applied to the directory
# DIR by the shell code mk/stages/prune.sh ran in the builder until PRUNE
# moved to mkimage (layer_prune). test_prune runs both on the same trees and
# wants the same result: this file is the reference, keep it as it was.
# (Its symlinks must stay inside DIR: an absolute one would reach the host.)
set -eu
cd "$1"
SM_PRUNE=$2 SM_KEEP=$3

kept() {	# is ./$1 a KEEP path, inside one, or above one?
	for k in $SM_KEEP; do
		k=${k#/}
		case $1 in "$k" | "$k"/*) return 0 ;; esac
		case $k in "$1"/*) return 0 ;; esac
	done
	return 1
}

prune_path() {	# delete ./$1 unless kept; inside a kept parent, go entry by entry
	if ! kept "$1"; then
		rm -rf "./$1"
		echo "pruned /$1"
		# and the directories that held only it
		d=$(dirname "$1")
		[ "$d" = . ] || rmdir -p "$d" 2> /dev/null || true
	elif [ -d "$1" ] && [ ! -L "$1" ]; then
		for c in "$1"/* "$1"/.[!.]*; do
			[ -e "$c" ] || [ -L "$c" ] || continue
			prune_path "$c"
		done
	fi
}

set -f
for pattern in $SM_PRUNE; do
	set +f
	# shellcheck disable=SC2086 # the glob is meant to expand
	for p in ./${pattern#/}; do
		[ -e "$p" ] || [ -L "$p" ] || continue
		prune_path "${p#./}"
	done
	set -f
done
