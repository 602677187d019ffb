# Runs inside the Prometheus 2 root file system (images.sh prometheus-2: the
# upgrade suite's earlier default) after debootstrap, with
# the image's prometheus.yml at /etc/prometheus/prometheus.yml.new.
# Official prom/prometheus (2.x) contract: /bin/prometheus, /bin/promtool,
# /etc/prometheus/prometheus.yml, console libraries and templates in
# /usr/share/prometheus (linked from /etc/prometheus), data in /prometheus,
# owned like /etc/prometheus by nobody (65534:65534), the user it runs as.
set -eu
# Debian ships the binaries in /usr/bin; /bin is that folder (merged /usr).
test -x /bin/prometheus && test -x /bin/promtool
mv /etc/prometheus/prometheus.yml.new /etc/prometheus/prometheus.yml
# Debian puts only READMEs in /etc/prometheus/console*; the upstream console
# libraries and templates (the files the official image copies) are its examples.
rm -rf /etc/prometheus/console_libraries /etc/prometheus/consoles
mkdir -p /usr/share/prometheus
cp -r /usr/share/doc/prometheus/examples/console_libraries /usr/share/doc/prometheus/examples/consoles /usr/share/prometheus/
ln -s /usr/share/prometheus/console_libraries /usr/share/prometheus/consoles /etc/prometheus/
mkdir -p /prometheus
chown -R 65534:65534 /etc/prometheus /prometheus
# Nothing here runs services: drop the init scripts and the package's own
# data and log folders (the image keeps its data in /prometheus).
rm -rf /etc/init.d/prometheus /etc/default/prometheus /etc/logrotate.d/prometheus \
  /usr/lib/systemd/system/prometheus.service /var/lib/prometheus /var/log/prometheus
# Size: documentation, manuals and translations (the copyright files stay),
# and moment-timezone's per-zone data files, which the web UI does not load
# (it loads moment-timezone-with-data.min.js).
find /usr/share/doc -mindepth 1 -not -name copyright -not -type d -delete
find /usr/share/doc -mindepth 1 -type d -empty -delete
rm -rf /usr/share/man/* /usr/share/info/* /usr/share/locale/* /usr/share/javascript/moment-timezone/data
# Fails the build here when a library the binaries need is missing.
/bin/prometheus --version >/dev/null
/bin/promtool check config /etc/prometheus/prometheus.yml >/dev/null
