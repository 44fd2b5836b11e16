# Sourced by the harness's guest /init (../shared/interop/guest-init.sh) as
# /etc/pptpi/scenario: it takes over PID 1 and never returns. Instead of one pppd per VM
# boot it runs many real pptp-linux + pppd calls in one boot, to save ~5 s of TCG boot
# per call. /etc/pptpi/worker.N lists calls, one a line: "ID SERVER pppd options...".
# Workers run side by side; a worker's calls run one after another (pptp-linux shares one
# control connection between calls to the same server, and PoPToP takes one call per
# connection, so the host puts all calls to one server in the same worker).
# Per call the console gets "@@RUNLOG ID <pppd's log, without Echo and IPCP lines>" and
# "@@RUN id= up= mppe= exit= ping= seconds=". say, now, secs and finish come from guest-init.sh.

KVER=$(cat /etc/kernel-version)
while read -r m; do
  insmod "/lib/modules/$KVER/$m" || say "WARN insmod $m failed"
done </etc/modules.order
ip link set lo up
ip link set eth0 up || say "WARN no eth0"
ip addr add "$GUEST_IP" dev eth0
syslogd -O /var/log/messages

cat >/etc/ppp/ip-up <<'UP'
#!/bin/sh
echo "$1 $4 $5" >/run/up.$6
UP
chmod 755 /etc/ppp/ip-up
say "BOOTED role=multi t=$(now) kernel=$KVER ip=$GUEST_IP"

# one ID SERVER OPTIONS...: a whole call, bounded by RUN_TIMEOUT seconds until IPCP is up.
one() {
  id=$1 srv=$2
  shift 2
  cat >/etc/ppp/peers/$id <<PEER
pty "pptp $srv --nolaunchpppd"
name $USER_WORD
remotename PPTP
ipparam $id
nodetach
noipdefault
maxfail 1
debug
logfile /var/log/ppp-$id.log
$*
PEER
  t0=$(now)
  pppd call "$id" &
  p=$!
  # Bounded by the guest clock (it follows the host's), not by a count of sleeps: a
  # starved TCG guest sleeps far longer than asked.
  end=$(awk -v t="$t0" -v d="$RUN_TIMEOUT" 'BEGIN { print t + d }')
  while [ ! -f "/run/up.$id" ] && kill -0 $p 2>/dev/null && awk -v n="$(now)" -v e="$end" 'BEGIN { exit !(n < e) }'; do
    sleep 0.3
  done
  up=false recv=0
  if [ -f "/run/up.$id" ]; then
    up=true
    set -- $(cat "/run/up.$id")
    ping -c "$COUNT" -w $((COUNT * 2 + 4)) -I "$1" "$3" >"/tmp/ping.$id" 2>&1
    recv=$(sed -n 's/.* \([0-9]*\) packets received.*/\1/p' "/tmp/ping.$id")
  fi
  kill -TERM $p 2>/dev/null
  i=0
  while kill -0 $p 2>/dev/null && [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
  kill -KILL $p 2>/dev/null
  wait $p
  rc=$?
  mppe=$(grep -o 'MPPE [0-9]*-bit [a-z]*' "/var/log/ppp-$id.log" | tail -1 | tr ' ' _)
  grep -vE 'Echo(Req|Rep)|^(rcvd|sent) \[IPCP' "/var/log/ppp-$id.log" | tail -60 | sed "s/^/@@RUNLOG $id /"
  say "RUN id=$id up=$up mppe=${mppe:-none} exit=$rc ping=${recv:-0} seconds=$(secs "$t0" "$(now)")"
}

# A call that never got as far as CCP (LCP unanswered: the server's pppd starved of CPU
# on a busy host) says nothing about MPPE: it is made once more, and its @@RUN says so.
call() {
  one "$@"
  if [ "$up" = false ] && ! grep -q 'CCP ConfReq' "/var/log/ppp-$1.log"; then
    say "RETRY id=$1"
    rm -f "/var/log/ppp-$1.log"
    one "$@"
  fi
}

for w in /etc/pptpi/worker.*; do
  (while read -r line; do [ -n "$line" ] && call $line; done <"$w") &
done
wait
finish
