# world-rebuild: the builder's @world with this image's USE, so that the
# libraries linked into ROOT's packages are built the same way. BINHOST,
# when set, is a binary package repository (common.sh).
. /scratchmerge/stages/common.sh
note "emerge --update --changed-use --deep @world"
MAKEOPTS="-j$JOBS"
export MAKEOPTS
emerge_binhost --update --changed-use --deep --with-bdeps=y --jobs="$JOBS" --quiet-build=y @world
