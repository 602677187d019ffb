# Runs inside the Node root file system (chroot) after debootstrap, with the
# official binary already at /usr/local/bin/node.
# Official node image contract: node on PATH at /usr/local/bin/node, an
# unprivileged user `node` with uid/gid 1000 for apps to run as. No npm: the
# apps are bundled to one file on the host.
set -eu
groupadd -g 1000 node
useradd -u 1000 -g 1000 -m -s /bin/bash node
chown root:root /usr/local/bin/node
chmod 755 /usr/local/bin/node
# Fails the build here when a library the binary needs is missing.
/usr/local/bin/node --version
