# Runs inside the registry's root file system (chroot) after debootstrap.
set -eu
docker-registry --version
id docker-registry
mkdir -p /var/lib/docker-registry
chown docker-registry: /var/lib/docker-registry
