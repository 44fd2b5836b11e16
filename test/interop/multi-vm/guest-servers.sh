# Sourced by the harness's guest /init (../shared/interop/guest-init.sh) as
# /etc/pptpi/scenario: it takes over PID 1 and never returns. Several PoPToP instances in
# ONE VM boot instead of one VM each: /etc/pptpi/pptpd.N.conf (each with its own `listen`
# address, `option` file, localip and remoteip) each get their own pptpd, all on eth0,
# which carries every address in GUEST_IPS. Prints @@READY once every pptpd listens, then
# serves until the host kills the VM. say and now come from guest-init.sh.

KVER=$(cat /etc/kernel-version)
while read -r m; do
  insmod "/lib/modules/$KVER/$m" || say "WARN insmod $m failed"
done </etc/modules.order
ip link set lo up
ip link set eth0 up || say "WARN no eth0"
for a in $GUEST_IPS; do ip addr add "$a" dev eth0; done
syslogd -O /var/log/messages
say "BOOTED role=servers t=$(now) kernel=$KVER ip=$GUEST_IPS"

n=0
for conf in /etc/pptpi/pptpd.*.conf; do
  pptpd --fg -c "$conf" -p "/run/pptpd.$n.pid" &
  n=$((n + 1))
done
i=0
until [ "$(netstat -ltn 2>/dev/null | grep -c ':1723 ')" -ge "$n" ]; do
  i=$((i + 1))
  [ $i -gt 150 ] && { say "ERROR only $(netstat -ltn | grep -c ':1723 ') of $n pptpd listen"; finish; }
  sleep 0.2
done
say "READY t=$(now) instances=$n"
while :; do sleep 3600; done
