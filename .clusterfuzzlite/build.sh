#!/bin/bash -eu
# ClusterFuzzLite runs this in its builder with $CC, $CFLAGS,
# $LIB_FUZZING_ENGINE and $OUT set.
#
# In s2fuzz's own repository: the targets of the Debian kernels.  In a
# kernel tree with s2fuzz checked out in s2fuzz/ (see ci/kernel-tree.yml):
# a target of that tree's pgtable.c, under the full oracle.
if [ -f arch/arm64/kvm/hyp/pgtable.c ] && [ -x s2fuzz/build.sh ]; then
	export S2FUZZ_KERNELS="${S2FUZZ_KERNELS:-$PWD}"
	exec s2fuzz/build.sh
fi
exec ./build.sh
