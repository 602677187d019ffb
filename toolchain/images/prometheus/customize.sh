# Runs inside the Prometheus root file system (chroot) after debootstrap,
# with /bin/prometheus, /bin/promtool (built by images.sh) and the image's
# /etc/prometheus/prometheus.yml in place.
# Official prom/prometheus (3.x) contract: /bin/prometheus, /bin/promtool,
# /etc/prometheus/prometheus.yml, data in /prometheus, owned like
# /etc/prometheus by nobody (65534:65534), the user it runs as. 3.x images
# carry no console templates (removed upstream in 3.0), and neither does this.
set -eu
# Debian's minbase has /bin as a link to /usr/bin (merged /usr).
test -x /bin/prometheus && test -x /bin/promtool
mkdir -p /prometheus
chown -R 65534:65534 /etc/prometheus /prometheus
# Size: documentation, manuals and translations (the copyright files stay).
find /usr/share/doc -mindepth 1 -not -name copyright -not -type d -delete
find /usr/share/doc -mindepth 1 -type d -empty -delete
rm -rf /usr/share/man/* /usr/share/info/* /usr/share/locale/*
# Fails the build here when the binaries do not run or the default file is refused.
/bin/prometheus --version >/dev/null
/bin/promtool check config /etc/prometheus/prometheus.yml >/dev/null
