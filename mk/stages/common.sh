# Sourced by every stage script (inside the builder, /bin/sh): the stage's
# options, strict mode, and the helpers' path.
set -eu
LC_ALL=C
export LC_ALL
. /scratchmerge/opts
PATH=/scratchmerge/bin:$PATH
export PATH
ROOT_DIR=/destination
JOBS=${SM_JOBS:-1}
note() { printf '>>> %s: %s\n' "${SM_NAME:-image}" "$*"; }
