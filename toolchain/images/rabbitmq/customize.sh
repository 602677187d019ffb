# Runs inside the RabbitMQ root file system (chroot) after debootstrap.
# Official image contract: user rabbitmq is uid/gid 999, data in
# /var/lib/rabbitmq (HOME, where the Erlang cookie lives), config in
# /etc/rabbitmq with conf.d/, management and prometheus plugins enabled
# (`rabbitmq-plugins enable --offline`, as the official Dockerfiles do).
set -eu
# Debian forky's base gives system IDs from 999 down (lpadmin has GID 999):
# move whatever holds 999 to a free ID first.
free_id() { # free_id group|passwd: the highest system ID below 999 that database does not use
  i=998
  while getent "$1" "$i" >/dev/null; do i=$((i - 1)); done
  echo "$i"
}
taken=$(getent group 999 | cut -d: -f1)
if [ -n "$taken" ] && [ "$taken" != rabbitmq ]; then groupmod -g "$(free_id group)" "$taken"; fi
taken=$(getent passwd 999 | cut -d: -f1)
if [ -n "$taken" ] && [ "$taken" != rabbitmq ]; then usermod -u "$(free_id passwd)" "$taken"; fi
groupmod -g 999 rabbitmq
usermod -u 999 -g 999 -d /var/lib/rabbitmq rabbitmq
mkdir -p /etc/rabbitmq/conf.d /var/lib/rabbitmq /var/log/rabbitmq
HOME=/var/lib/rabbitmq /usr/lib/rabbitmq/bin/rabbitmq-plugins enable --offline rabbitmq_management rabbitmq_prometheus
# No Erlang cookie in the image: each container makes its own on first start
# (or is given one), never a cookie shared by every container of the image.
rm -f /var/lib/rabbitmq/.erlang.cookie /root/.erlang.cookie
chown -R 999:999 /etc/rabbitmq /var/lib/rabbitmq /var/log/rabbitmq
