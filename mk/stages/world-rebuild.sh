# world-rebuild: the builder's @world with this image's USE, so that the
# libraries linked into ROOT's packages are built the same way.
. /scratchmerge/stages/common.sh
note "emerge --update --changed-use --deep @world"
MAKEOPTS="-j$JOBS" emerge --update --changed-use --deep --with-bdeps=y \
	--jobs="$JOBS" --quiet-build=y @world
