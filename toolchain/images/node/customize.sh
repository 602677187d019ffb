# Runs inside the Node root file system (chroot) after debootstrap.
# Official node image contract: node on PATH at /usr/local/bin/node, an
# unprivileged user `node` with uid/gid 1000 for apps to run as.
set -eu
groupadd -g 1000 node
useradd -u 1000 -g 1000 -m -s /bin/bash node
ln -sf /usr/bin/node /usr/local/bin/node
