# tests/images/fx-hello written by hand as a multi-stage Dockerfile: what a
# user would write instead of scratchmerge, on the same fixture builder.
# Build context: a directory holding rootfs/ (bench/framework.sh makes it).
# STAGE3 and PORTAGE: the builder images (bench/framework-real.sh passes the
# padded ones).
ARG STAGE3=scratchmerge-fixture/stage3:test
ARG PORTAGE=scratchmerge-fixture/portage:test
FROM $PORTAGE AS tree
FROM $STAGE3 AS builder
COPY --from=tree /var/db/repos/gentoo /var/db/repos/gentoo
ARG USE="-ipv6 greeting"
RUN printf 'USE="%s"\nINSTALL_MASK="/usr/share/doc /usr/share/man /usr/share/info /usr/share/gtk-doc"\n' "$USE" \
	>> /etc/portage/make.conf
RUN emerge --update --changed-use --deep @world
RUN ROOT=/destination emerge --oneshot app-misc/hello app-misc/extra
# glibc from the builder, one file at a time (the original recipe), with
# the care it needs: files to their real path first, then the symlinks
# (copied through a symlinked /lib, `mkdir -p` fails and libc goes missing)
RUN C=$(echo /var/db/pkg/sys-libs/glibc-*/CONTENTS); \
	grep '^obj ' $C | cut -d' ' -f2 | while read -r f; do r=$(readlink -f "$f"); \
		mkdir -p "/destination$(dirname "$r")" && cp -a "$r" "/destination$r"; done; \
	grep '^sym ' $C | cut -d' ' -f2 | while read -r f; do d=$(readlink -f "$(dirname "$f")"); \
		mkdir -p "/destination$d" && cp -a "$f" "/destination$d/"; done
# libgcc_s, the one library of gcc the program needs
RUN f=$(grep '^obj .*libgcc_s' /var/db/pkg/sys-devel/gcc-*/CONTENTS | cut -d' ' -f2) && \
	mkdir -p "/destination$(dirname "$f")" && cp -a "$f" "/destination$f"
# unmerge by hand: the package's files, then its VDB entry
RUN grep -E '^(obj|sym) ' /destination/var/db/pkg/app-misc/extra-*/CONTENTS | cut -d' ' -f2 | \
	while read -r f; do rm -f "/destination$f"; done && rm -rf /destination/var/db/pkg/app-misc/extra-*
ARG PRUNE="/usr/share/doc /usr/share/man /usr/share/info /usr/include /usr/lib*/pkgconfig /lib*/*.a /usr/lib*/*.a /var/db/pkg /etc/portage"
ARG KEEP=/usr/share/doc/glibc-fixture/README
RUN cd /destination && mkdir -p /keep && \
	for k in $KEEP; do [ -e ".$k" ] && mkdir -p "/keep$(dirname "$k")" && cp -a ".$k" "/keep$k"; done; \
	for p in $PRUNE; do rm -rf ./${p#/}; done && cp -a /keep/. . && \
	mkdir -p etc && printf '/usr/lib/x86_64-linux-gnu\n/usr/lib/gcc/x86_64-pc-linux-gnu/12\n' > etc/ld.so.conf && \
	ldconfig -r /destination

FROM scratch
COPY --from=builder /destination/ /
COPY rootfs/ /
ARG LABEL=0
LABEL org.opencontainers.image.title=fx-hello org.example.bench=$LABEL
ENV LANG=C.UTF-8
ENTRYPOINT ["/usr/bin/hello"]
CMD ["from-cmd"]
