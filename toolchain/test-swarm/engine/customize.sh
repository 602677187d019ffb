# Runs inside the engine's root file system (chroot) after debootstrap.
set -eu
# Docker 28's dockerd and the CLI (a separate package in forky) are there.
dockerd --version
docker --version
# The host's engine uses iptables-nft; the inner engines use the same backend.
update-alternatives --set iptables /usr/sbin/iptables-nft
update-alternatives --set ip6tables /usr/sbin/ip6tables-nft
