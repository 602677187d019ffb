# Runs inside the RabbitMQ root file system (chroot) after debootstrap.
# Official image contract: user rabbitmq is uid/gid 999, data in
# /var/lib/rabbitmq (HOME, where the Erlang cookie lives), config in
# /etc/rabbitmq with conf.d/, management and prometheus plugins enabled.
set -eu
groupmod -g 999 rabbitmq
usermod -u 999 -g 999 -d /var/lib/rabbitmq rabbitmq
mkdir -p /etc/rabbitmq/conf.d /var/lib/rabbitmq /var/log/rabbitmq
echo '[rabbitmq_management,rabbitmq_prometheus].' > /etc/rabbitmq/enabled_plugins
chown -R 999:999 /etc/rabbitmq /var/lib/rabbitmq /var/log/rabbitmq
