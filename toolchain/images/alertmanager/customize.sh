# Runs inside the Alertmanager root file system (chroot) after debootstrap,
# with /bin/alertmanager, /bin/amtool (built by images.sh) and the image's
# /etc/alertmanager/alertmanager.yml in place.
# Official prom/alertmanager contract: /bin/alertmanager, /bin/amtool,
# /etc/alertmanager/alertmanager.yml, data (silences, notification log) in
# /alertmanager, owned like /etc/alertmanager by nobody (65534:65534), the
# user it runs as.
set -eu
test -x /bin/alertmanager && test -x /bin/amtool
mkdir -p /alertmanager
chown -R 65534:65534 /etc/alertmanager /alertmanager
find /usr/share/doc -mindepth 1 -not -name copyright -not -type d -delete
find /usr/share/doc -mindepth 1 -type d -empty -delete
rm -rf /usr/share/man/* /usr/share/info/* /usr/share/locale/*
/bin/alertmanager --version >/dev/null
/bin/amtool check-config /etc/alertmanager/alertmanager.yml >/dev/null
