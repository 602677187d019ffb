# Runs inside the Kafka root file system (chroot) after debootstrap and after
# the jars and scripts were copied in. Official apache/kafka contract: user
# appuser (uid 1000), /opt/kafka/{bin,libs,config}, /etc/kafka/docker/run,
# data volume /var/lib/kafka/data, optional /mnt/shared/config. Beside it the
# Prometheus JMX exporter agent, /opt/jmx-exporter/jmx_prometheus_javaagent.jar
# (root-owned, readable by all, not on the broker's classpath).
set -eu
useradd -u 1000 -m -s /bin/bash appuser
mkdir -p /var/lib/kafka/data /etc/kafka/secrets /mnt/shared/config /opt/kafka/config /usr/logs
cp /etc/kafka/docker/log4j2.yaml /etc/kafka/docker/tools-log4j2.yaml /opt/kafka/config/
chown -R appuser:appuser /usr/logs /opt/kafka /mnt/shared/config
chown -R appuser:root /var/lib/kafka /etc/kafka
chmod -R ug+w /etc/kafka /var/lib/kafka
chmod -R a+rX,go-w /opt/jmx-exporter
