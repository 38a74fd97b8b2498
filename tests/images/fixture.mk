# The fixture builder (tests/fixtures/builder): a stage3 of busybox, the
# host's glibc and a test double of emerge, and a tree of fixture packages.
# They cannot be pulled: mkfixture makes them in the engine when it lacks
# them. An image uses it with NAME_BUILDER := fixture; its stages fetch
# nothing, so they run with no network.
BUILDER.fixture.STAGE3_IMAGE := scratchmerge-fixture/stage3:test
# (an arm64 builder of a multi-platform image: mkfixture ENGINE linux/arm64)
BUILDER.fixture.STAGE3_IMAGE.arm64 := scratchmerge-fixture/stage3:test-arm64
BUILDER.fixture.PORTAGE_IMAGE := scratchmerge-fixture/portage:test
BUILDER.fixture.NETWORK := none
BUILDER.fixture.MAKE := $(TOP)/tests/fixtures/builder/mkfixture
